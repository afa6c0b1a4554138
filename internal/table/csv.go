package table

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// ReadOptions says how to read a data file.
type ReadOptions struct {
	// Format is "csv" or "parquet"; empty means by extension (.parquet and
	// .pq are Parquet, anything else CSV).
	Format string
	// Columns, when not empty, are the only columns kept; the others are
	// still checked for shape but not parsed.
	Columns []string

	sizeHint int64 // bytes of input, when known
}

// ReadFile reads a CSV or Parquet file into a Table. Errors are
// *InputError values naming the file, line and column. path must be a
// regular file: a FIFO, a socket or a device is refused, never read.
func ReadFile(path string, opt ReadOptions) (*Table, error) {
	return readInput(File(path), opt)
}

// readInput reads a CSV or Parquet input into a Table; errors name the
// input as the user named it.
func readInput(in Input, opt ReadOptions) (*Table, error) {
	format := FormatOf(in.Name, opt.Format)
	switch format {
	case "csv", "parquet":
	default:
		return nil, &InputError{File: in.Name, Err: fmt.Errorf("unknown input format %q; use csv or parquet", format)}
	}
	f, err := in.open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if format == "parquet" {
		return ReadParquetFrom(f, in.Name, opt)
	}
	if st, err := f.Stat(); err == nil {
		opt.sizeHint = st.Size()
	}
	return ReadCSV(f, in.Name, opt)
}

// formatOf is the explicit format, or the one path's extension implies.
func FormatOf(path, format string) string {
	if format != "" {
		return format
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet", ".pq":
		return "parquet"
	}
	return "csv"
}

// csvBlockSize is how much of a CSV file one worker parses at a time: big
// enough that the per-block overhead vanishes, small enough that a few
// blocks in flight cost little memory.
const csvBlockSize = 4 << 20

