package table

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// ReadParquet reads the top-level columns of a Parquet file into a Table.
// Integer, floating-point and decimal columns are numbers (NaN and ±Inf
// missing); strings are classified cell by cell as in CSV; booleans are the
// categories "true" and "false"; nulls are missing.
//
// path must be a regular file: anything else is an *InputError.
func ReadParquet(path string, opt ReadOptions) (*Table, error) {
	f, err := File(path).open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadParquetFrom(f, path, opt)
}

// ReadParquetFrom is ReadParquet over any seekable reader; name is used in
// errors.
//
// The file is decoded by parquet-go, page by page, rather than by Arrow's
// reader: Arrow's Parquet packages link and initialise Arrow's compute
// kernels (a quarter of ctgit's binary), which every command paid for at
// start-up.
func ReadParquetFrom(r interface {
	io.ReaderAt
	io.Seeker
	io.Reader
}, name string, opt ReadOptions) (t *Table, err error) {
	defer func() {
		// The Parquet decoder panics on some corrupt inputs; a bad file is
		// bad input, not a crash.
		if p := recover(); p != nil {
			t, err = nil, &InputError{File: name, Err: fmt.Errorf("corrupt Parquet file: %v", p)}
		}
	}()
	pf, err := openParquet(r, name)
	if err != nil {
		return nil, err
	}
	cols := pf.Root().Columns()
	for _, c := range opt.Columns {
		if !slices.ContainsFunc(cols, func(pc *parquet.Column) bool { return pc.Name() == c }) {
			return nil, &InputError{File: name, Column: c, Err: errors.New("no such column in the file")}
		}
	}
	if pf.NumRows() < 0 {
		return nil, &InputError{File: name, Err: fmt.Errorf("corrupt Parquet file: it states %d rows", pf.NumRows())}
	}
	t = &Table{Path: name, Rows: int(pf.NumRows())}
	// The row count is the file's word: room for more values than the
	// file has bytes is taken only as they come.
	room := int(min(pf.NumRows(), pf.Size()))
	for _, pc := range cols {
		if len(opt.Columns) > 0 && !slices.Contains(opt.Columns, pc.Name()) {
			continue
		}
		col := &Column{Name: pc.Name(), values: make([]float64, 0, room)}
		if err := readParquetColumn(r, pf, col, pc); err != nil {
			return nil, &InputError{File: name, Column: pc.Name(), Err: err}
		}
		if col.Len() != t.Rows {
			return nil, &InputError{File: name, Column: pc.Name(), Err: fmt.Errorf("has %d values for %d rows", col.Len(), t.Rows)}
		}
		// Held as CSV columns are, in 4 bytes a cell where exact, for
		// half the memory and the kernels that work on integers.
		col, _ = col.Compact()
		t.Columns = append(t.Columns, col)
	}
	return t, nil
}

// openParquet reads the footer of the Parquet file r.
func openParquet(r interface {
	io.ReaderAt
	io.Seeker
}, name string) (*parquet.File, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, &InputError{File: name, Err: err}
	}
	// parquet-go allocates the footer's length as the file states it, up
	// to 4 GiB: a length the file cannot hold is refused first.
	var tail [8]byte
	if size < 12 {
		return nil, &InputError{File: name, Err: errors.New("not a readable Parquet file: too short")}
	}
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return nil, &InputError{File: name, Err: fmt.Errorf("not a readable Parquet file: %w", err)}
	}
	if footer := int64(binary.LittleEndian.Uint32(tail[:4])); footer > size-12 {
		return nil, &InputError{File: name, Err: fmt.Errorf("not a readable Parquet file: its footer of %d bytes is longer than the file", footer)}
	}
	pf, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, &InputError{File: name, Err: fmt.Errorf("not a readable Parquet file: %w", err)}
	}
	return pf, nil
}

