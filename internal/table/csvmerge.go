package table

import (
	"math"
	"sync"
)

// csvMerge appends parsed blocks to the table in input order, as soon as
// each block's turn comes, so that the table's columns are written once
// and a block's buffers are reused for the next block.
type csvMerge struct {
	mu       sync.Mutex
	turn     sync.Cond
	next     int // index of the block whose turn it is
	t        *Table
	dicts    []map[string]int
	line     int   // line number of the first line of block next
	sizeHint int64 // bytes of input, when known, to size the columns
	err      error
}

// merge waits for block idx's turn and appends res to the table.
func (m *csvMerge) merge(idx int, res *csvResult, size int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for m.next != idx {
		m.turn.Wait()
	}
	defer m.turn.Broadcast()
	m.next++
	if m.err != nil {
		return
	}
	if res.err != nil {
		if ie, ok := res.err.(*InputError); ok {
			ie.Line += m.line
		}
		m.err = res.err
		return
	}
	m.line += res.lines
	t := m.t
	if idx == 0 {
		// Size the columns once from the first block's bytes per row.
		est := 0
		if m.sizeHint > 0 && size > 0 {
			est = int(float64(res.rows)*float64(m.sizeHint)/float64(size)*1.01) + 1024
		}
		// The columns of each element type are cut from one allocation:
		// a few large allocations rather than one a column, each of which
		// could start a garbage collection while the heap grows.
		var n32, n64 int
		for ci := range t.Columns {
			if !res.hasText[ci] && res.decOK[ci] || res.hasText[ci] && noNumbers(res.cols[ci]) {
				n32++
			} else {
				n64++
			}
		}
		slab32 := make([]int32, n32*est)
		slab64 := make([]float64, n64*est)
		for ci, col := range t.Columns {
			if !res.hasText[ci] && res.decOK[ci] {
				col.dec, col.scale = slab32[:0:est], res.scale[ci]
				slab32 = slab32[est:]
			} else if res.hasText[ci] && noNumbers(res.cols[ci]) {
				col.codes = slab32[:0:est]
				slab32 = slab32[est:]
			} else {
				col.values = slab64[:0:est]
				slab64 = slab64[est:]
			}
		}
	}
	t.Rows += res.rows
	for ci, col := range t.Columns {
		before := col.Len()
		m.mergeColumn(col, ci, res)
		// The column's missing cells are counted as it grows: the parser
		// counted those of a block it kept compact; others are counted
		// in the cells just appended, while they are in cache.
		if idx == 0 {
			col.missingKnown = true
		}
		if res.decMode[ci] {
			col.missing += res.missing[ci]
		} else {
			col.missing += col.countMissing(before)
		}
	}
}

// mergeColumn appends column ci of a block to the table's column.
func (m *csvMerge) mergeColumn(col *Column, ci int, res *csvResult) {
	vals := res.cols[ci]
	if res.decMode[ci] {
		// A block the parser kept compact: copied as it is when the
		// column is compact at a scale it fits, else as floats.
		if col.dec != nil && res.scale[ci] <= col.scale && rescale(res.dec[ci], col.scale-res.scale[ci]) {
			col.dec = append(col.dec, res.dec[ci]...)
			return
		}
		vals = res.floats(ci)
	}
	if col.codes != nil && !res.hasText[ci] {
		if noNumbers(vals) { // all missing
			for range vals {
				col.codes = append(col.codes, codeMissing)
			}
			return
		}
		col.values = codesToFloat(make([]float64, 0, max(cap(col.codes), len(col.codes)+len(vals))), col.codes)
		col.codes = nil
	}
	if !res.hasText[ci] {
		if col.dec != nil && res.decOK[ci] && res.scale[ci] <= col.scale &&
			rescale(res.dec[ci], col.scale-res.scale[ci]) {
			col.dec = append(col.dec, res.dec[ci]...)
			return
		}
		if col.dec != nil {
			// This block does not fit the compact form: go back to
			// floats for the whole column.
			col.values = decToFloat(make([]float64, 0, max(cap(col.dec), len(col.dec)+len(vals))), col.dec, col.scale)
			col.dec = nil
		}
		col.values = append(col.values, vals...)
		return
	}
	if col.dec != nil {
		col.values = decToFloat(make([]float64, 0, max(cap(col.dec), len(col.dec)+len(vals))), col.dec, col.scale)
		col.dec = nil
	}
	dict := m.dicts[ci]
	if dict == nil {
		dict = map[string]int{}
		m.dicts[ci] = dict
	}
	// The worker's texts the merge has not seen yet get their table
	// codes; those it has keep theirs.
	remap := res.remap[ci]
	for _, s := range res.text[ci][len(remap):] {
		code, ok := dict[s]
		if !ok {
			code = len(col.text)
			dict[s] = code
			col.text = append(col.text, s)
		}
		remap = append(remap, int32(code))
	}
	res.remap[ci] = remap
	if col.codes != nil {
		if noNumbers(vals) {
			for _, v := range vals {
				if isText(v) {
					col.codes = append(col.codes, remap[math.Float64bits(v)&payloadMask])
					col.texts++
				} else {
					col.codes = append(col.codes, codeMissing)
				}
			}
			return
		}
		// A number among the texts: go back to floats.
		col.values = codesToFloat(make([]float64, 0, max(cap(col.codes), len(col.codes)+len(vals))), col.codes)
		col.codes = nil
	}
	for _, v := range vals {
		if isText(v) {
			v = textValue(int(remap[math.Float64bits(v)&payloadMask]))
			col.texts++
		}
		col.values = append(col.values, v)
	}
}
