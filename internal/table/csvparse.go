package table

import (
	"bytes"
	"errors"
	"fmt"
	"math"
)

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
	// text, dicts and remap outlive a block: a worker's texts of a
	// column are interned once, not once a block, and remap holds the
	// table's code of each of them that the merge has seen (see
	// csvMerge.mergeColumn). A column whose texts outgrow maxWorkerTexts
	// starts afresh at the next block, so that a column of ids does not
	// cost every worker a dictionary of all of them.
	text    [][]string
	dicts   []textDict
	remap   [][]int32
	hasText []bool // whether the block has a text cell in the column
	err     error
}

// maxWorkerTexts is how many texts of a column a worker keeps interned
// across blocks.
const maxWorkerTexts = 1 << 16

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
		res.dicts = make([]textDict, len(res.cols))
		res.remap = make([][]int32, len(res.cols))
		res.hasText = make([]bool, len(res.cols))
	}
	for i := range res.cols {
		res.cols[i] = res.cols[i][:0]
		res.dec[i] = res.dec[i][:0]
		res.scale[i], res.decMode[i], res.missing[i], res.hasText[i] = 0, true, 0, false
		if len(res.text[i]) > maxWorkerTexts || res.dicts[i].full() {
			res.text[i], res.remap[i] = res.text[i][:0], res.remap[i][:0]
			res.dicts[i].reset()
		}
	}
	// The hot path works on locals: the column slices' own headers change,
	// the slices of them do not.
	dicts, decs, scales, modes, hasText := res.dicts, res.dec, res.scale, res.decMode, res.hasText
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
				m, frac, neg, next, eor, kind := scanNumber(data, pos)
				if kind == plainNumber {
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
				// A number with more digits, or an exponent: converted
				// in the same pass, as floats, as Cell would make it.
				v, next, eor, ok := math.Float64frombits(m), next, eor, kind == floatNumber
				if !ok {
					v, next, eor, ok = floatField(data, pos)
				}
				if ok {
					ci := keep[field]
					if modes[ci] {
						res.toFloats(ci)
					}
					res.cols[ci] = append(res.cols[ci], v)
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
					hasText[ci] = true
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
					hasText[ci] = true
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