// ReadCSV reads comma-separated values with a header row (RFC 4180 quoting,
// LF or CRLF line ends, blank lines skipped) from r; name is used in errors.
// Blocks of the input are parsed in parallel, each cell without allocating:
// into a 4-byte integer for columns of plain decimals or of texts (see
// Column.dec and Column.codes), else into one float64.
func ReadCSV(r io.Reader, name string, opt ReadOptions) (*Table, error) {
	// Blocks in flight: one being read, those queued, one per worker.
	rd := &csvReader{r: r, name: name, free: make(chan *[]byte, 2*runtime.GOMAXPROCS(0)+1)}
	header, err := rd.header()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, h := range header {
		if seen[h] {
			return nil, &InputError{File: name, Line: 1, Column: h, Err: errors.New("duplicate column name in the header")}
		}
		seen[h] = true
	}
	keep := make([]int, len(header)) // header index -> kept column index, or -1
	t := &Table{Path: name}
	for i, h := range header {
		keep[i] = -1
		if len(opt.Columns) == 0 || slices.Contains(opt.Columns, h) {
			keep[i] = len(t.Columns)
			t.Columns = append(t.Columns, &Column{Name: h})
		}
	}
	for _, c := range opt.Columns {
		if !seen[c] {
			return nil, &InputError{File: name, Line: 1, Column: c, Err: errors.New("no such column in the header")}
		}
	}

	m := &csvMerge{t: t, dicts: make([]map[string]int, len(t.Columns)), line: rd.line, sizeHint: opt.sizeHint}
	m.turn.L = &m.mu
	blocks := make(chan csvBlock, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &csvResult{cols: make([][]float64, len(t.Columns)), text: make([][]string, len(t.Columns))}
			for b := range blocks {
				parseBlock(res, b, header, keep, name)
				rd.release(b.buf)
				res.compact()
				m.merge(b.idx, res, len(b.data))
			}
		}()
	}
	readErr := rd.blocks(blocks)
	close(blocks)
	wg.Wait()
	if readErr != nil {
		return nil, readErr
	}
	if m.err != nil {
		return nil, m.err
	}
	return t, nil
}

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
			if len(res.text[ci]) == 0 && res.decOK[ci] || len(res.text[ci]) > 0 && noNumbers(res.cols[ci]) {
				n32++
			} else {
				n64++
			}
		}
		slab32 := make([]int32, n32*est)
		slab64 := make([]float64, n64*est)
		for ci, col := range t.Columns {
			if len(res.text[ci]) == 0 && res.decOK[ci] {
				col.dec, col.scale = slab32[:0:est], res.scale[ci]
				slab32 = slab32[est:]
			} else if len(res.text[ci]) > 0 && noNumbers(res.cols[ci]) {
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
	if col.codes != nil && len(res.text[ci]) == 0 {
		if noNumbers(vals) { // all missing
			for range vals {
				col.codes = append(col.codes, codeMissing)
			}
			return
		}
		col.values = codesToFloat(make([]float64, 0, max(cap(col.codes), len(col.codes)+len(vals))), col.codes)
		col.codes = nil
	}
	if len(res.text[ci]) == 0 {
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
	remap := make([]int, len(res.text[ci]))
	for i, s := range res.text[ci] {
		code, ok := dict[s]
		if !ok {
			code = len(col.text)
			dict[s] = code
			col.text = append(col.text, s)
		}
		remap[i] = code
	}
	if col.codes != nil {
		if noNumbers(vals) {
			for _, v := range vals {
				if isText(v) {
					col.codes = append(col.codes, int32(remap[math.Float64bits(v)&payloadMask]))
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
			v = textValue(remap[math.Float64bits(v)&payloadMask])
			col.texts++
		}
		col.values = append(col.values, v)
	}
}

type csvReader struct {
	r     io.Reader
	name  string
	carry []byte // bytes read but not yet handed out
	eof   bool
	line  int // line number of the first line of carry
	// free holds the block buffers the workers are done with. (A
	// sync.Pool would drop them at each garbage collection, and reading
	// would allocate them again, starting more collections.)
	free chan *[]byte
}

type csvBlock struct {
	idx  int
	buf  *[]byte
	data []byte
}

func (rd *csvReader) release(b *[]byte) {
	select {
	case rd.free <- b:
	default: // more buffers than blocks in flight: let it go
	}
}

// fill reads until carry holds at least n bytes or the input ends.
func (rd *csvReader) fill(n int) error {
	for len(rd.carry) < n && !rd.eof {
		if cap(rd.carry)-len(rd.carry) < 64<<10 {
			grown := make([]byte, len(rd.carry), min(max(2*cap(rd.carry), 64<<10), n+64<<10))
			copy(grown, rd.carry)
			rd.carry = grown
		}
		m, err := rd.r.Read(rd.carry[len(rd.carry):cap(rd.carry)])
		rd.carry = rd.carry[:len(rd.carry)+m]
		if err == io.EOF {
			rd.eof = true
		} else if err != nil {
			return &InputError{File: rd.name, Err: err}
		}
	}
	return nil
}

// header parses the first record.
func (rd *csvReader) header() ([]string, error) {
	rd.line = 1
	for {
		if err := rd.fill(len(rd.carry) + 64<<10); err != nil {
			return nil, err
		}
		rd.carry = bytes.TrimPrefix(rd.carry, []byte("\xef\xbb\xbf"))
		end, ok := recordEnd(rd.carry, rd.eof)
		if !ok {
			if rd.eof {
				break
			}
			continue
		}
		var fields []string
		pos, line := 0, 1
		var scratch []byte
		for {
			cell, next, eor, nl, s, err := nextField(rd.carry[:end], pos, scratch)
			scratch = s
			if err != nil {
				return nil, &InputError{File: rd.name, Line: line, Err: err}
			}
			line += nl
			fields = append(fields, string(trimSpace(cell)))
			pos = next
			if eor {
				break
			}
		}
		rd.line += bytes.Count(rd.carry[:end], []byte{'\n'})
		rd.carry = rd.carry[end:]
		if len(fields) == 1 && fields[0] == "" {
			continue // blank line before the header
		}
		return fields, nil
	}
	return nil, &InputError{File: rd.name, Line: 1, Err: errors.New("empty file: a header row is required")}
}

// recordEnd returns the index just past the first complete record of data
// (its newline included), honouring quotes.
func recordEnd(data []byte, eof bool) (int, bool) {
	inQuote := false
	for i, c := range data {
		switch {
		case c == '"':
			inQuote = !inQuote
		case c == '\n' && !inQuote:
			return i + 1, true
		}
	}
	if eof && len(data) > 0 {
		return len(data), true
	}
	return 0, false
}

// blocks cuts the rest of the input into blocks that end on record
// boundaries and sends them on out. Each block is read straight into its
// own buffer; only the partial record at its end is copied, to the front
// of the next one.
func (rd *csvReader) blocks(out chan<- csvBlock) error {
	want := csvBlockSize
	for idx := 0; ; {
		var bp *[]byte
		select {
		case bp = <-rd.free:
		default:
		}
		if bp == nil || cap(*bp) < want || cap(*bp) < len(rd.carry)+64<<10 {
			b := make([]byte, max(want, len(rd.carry)+64<<10))
			bp = &b
		}
		buf := (*bp)[:cap(*bp)]
		n := copy(buf, rd.carry)
		for n < len(buf) && !rd.eof {
			m, err := rd.r.Read(buf[n:])
			n += m
			if err == io.EOF {
				rd.eof = true
			} else if err != nil {
				return &InputError{File: rd.name, Err: err}
			}
		}
		if n == 0 {
			return nil
		}
		cut := n
		if !rd.eof {
			cut = lastRecordEnd(buf[:n])
			if cut == 0 {
				// One record longer than a block: read on with a
				// bigger buffer.
				rd.carry = append(rd.carry[:0], buf[:n]...)
				want = 2 * n
				continue
			}
		}
		rd.carry = append(rd.carry[:0], buf[cut:n]...)
		out <- csvBlock{idx: idx, buf: bp, data: buf[:cut]}
		idx++
	}
}

// lastRecordEnd is the index just past the last newline of data that lies
// outside quotes, or 0. data starts on a record boundary.
func lastRecordEnd(data []byte) int {
	if bytes.IndexByte(data, '"') < 0 {
		return bytes.LastIndexByte(data, '\n') + 1
	}
	inQuote, last := false, 0
	for i, c := range data {
		switch {
		case c == '"':
			inQuote = !inQuote
		case c == '\n' && !inQuote:
			last = i + 1
		}
	}
	return last
}

type csvResult struct {
	// dec, scale and decOK are cols in compact form, where it exists (see
	// Column.dec). While decMode, the parser appends a column's cells to
	// dec at scale instead of to cols, and counts its missing cells.
	dec     [][]int32
	scale   []int
	decOK   []bool
	decMode []bool
	missing []int
	tmp     []float64
	rows    int
	lines   int // newlines consumed, to number the lines of later blocks
	cols    [][]float64
	text    [][]string
	dicts   []textDict
	err     error
}

// parseBlock parses the records of one block into res, reusing its
// buffers. Line numbers in errors count from the block's first line (0);
// the merge makes them absolute.
func parseBlock(res *csvResult, b csvBlock, header []string, keep []int, name string) {
	data := b.data
	res.rows, res.lines, res.err = 0, 0, nil
	if res.dec == nil {
		res.dec = make([][]int32, len(res.cols))
		res.scale = make([]int, len(res.cols))
		res.decOK = make([]bool, len(res.cols))
		res.decMode = make([]bool, len(res.cols))
		res.missing = make([]int, len(res.cols))
	}
	for i := range res.cols {
		res.cols[i] = res.cols[i][:0]
		res.text[i] = res.text[i][:0]
		res.dec[i] = res.dec[i][:0]
		res.scale[i], res.decMode[i], res.missing[i] = 0, true, 0
	}
	if res.dicts == nil {
		res.dicts = make([]textDict, len(res.cols))
	}
	for i := range res.dicts {
		clear(res.dicts[i].slots)
	}
	// The hot path works on locals: the column slices' own headers change,
	// the slices of them do not.
	dicts, decs, scales, modes := res.dicts, res.dec, res.scale, res.decMode
	var scratch []byte
	line, rows := 0, 0
	pos := 0
	for pos < len(data) {
		if data[pos] == '\n' {
			pos++
			line++
			continue
		}
		if data[pos] == '\r' && pos+1 < len(data) && data[pos+1] == '\n' {
			pos += 2
			line++
			continue
		}
		recLine := line
		field := 0
		for {
			if field < len(keep) && keep[field] >= 0 {
				// The common cell, a plain decimal, is scanned and parsed
				// in one pass.
				if m, frac, neg, next, eor, ok := fastField(data, pos); ok {
					ci := keep[field]
					if frac == scales[ci] && m <= math.MaxInt32 && modes[ci] {
						// The common case: the digits are the integer at
						// the block's scale so far.
						d := int32(m)
						if neg {
							d = -d
						}
						decs[ci] = append(decs[ci], d)
					} else {
						res.addNumber(ci, m, frac, neg)
					}
					field++
					pos = next
					if eor {
						line++
						break
					}
					continue
				}
				// The common text cell, a bare word that can be neither a
				// number nor a missing value, goes straight to the dict.
				if end, key, ok := fastText(data, pos); ok {
					ci := keep[field]
					if res.decMode[ci] {
						res.toFloats(ci)
					}
					v := textValue(dicts[ci].codeKey(data[pos:end], key, &res.text[ci]))
					res.cols[ci] = append(res.cols[ci], v)
					field++
					pos = end + 1
					if end == len(data) {
						pos = end
						break
					}
					if data[end] == '\n' {
						line++
						break
					}
					continue
				}
			} else if field < len(keep) && (pos >= len(data) || data[pos] != '"') {
				// An unused, unquoted cell: find its end and move on.
				i := pos
				for i < len(data) && data[i] != ',' && data[i] != '\n' && data[i] != '"' {
					i++
				}
				if i == len(data) || data[i] != '"' {
					field++
					if i == len(data) || data[i] == '\n' {
						pos = min(i+1, len(data))
						if i < len(data) {
							line++
						}
						break
					}
					pos = i + 1
					continue
				}
			}
			cell, next, eor, nl, s, err := nextField(data, pos, scratch)
			scratch = s
			if err != nil {
				col := ""
				if field < len(header) {
					col = header[field]
				}
				res.err = &InputError{File: name, Line: line, Column: col, Err: err}
				res.rows, res.lines = rows, line
				return
			}
			line += nl
			if field < len(keep) && keep[field] >= 0 {
				ci := keep[field]
				v, kind := Cell(cell)
				if res.decMode[ci] {
					if kind == CellMissing {
						res.dec[ci] = append(res.dec[ci], decMissing)
						res.missing[ci]++
						field++
						pos = next
						if eor {
							break
						}
						continue
					}
					// Numbers the fast path did not take and texts are
					// left to toDec, as floats.
					res.toFloats(ci)
				}
				switch kind {
				case CellMissing:
					v = missingValue
				case CellText:
					t := trimSpace(cell)
					v = textValue(dicts[ci].code(t, &res.text[ci]))
				}
				res.cols[ci] = append(res.cols[ci], v)
			}
			field++
			pos = next
			if eor {
				break
			}
		}
		if field != len(header) {
			res.err = &InputError{File: name, Line: recLine, Err: fmt.Errorf("ragged row: %d fields, the header has %d", field, len(header))}
			res.rows, res.lines = rows, line
			return
		}
		rows++
	}
	res.rows, res.lines = rows, line
}

var (
	errBareQuote   = errors.New(`bare " in a field that does not start with a quote`)
	errQuoteNotEnd = errors.New(`unterminated quoted field`)
	errAfterQuote  = errors.New(`unexpected character after a closing quote`)
)

// nextField parses the field starting at data[pos]. It returns the cell's
// bytes (a slice of data, or of scratch when quotes had to be undone), the
// position after its terminator, whether the terminator ended the record,
// and how many newlines it consumed.
func nextField(data []byte, pos int, scratch []byte) (cell []byte, next int, eor bool, nl int, _ []byte, err error) {
	n := len(data)
	if pos < n && data[pos] == '"' {
		scratch = scratch[:0]
		i := pos + 1
		for {
			j := bytes.IndexByte(data[i:], '"')
			if j < 0 {
				return nil, n, true, 0, scratch, errQuoteNotEnd
			}
			seg := data[i : i+j]
			nl += bytes.Count(seg, []byte{'\n'})
			scratch = append(scratch, seg...)
			i += j + 1
			if i < n && data[i] == '"' {
				scratch = append(scratch, '"')
				i++
				continue
			}
			break
		}
		switch {
		case i >= n:
			return scratch, n, true, nl, scratch, nil
		case data[i] == ',':
			return scratch, i + 1, false, nl, scratch, nil
		case data[i] == '\n':
			return scratch, i + 1, true, nl + 1, scratch, nil
		case data[i] == '\r' && (i+1 == n || data[i+1] == '\n'):
			return scratch, min(i+2, n), true, nl + 1, scratch, nil
		}
		return nil, n, true, nl, scratch, errAfterQuote
	}
	end := pos
	for end < n {
		c := data[end]
		if c == ',' || c == '\n' {
			break
		}
		if c == '"' {
			return nil, n, true, 0, scratch, errBareQuote
		}
		end++
	}
	cell = data[pos:end]
	if end == n {
		if len(cell) > 0 && cell[len(cell)-1] == '\r' {
			cell = cell[:len(cell)-1]
		}
		return cell, n, true, 0, scratch, nil
	}
	if data[end] == ',' {
		return cell, end + 1, false, 0, scratch, nil
	}
	if len(cell) > 0 && cell[len(cell)-1] == '\r' {
		cell = cell[:len(cell)-1]
	}
	return cell, end + 1, true, 1, scratch, nil
}

// fastField scans, in one pass, an unquoted field at data[pos] that is a
// plain decimal Clinger's fast path converts exactly, and ends in a comma,
// a newline or the end of data. The decimal is m/10^frac, negated when neg
// (see decimalValue). ok is false for anything else, which the caller then
// parses the general way.
//
// It is the hottest code of reading, written so that no branch depends on
// the digits of the common cell: a sign and at most 8 bytes of digits and
// point, read from one little-endian word. A byte is a digit when it xor
// '0' is below 10, which adding 0x76 to every byte at once turns into its
// high bit (a carry out of a byte, which could mislead the test of the
// next, only comes from bytes that are neither digits nor the point). The
// point is taken out by shifting the digits after it down a byte; the
// digits, moved to the top of the word as if preceded by zeros, are then
// combined pairwise, two, four, eight, by three multiplications. Other
// cells, and those at the end of data, are read digit by digit.
func fastField(data []byte, pos int) (m uint64, frac int, neg bool, next int, eor bool, ok bool) {
	if pos+9 >= len(data) {
		return digitField(data, pos)
	}
	c := data[pos]
	neg = c == '-'
	i := pos + int(signBytes[c])
	w := binary.LittleEndian.Uint64(data[i : i+8])
	v := w ^ 0x3030303030303030
	other := (v | (v + 0x7676767676767676)) & 0x8080808080808080
	end := bits.TrailingZeros64(other) >> 3
	digits := end
	if end < 8 && byte(w>>(8*end&63)) == '.' {
		// Drop the point and look for the end after it.
		p := end
		end = bits.TrailingZeros64(other&(other-1)) >> 3
		digits, frac = end-1, end-1-p
		low := uint64(1)<<(8*p&63) - 1
		v = v&low | v>>8&^low
	}
	if end >= 8 || digits == 0 {
		return digitField(data, pos)
	}
	// The shifts here are below 64; saying so with & 63 spares the
	// compiler's test for larger ones.
	v <<= (64 - 8*digits) & 63
	v = (v * (1 + 10<<8)) >> 8 & 0x00ff00ff00ff00ff
	v = (v * (1 + 100<<16)) >> 16 & 0x0000ffff0000ffff
	v = (v * (1 + 10000<<32)) >> 32
	switch data[i+end] {
	case ',':
		return v, frac, neg, i + end + 1, false, true
	case '\n':
		return v, frac, neg, i + end + 1, true, true
	}
	return 0, 0, false, 0, false, false
}

// signBytes is 1 for the bytes a number may start its sign with.
var signBytes = [256]uint8{'-': 1, '+': 1}

// digitField is fastField digit by digit, for any length and at the end
// of data.
func digitField(data []byte, pos int) (m uint64, frac int, neg bool, next int, eor bool, ok bool) {
	n := len(data)
	i := pos
	if i < n && (data[i] == '-' || data[i] == '+') {
		neg = data[i] == '-'
		i++
	}
	start := i
	for i < n {
		d := data[i] - '0'
		if d >= 10 {
			break
		}
		m = m*10 + uint64(d)
		i++
	}
	nd := i - start
	if i < n && data[i] == '.' {
		i++
		start = i
		for i < n {
			d := data[i] - '0'
			if d >= 10 {
				break
			}
			m = m*10 + uint64(d)
			i++
		}
		frac = i - start
		nd += frac
	}
	if nd == 0 || nd > 19 || m >= 1<<53 || frac > 22 {
		return 0, 0, false, 0, false, false
	}
	switch {
	case i == n:
		eor = true
	case data[i] == ',':
	case data[i] == '\n':
		eor = true
	default:
		return 0, 0, false, 0, false, false
	}
	return m, frac, neg, i + 1, eor, true
}

// fastText scans an unquoted field at data[pos] that Cell would take as
// text whatever follows its first byte: one starting with an ASCII letter
// that no number or missing word starts with (see isMissingWord), holding
// no quote or carriage return and ending in neither a space nor a tab. It
// returns the index of the comma or newline that ends it, or len(data),
// and the text's key for textDict. A text of at most 7 bytes, the common
// category, is found in one 8-byte word: its end is the first byte equal
// to one of the four that matter, found for all 8 bytes at once.
func fastText(data []byte, pos int) (end int, key uint64, ok bool) {
	if pos >= len(data) {
		return 0, 0, false
	}
	switch c := data[pos] | 0x20; {
	case c < 'a' || c > 'z' || c == 'n' || c == 'i':
		return 0, 0, false
	}
	if pos+8 <= len(data) {
		w := binary.LittleEndian.Uint64(data[pos : pos+8])
		stop := zeroBytes(w^0x2c2c2c2c2c2c2c2c) | zeroBytes(w^0x0a0a0a0a0a0a0a0a) |
			zeroBytes(w^0x2222222222222222) | zeroBytes(w^0x0d0d0d0d0d0d0d0d)
		if n := bits.TrailingZeros64(stop) >> 3; n < 8 {
			switch c := byte(w >> (8 * n & 63)); {
			case c == '"' || c == '\r':
				return 0, 0, false
			}
			if last := byte(w >> (8 * (n - 1) & 63)); last == ' ' || last == '\t' {
				return 0, 0, false
			}
			return pos + n, w&(1<<(8*n&63)-1) | uint64(n)<<56, true
		}
	}
	i := pos + 1
	for i < len(data) {
		c := data[i]
		if c == ',' || c == '\n' {
			break
		}
		if c == '"' || c == '\r' {
			return 0, 0, false
		}
		i++
	}
	if last := data[i-1]; last == ' ' || last == '\t' {
		return 0, 0, false
	}
	key, _ = textKey(data[pos:i])
	return i, key, true
}

// zeroBytes has the high bit set in the lowest zero byte of x, and maybe
// in bytes above it, and nowhere else: exact for finding the first one.
func zeroBytes(x uint64) uint64 {
	return (x - 0x0101010101010101) &^ x & 0x8080808080808080
}

// decimalValue is the float64 nearest m/10^frac, negated when neg: one
// correctly rounded IEEE division, exact for m < 2^53 and frac <= 22.
func decimalValue(m uint64, frac int, neg bool) float64 {
	v := float64(m) / pow10[frac]
	if neg && v != 0 {
		v = -v
	}
	return v
}

// pow10i are the powers of ten that fit an int64.
var pow10i = [...]int64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// addNumber appends the decimal m/10^frac (negated when neg) to column ci of the block: to dec while the
// column is in compact form and the number fits it, else as a float.
//
// The compact form it builds is the one toDec would build from the
// floats. Stripped of its trailing zeros, the decimal is m' at scale s;
// when m' < 2^31, no integer at a smaller scale stands for the same
// float64 (two such decimals differ by at least 1/m' of their size, far
// more than a rounding), and at a scale S >= s the integer is m'·10^(S-s),
// whose quotient by 10^S is the same correctly rounded division. So the
// smallest scale holding every number of the block is the largest s, if
// every number fits an int32 there; when one does not, no scale holds
// them all and toDec reports so too (it is left to it, on floats).
func (res *csvResult) addNumber(ci int, m uint64, frac int, neg bool) {
	if res.decMode[ci] {
		if d, ok := res.decAt(ci, m, frac); ok {
			if neg {
				d = -d
			}
			res.dec[ci] = append(res.dec[ci], d)
			return
		}
		res.toFloats(ci)
	}
	res.cols[ci] = append(res.cols[ci], decimalValue(m, frac, neg))
}

// decAt returns m/10^frac as an integer at column ci's scale, raising the
// scale of the column's dec first when the number needs more digits. ok is
// false when the number does not fit the compact form; the column is then
// unchanged.
func (res *csvResult) decAt(ci int, m uint64, frac int) (int32, bool) {
	s := 0 // the scale of m without its trailing zeros after the point
	if m != 0 {
		for s = frac; s > 0 && m%10 == 0; s-- {
			m /= 10
		}
	}
	if s > MaxScale || m > math.MaxInt32 {
		return 0, false
	}
	if s > res.scale[ci] {
		if !rescale(res.dec[ci], s-res.scale[ci]) {
			return 0, false
		}
		res.scale[ci] = s
	}
	d := m * uint64(pow10i[res.scale[ci]-s]) // < 2^31 · 10^9, no overflow
	if d > math.MaxInt32 {
		return 0, false
	}
	return int32(d), true
}

// toFloats turns column ci of the block from compact form to floats.
func (res *csvResult) toFloats(ci int) {
	res.cols[ci] = decToFloat(res.cols[ci][:0], res.dec[ci], res.scale[ci])
	res.dec[ci] = res.dec[ci][:0]
	res.decMode[ci], res.scale[ci] = false, 0
}

// compact converts the parsed columns without text to Column.dec form,
// where each number allows it, so the merge only copies 4 bytes a cell.
// Columns the parser kept compact are done already; a column of only
// missing cells goes the float way, as the merge expects of it.
func (res *csvResult) compact() {
	for ci := range res.cols {
		res.decOK[ci] = false
		if res.err != nil {
			continue
		}
		if res.decMode[ci] {
			if res.missing[ci] < len(res.dec[ci]) {
				res.decOK[ci] = true
				continue
			}
			res.toFloats(ci)
		}
		if len(res.text[ci]) > 0 {
			continue
		}
		res.dec[ci], res.scale[ci], res.decOK[ci] = toDec(res.dec[ci], res.cols[ci])
	}
}

// floats returns column ci of the block as floats, whatever its form.
func (res *csvResult) floats(ci int) []float64 {
	if !res.decMode[ci] {
		return res.cols[ci]
	}
	res.tmp = decToFloat(res.tmp[:0], res.dec[ci], res.scale[ci])
	return res.tmp
}

// textDict interns the texts of one column of a block: an open-addressing
// table of indices into the block's texts, cheaper per lookup than a map
// keyed by string for the short, few categories of a column. Each slot
// holds a key besides the index: a text of at most 7 bytes is its own key
// (its bytes and its length), so finding it compares one integer; a longer
// text's key is its hash, and a matching key is confirmed on the bytes.
type textDict struct {
	keys  []uint64
	slots []int32 // index+1 into the texts; 0 is empty; len is a power of two
}

// textKey is t's key (see textDict); short reports whether the key alone
// identifies t. Short keys have a length below 8 in their top byte, long
// keys have the top bit set.
func textKey[T string | []byte](t T) (key uint64, short bool) {
	if len(t) <= 7 {
		for i := 0; i < len(t); i++ {
			key |= uint64(t[i]) << (8 * i)
		}
		return key | uint64(len(t))<<56, true
	}
	h := uint64(14695981039346656037) // FNV-1a
	for i := 0; i < len(t); i++ {
		h ^= uint64(t[i])
		h *= 1099511628211
	}
	return h | 1<<63, false
}

// slotOf is where the probe for key starts: the high bits of a
// multiplicative hash, which spread packed bytes that differ in one byte.
func (d *textDict) slotOf(key uint64) uint64 {
	return (key * 0x9e3779b97f4a7c15) >> (64 - bits.TrailingZeros(uint(len(d.slots))))
}

// code returns the index of t in *texts, appending t if it is new.
func (d *textDict) code(t []byte, texts *[]string) int {
	key, _ := textKey(t)
	return d.codeKey(t, key, texts)
}

// codeKey is code for a text whose key is known.
func (d *textDict) codeKey(t []byte, key uint64, texts *[]string) int {
	// At most an eighth of a small table is used, so a lookup rarely
	// probes twice; half of a large one, so a column of many distinct
	// texts does not clear megabytes per block.
	if n := len(*texts) + 1; 8*n > len(d.slots) && (len(d.slots) < 4096 || 2*n > len(d.slots)) {
		d.grow(*texts)
	}
	short := key>>63 == 0
	mask := uint64(len(d.slots) - 1)
	for i := d.slotOf(key); ; i = (i + 1) & mask {
		s := d.slots[i]
		if s == 0 {
			*texts = append(*texts, string(t))
			d.slots[i], d.keys[i] = int32(len(*texts)), key
			return len(*texts) - 1
		}
		if d.keys[i] == key && (short || (*texts)[s-1] == string(t)) {
			return int(s - 1)
		}
	}
}

// grow doubles the table (to at least 256 slots) and re-enters texts.
func (d *textDict) grow(texts []string) {
	n := max(256, 2*len(d.slots))
	d.slots, d.keys = make([]int32, n), make([]uint64, n)
	mask := uint64(n - 1)
	for code, s := range texts {
		key, _ := textKey(s)
		i := d.slotOf(key)
		for d.slots[i] != 0 {
			i = (i + 1) & mask
		}
		d.slots[i], d.keys[i] = int32(code+1), key
	}
}
