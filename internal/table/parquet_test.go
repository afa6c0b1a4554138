package table

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/snappy"
	pqgo "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"github.com/pierrec/lz4/v4"

	"github.com/ctgit/ctgit/internal/golden"
)

// sampleParquet writes a small Parquet file with the column types ctgit
// reads: floats with NaN/Inf/null, integers, strings, booleans.
func sampleParquet(t testing.TB) []byte {
	t.Helper()
	return sampleParquetWith(t, nil)
}

// sampleParquetWith is sampleParquet written with props (nil: Arrow's
// defaults, uncompressed).
func sampleParquetWith(t testing.TB, props *parquet.WriterProperties) []byte {
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
	w, err := pqarrow.NewFileWriter(schema, &buf, props, pqarrow.DefaultWriterProps())
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

// sampleCells is what ReadParquet gives for sampleParquet's file.
var sampleCells = map[string][]string{
	"f": {"1.5", "·", "·", "4", "·"},
	"i": {"1", "2", "3", "4", "5"},
	"s": {"t:x", "·", "2.5", "t:y", "·"},
	"b": {"t:true", "t:false", "t:true", "t:true", "t:false"},
}

func TestReadParquet(t *testing.T) {
	data := sampleParquet(t)
	tab, err := ReadParquetFrom(bytes.NewReader(data), "in.parquet", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := sampleCells
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

// parquetCodecs are the compressions ctgit reads, as Arrow's writer names
// them.
var parquetCodecs = []compress.Compression{
	compress.Codecs.Uncompressed, compress.Codecs.Snappy, compress.Codecs.Gzip,
	compress.Codecs.Brotli, compress.Codecs.Zstd, compress.Codecs.Lz4Raw,
}

// TestReadParquetCodecs reads the sample written with every compression
// ctgit reads, in data pages of version 1 and 2, with and without
// dictionaries.
func TestReadParquetCodecs(t *testing.T) {
	for _, codec := range parquetCodecs {
		for _, v := range []parquet.DataPageVersion{parquet.DataPageV1, parquet.DataPageV2} {
			for _, dict := range []bool{true, false} {
				name := fmt.Sprintf("%s/v%d/dict=%t", codec, v+1, dict)
				t.Run(name, func(t *testing.T) {
					data := sampleParquetWith(t, parquet.NewWriterProperties(parquet.WithCompression(codec),
						parquet.WithDataPageVersion(v), parquet.WithDictionaryDefault(dict)))
					tab, err := ReadParquetFrom(bytes.NewReader(data), "in.parquet", ReadOptions{})
					if err != nil {
						t.Fatal(err)
					}
					if d := cmp.Diff(sampleCells, tableCells(tab)); d != "" {
						t.Errorf("(-want +got):\n%s", d)
					}
				})
			}
		}
	}
}

// firstPage finds the first page of column 0 in the Parquet file data:
// where its payload starts and how long it is.
func firstPage(t *testing.T, data []byte) (start, length int) {
	t.Helper()
	pf, err := pqgo.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	md := pf.Metadata().RowGroups[0].Columns[0].MetaData
	off := md.DataPageOffset
	if md.DictionaryPageOffset != 0 {
		off = md.DictionaryPageOffset
	}
	counted := &countingReader{r: bytes.NewReader(data[off:])}
	var h format.PageHeader
	if err := thrift.NewDecoder(new(thrift.CompactProtocol).NewReader(counted)).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return int(off + counted.n), int(h.CompressedPageSize)
}

// TestReadParquetCorruptPages reads files whose first page's payload is
// overwritten: each is an *InputError naming the column, and reading it
// allocates little. parquet-go's own LZ4_RAW codec would double its buffer
// without end on such a page.
func TestReadParquetCorruptPages(t *testing.T) {
	for _, codec := range parquetCodecs[1:] {
		t.Run(codec.String(), func(t *testing.T) {
			data := sampleParquetWith(t, parquet.NewWriterProperties(parquet.WithCompression(codec)))
			start, n := firstPage(t, data)
			for i := start; i < start+n; i++ {
				data[i] = 0xff
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := ReadParquetFrom(bytes.NewReader(data), "bad.parquet", ReadOptions{})
			runtime.ReadMemStats(&after)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Column != "f" {
				t.Fatalf("got %v, want an *InputError for column f", err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("reading a corrupt file of %d bytes allocated %d bytes", len(data), alloc)
			}
		})
	}
}

// TestCheckDecompressed refuses a page whose header states more bytes
// than its payload holds, before allocating that many.
func TestCheckDecompressed(t *testing.T) {
	plain := bytes.Repeat([]byte("ctgit "), 100)
	block := make([]byte, lz4.CompressBlockBound(len(plain)))
	n, err := lz4.CompressBlock(plain, block, nil)
	if err != nil || n == 0 {
		t.Fatalf("compressing: %d %v", n, err)
	}
	block = block[:n]
	if err := checkDecompressedErr(format.Lz4Raw, block, int64(len(plain))); err != nil {
		t.Errorf("valid block: %v", err)
	}
	for _, want := range []int64{int64(len(plain)) - 1, int64(len(plain)) + 1, 1 << 31} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := checkDecompressedErr(format.Lz4Raw, block, want)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%d bytes stated for a block of %d: no error", want, len(plain))
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
			t.Errorf("%d bytes stated: allocated %d bytes", want, alloc)
		}
	}
	if err := checkDecompressedErr(format.Snappy, snappy.Encode(nil, plain), int64(len(plain))+1); err == nil {
		t.Error("snappy block of the wrong length: no error")
	}
}

func checkDecompressedErr(codec format.CompressionCodec, src []byte, want int64) error {
	_, err := checkDecompressed(codec, src, want, nil)
	return err
}

// TestWriteParquetFuzzCorpus writes seeds for FuzzReadParquet with each
// compression, so that fuzzing starts inside every codec.
func TestWriteParquetFuzzCorpus(t *testing.T) {
	if !golden.Update() {
		t.Skip("set CTGIT_UPDATE_GOLDEN=1 to rewrite the seed corpus")
	}
	for _, codec := range parquetCodecs[1:] {
		for _, v := range []parquet.DataPageVersion{parquet.DataPageV1, parquet.DataPageV2} {
			data := sampleParquetWith(t, parquet.NewWriterProperties(parquet.WithCompression(codec), parquet.WithDataPageVersion(v)))
			name := filepath.Join("testdata", "fuzz", "FuzzReadParquet", fmt.Sprintf("seed-%s-v%d", strings.ToLower(codec.String()), v+1))
			if err := os.WriteFile(name, fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
