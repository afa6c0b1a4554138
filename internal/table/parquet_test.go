package table

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/google/go-cmp/cmp"
)

// sampleParquet writes a small Parquet file with the column types ctgit
// reads: floats with NaN/Inf/null, integers, strings, booleans.
func sampleParquet(t testing.TB) []byte {
	t.Helper()
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
	rb := array.NewRecordBuilder(mem, schema)
	defer rb.Release()
	rb.Field(0).(*array.Float64Builder).AppendValues([]float64{1.5, math.NaN(), math.Inf(1), 4, 0}, []bool{true, true, true, true, false})
	rb.Field(1).(*array.Int64Builder).AppendValues([]int64{1, 2, 3, 4, 5}, nil)
	rb.Field(2).(*array.StringBuilder).AppendValues([]string{"x", "NA", "2.5", "y", ""}, []bool{true, true, true, true, false})
	rb.Field(3).(*array.BooleanBuilder).AppendValues([]bool{true, false, true, true, false}, nil)
	rec := rb.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(schema, &buf, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadParquet(t *testing.T) {
	data := sampleParquet(t)
	tab, err := ReadParquetFrom(bytes.NewReader(data), "in.parquet", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"f": {"1.5", "·", "·", "4", "·"},
		"i": {"1", "2", "3", "4", "5"},
		"s": {"t:x", "·", "2.5", "t:y", "·"},
		"b": {"t:true", "t:false", "t:true", "t:true", "t:false"},
	}
	if tab.Rows != 5 {
		t.Errorf("rows = %d", tab.Rows)
	}
	if d := cmp.Diff(want, tableCells(tab)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// Plain numbers and texts are held in 4 bytes a cell, as from CSV.
	compact := map[string]bool{}
	for _, c := range tab.Columns {
		compact[c.Name] = c.dec != nil || c.codes != nil
	}
	if d := cmp.Diff(map[string]bool{"f": true, "i": true, "s": false, "b": true}, compact); d != "" {
		t.Errorf("compact columns (-want +got):\n%s", d)
	}
	sub, err := ReadParquetFrom(bytes.NewReader(data), "in.parquet", ReadOptions{Columns: []string{"i"}})
	if err != nil || len(sub.Columns) != 1 || sub.Columns[0].Name != "i" {
		t.Fatalf("subset: %v %v", sub, err)
	}
	if _, err := ReadParquetFrom(bytes.NewReader(data), "in.parquet", ReadOptions{Columns: []string{"zz"}}); err == nil {
		t.Error("want an error for an unknown column")
	}
	if _, err := ReadParquetFrom(bytes.NewReader([]byte("a,b\n1,2\n")), "bad.parquet", ReadOptions{}); err == nil {
		t.Error("want an error for a CSV file read as Parquet")
	}
}

// TestReadParquetTypes reads the other types Arrow's writer gives
// (decimals stored as int32, int64 and fixed-length bytes, narrow and
// unsigned integers, float32, dictionary-encoded strings) over several row
// groups, and refuses a timestamp column.
func TestReadParquetTypes(t *testing.T) {
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "d9", Type: &arrow.Decimal128Type{Precision: 9, Scale: 2}, Nullable: true},
		{Name: "d18", Type: &arrow.Decimal128Type{Precision: 18, Scale: 3}},
		{Name: "d30", Type: &arrow.Decimal128Type{Precision: 30, Scale: 4}},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8},
		{Name: "u32", Type: arrow.PrimitiveTypes.Uint32},
		{Name: "u64", Type: arrow.PrimitiveTypes.Uint64},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32},
		{Name: "cat", Type: arrow.BinaryTypes.String},
		{Name: "bin", Type: arrow.BinaryTypes.Binary},
	}, nil)
	var buf bytes.Buffer
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(2))
	w, err := pqarrow.NewFileWriter(schema, &buf, props, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	rb := array.NewRecordBuilder(mem, schema)
	defer rb.Release()
	dec := func(s string, scale int32) decimal128.Num {
		n, err := decimal128.FromString(s, 38, scale)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	rb.Field(0).(*array.Decimal128Builder).AppendValues([]decimal128.Num{dec("1.25", 2), dec("-3.50", 2), dec("0", 2)}, []bool{true, true, false})
	rb.Field(1).(*array.Decimal128Builder).AppendValues([]decimal128.Num{dec("123456.789", 3), dec("-0.001", 3), dec("7", 3)}, nil)
	rb.Field(2).(*array.Decimal128Builder).AppendValues([]decimal128.Num{dec("-12345678901234.5678", 4), dec("0.0001", 4), dec("2.5", 4)}, nil)
	rb.Field(3).(*array.Int8Builder).AppendValues([]int8{-128, 0, 127}, nil)
	rb.Field(4).(*array.Uint32Builder).AppendValues([]uint32{4294967295, 0, 7}, nil)
	rb.Field(5).(*array.Uint64Builder).AppendValues([]uint64{1 << 63, 1, 2}, nil)
	rb.Field(6).(*array.Float32Builder).AppendValues([]float32{0.5, -1.25, 3}, nil)
	rb.Field(7).(*array.StringBuilder).AppendValues([]string{"a", "b", "a"}, nil)
	rb.Field(8).(*array.BinaryBuilder).AppendValues([][]byte{[]byte("x"), []byte("3"), []byte("x")}, nil)
	rec := rb.NewRecordBatch()
	defer rec.Release()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	tab, err := ReadParquetFrom(bytes.NewReader(buf.Bytes()), "types.parquet", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"d9":  {"1.25", "-3.5", "·"},
		"d18": {"123456.789", "-0.001", "7"},
		"d30": {"-1.2345678901234568e+13", "0.0001", "2.5"},
		"i8":  {"-128", "0", "127"},
		"u32": {"4.294967295e+09", "0", "7"},
		"u64": {"9.223372036854776e+18", "1", "2"},
		"f32": {"0.5", "-1.25", "3"},
		"cat": {"t:a", "t:b", "t:a"},
		"bin": {"t:x", "3", "t:x"},
	}
	if tab.Rows != 3 {
		t.Errorf("rows = %d", tab.Rows)
	}
	if d := cmp.Diff(want, tableCells(tab)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}

	ts := arrow.NewSchema([]arrow.Field{{Name: "at", Type: arrow.FixedWidthTypes.Timestamp_us}}, nil)
	buf.Reset()
	w, err = pqarrow.NewFileWriter(ts, &buf, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	tb := array.NewRecordBuilder(mem, ts)
	defer tb.Release()
	tb.Field(0).(*array.TimestampBuilder).Append(1)
	trec := tb.NewRecordBatch()
	defer trec.Release()
	if err := w.Write(trec); err != nil {
		t.Fatal(err)
	}
	w.Close()
	_, err = ReadParquetFrom(bytes.NewReader(buf.Bytes()), "ts.parquet", ReadOptions{})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Column != "at" {
		t.Errorf("timestamp column: %v, want an *InputError naming the column", err)
	}
}
