package table

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
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
	pr, err := file.NewParquetReader(r)
	if err != nil {
		return nil, &InputError{File: name, Err: fmt.Errorf("not a readable Parquet file: %w", err)}
	}
	defer pr.Close()
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{Parallel: true, BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		return nil, &InputError{File: name, Err: fmt.Errorf("reading Parquet schema: %w", err)}
	}
	schema, err := fr.Schema()
	if err != nil {
		return nil, &InputError{File: name, Err: fmt.Errorf("reading Parquet schema: %w", err)}
	}
	for _, c := range opt.Columns {
		if len(schema.FieldIndices(c)) == 0 {
			return nil, &InputError{File: name, Column: c, Err: errors.New("no such column in the file")}
		}
	}
	t = &Table{Path: name, Rows: int(pr.NumRows())}
	ctx := context.Background()
	for i, field := range schema.Fields() {
		if len(opt.Columns) > 0 && !slices.Contains(opt.Columns, field.Name) {
			continue
		}
		cr, err := fr.GetColumn(ctx, i)
		if err != nil {
			return nil, &InputError{File: name, Column: field.Name, Err: err}
		}
		chunked, err := cr.NextBatch(pr.NumRows())
		if err != nil {
			return nil, &InputError{File: name, Column: field.Name, Err: err}
		}
		col := &Column{Name: field.Name, values: make([]float64, 0, t.Rows)}
		dict := map[string]int{}
		for _, arr := range chunked.Chunks() {
			if err := appendArrow(col, dict, arr); err != nil {
				chunked.Release()
				return nil, &InputError{File: name, Column: field.Name, Err: err}
			}
		}
		chunked.Release()
		if col.Len() != t.Rows {
			return nil, &InputError{File: name, Column: field.Name, Err: fmt.Errorf("has %d values for %d rows", col.Len(), t.Rows)}
		}
		// Held as CSV columns are, in 4 bytes a cell where exact, for
		// half the memory and the kernels that work on integers.
		col, _ = col.Compact()
		t.Columns = append(t.Columns, col)
	}
	return t, nil
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
	pr, err := file.NewParquetReader(f)
	if err != nil {
		return nil, &InputError{File: path, Err: fmt.Errorf("not a readable Parquet file: %w", err)}
	}
	defer pr.Close()
	schema, err := pqarrow.FromParquet(pr.MetaData().Schema, nil, pr.MetaData().KeyValueMetadata())
	if err != nil {
		return nil, &InputError{File: path, Err: fmt.Errorf("reading Parquet schema: %w", err)}
	}
	for _, f := range schema.Fields() {
		names = append(names, f.Name)
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

func appendArrow(col *Column, dict map[string]int, arr arrow.Array) error {
	n := arr.Len()
	num := func(f func(i int) float64) {
		for i := 0; i < n; i++ {
			if arr.IsNull(i) {
				col.values = append(col.values, missingValue)
			} else {
				col.values = append(col.values, normalise(f(i)))
			}
		}
	}
	text := func(f func(i int) string) {
		for i := 0; i < n; i++ {
			if arr.IsNull(i) {
				col.values = append(col.values, missingValue)
			} else {
				appendText(col, dict, f(i))
			}
		}
	}
	switch a := arr.(type) {
	case *array.Float64:
		num(func(i int) float64 { return a.Value(i) })
	case *array.Float32:
		num(func(i int) float64 { return float64(a.Value(i)) })
	case *array.Int64:
		num(func(i int) float64 { return float64(a.Value(i)) })
	case *array.Int32:
		num(func(i int) float64 { return float64(a.Value(i)) })
	case *array.Int16:
		num(func(i int) float64 { return float64(a.Value(i)) })
	case *array.Int8:
		num(func(i int) float64 { return float64(a.Value(i)) })
	case *array.Uint64:
		num(func(i int) float64 { return float64(a.Value(i)) })
	case *array.Uint32:
		num(func(i int) float64 { return float64(a.Value(i)) })
	case *array.Uint16:
		num(func(i int) float64 { return float64(a.Value(i)) })
	case *array.Uint8:
		num(func(i int) float64 { return float64(a.Value(i)) })
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		num(func(i int) float64 { return a.Value(i).ToFloat64(scale) })
	case *array.String:
		text(a.Value)
	case *array.LargeString:
		text(a.Value)
	case *array.Binary:
		text(func(i int) string { return string(a.Value(i)) })
	case *array.Boolean:
		text(func(i int) string { return strconv.FormatBool(a.Value(i)) })
	case *array.Dictionary:
		values := a.Dictionary()
		// Expand the dictionary once, then index it.
		tmp := &Column{}
		if err := appendArrow(tmp, map[string]int{}, values); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if a.IsNull(i) {
				col.values = append(col.values, missingValue)
				continue
			}
			v := tmp.values[a.GetValueIndex(i)]
			if isText(v) {
				appendText(col, dict, tmp.text[math.Float64bits(v)&payloadMask])
			} else {
				col.values = append(col.values, v)
			}
		}
	default:
		return fmt.Errorf("unsupported Parquet/Arrow type %s", arr.DataType())
	}
	return nil
}
