package table

import (
	"bytes"
	"errors"
	"io"
)

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
