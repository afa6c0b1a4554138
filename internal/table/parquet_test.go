package table

import (
	"bytes"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
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