// readParquetColumn appends the values of the top-level column pc of pf,
// read from r, in all row groups, to col.
func readParquetColumn(r io.ReaderAt, pf *parquet.File, col *Column, pc *parquet.Column) error {
	conv, err := parquetConverter(col, pc)
	if err != nil {
		return err
	}
	if err := checkPages(r, pf, pc.Index()); err != nil {
		return fmt.Errorf("corrupt Parquet file: %w", err)
	}
	pages := pc.Pages()
	defer pages.Close()
	buf := make([]parquet.Value, 1024)
	for {
		page, err := pages.ReadPage()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		values := page.Values()
		for {
			n, err := values.ReadValues(buf)
			for _, v := range buf[:n] {
				if v.IsNull() {
					col.values = append(col.values, missingValue)
				} else {
					conv(v)
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				parquet.Release(page)
				return err
			}
		}
		parquet.Release(page)
	}
}

// parquetConverter returns what appends a non-null value of pc to col,
// for the types Arrow's reader maps to numbers, strings, binaries and
// booleans; other types (dates, times, timestamps, nested columns, fixed
// binaries) are refused, as they were when Arrow read them.
func parquetConverter(col *Column, pc *parquet.Column) (func(parquet.Value), error) {
	typ := pc.Type()
	if !pc.Leaf() || pc.Repeated() {
		return nil, fmt.Errorf("unsupported Parquet type %s: only flat columns are read", typ)
	}
	num := func(f func(parquet.Value) float64) func(parquet.Value) {
		return func(v parquet.Value) { col.values = append(col.values, normalise(f(v))) }
	}
	var logical format.LogicalTypeValue
	if lt := typ.LogicalType(); lt != nil {
		logical = lt.Value
	}
	kind := typ.Kind()
	switch lt := logical.(type) {
	case *format.DecimalType:
		scale := lt.Scale
		switch kind {
		case parquet.Int32:
			return num(func(v parquet.Value) float64 { return decimal128.FromI64(int64(v.Int32())).ToFloat64(scale) }), nil
		case parquet.Int64:
			return num(func(v parquet.Value) float64 { return decimal128.FromI64(v.Int64()).ToFloat64(scale) }), nil
		case parquet.ByteArray, parquet.FixedLenByteArray:
			return num(func(v parquet.Value) float64 { return bigEndianDecimal(v.ByteArray()).ToFloat64(scale) }), nil
		}
	case *format.IntType:
		switch {
		case kind == parquet.Int32 && lt.IsSigned:
			return num(func(v parquet.Value) float64 { return float64(v.Int32()) }), nil
		case kind == parquet.Int32:
			return num(func(v parquet.Value) float64 { return float64(v.Uint32()) }), nil
		case kind == parquet.Int64 && lt.IsSigned:
			return num(func(v parquet.Value) float64 { return float64(v.Int64()) }), nil
		case kind == parquet.Int64:
			return num(func(v parquet.Value) float64 { return float64(v.Uint64()) }), nil
		}
	case nil:
		switch kind {
		case parquet.Boolean:
			dict := map[string]int{}
			return func(v parquet.Value) { appendText(col, dict, strconv.FormatBool(v.Boolean())) }, nil
		case parquet.Int32:
			return num(func(v parquet.Value) float64 { return float64(v.Int32()) }), nil
		case parquet.Int64:
			return num(func(v parquet.Value) float64 { return float64(v.Int64()) }), nil
		case parquet.Float:
			return num(func(v parquet.Value) float64 { return float64(v.Float()) }), nil
		case parquet.Double:
			return num(func(v parquet.Value) float64 { return v.Double() }), nil
		case parquet.ByteArray:
			return textConverter(col), nil
		}
	case *format.StringType, *format.EnumType, *format.JsonType, *format.BsonType:
		if kind == parquet.ByteArray {
			return textConverter(col), nil
		}
	}
	return nil, fmt.Errorf("unsupported Parquet type %s: ctgit reads integers, floats, decimals, strings, binaries and booleans; convert the column or leave it out", typ)
}

// textConverter appends texts, classifying each distinct cell once: a
// column of categories repeats few values many times.
func textConverter(col *Column) func(parquet.Value) {
	dict := map[string]int{}
	type cell struct {
		v    float64
		text bool
	}
	seen := map[string]cell{}
	return func(pv parquet.Value) {
		b := pv.ByteArray()
		c, ok := seen[string(b)]
		if !ok {
			c.v, c.text = col.cellValue(dict, string(b))
			if len(seen) < 1<<16 {
				seen[string(b)] = c
			}
		}
		if c.text {
			col.texts++
		}
		col.values = append(col.values, c.v)
	}
}

// bigEndianDecimal is the unscaled value of a decimal stored as a
// big-endian two's complement integer of up to 16 bytes.
func bigEndianDecimal(b []byte) decimal128.Num {
	if len(b) > 16 {
		panic(fmt.Sprintf("decimal of %d bytes is wider than 128 bits", len(b)))
	}
	var full [16]byte
	if len(b) > 0 && b[0]&0x80 != 0 {
		for i := range full {
			full[i] = 0xff
		}
	}
	copy(full[16-len(b):], b)
	return decimal128.New(int64(binary.BigEndian.Uint64(full[:8])), binary.BigEndian.Uint64(full[8:]))
}

// parquetHeader reads the names of a Parquet file's top-level columns from
// its schema, without reading their values.
func parquetHeader(in Input) (names []string, err error) {
	f, err := in.open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	path := in.Name
	defer func() {
		if p := recover(); p != nil {
			names, err = nil, &InputError{File: path, Err: fmt.Errorf("corrupt Parquet file: %v", p)}
		}
	}()
	pf, err := openParquet(f, path)
	if err != nil {
		return nil, err
	}
	for _, c := range pf.Root().Columns() {
		names = append(names, c.Name())
	}
	return names, nil
}

func appendText(col *Column, dict map[string]int, s string) {
	v, text := col.cellValue(dict, s)
	if text {
		col.texts++
	}
	col.values = append(col.values, v)
}

// cellValue classifies the raw cell s as Cell does and returns the value
// col holds for it, a text interned in col.text through dict; text says
// whether it is a text cell.
func (col *Column) cellValue(dict map[string]int, s string) (v float64, text bool) {
	v, kind := Cell([]byte(s))
	switch kind {
	case CellMissing:
		return missingValue, false
	case CellText:
		return textValue(col.intern(dict, string(trimSpace([]byte(s))))), true
	}
	return v, false
}

// intern returns the code of text t in col.text, adding it when new.
func (col *Column) intern(dict map[string]int, t string) int {
	code, ok := dict[t]
	if !ok {
		code = len(col.text)
		dict[t] = code
		col.text = append(col.text, t)
	}
	return code
}
