// Command gen writes the seeded, hive-partitioned Parquet dataset that
// bench/data/run.sh reads from disk and from S3: DAYS daily partitions
// dt=2026-11-01/, dt=2026-11-02/, … each of PARTS parts part-N.parquet,
// with ROWS rows per part in ten columns of the shapes production event
// tables have: full-precision floats (one heavy-tailed, one with 1%
// nulls), integers with a wide span (ids, cents, epoch milliseconds) and
// categories of 4 to 200 values. The last 7 days drift a little, so that
// comparing the last week with the week before has something to find.
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

var schema = arrow.NewSchema([]arrow.Field{
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64},
	{Name: "latency_s", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "ratio", Type: arrow.PrimitiveTypes.Float64},
	{Name: "user_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "amount_cents", Type: arrow.PrimitiveTypes.Int64},
	{Name: "event_ms", Type: arrow.PrimitiveTypes.Int64},
	{Name: "country", Type: arrow.BinaryTypes.String},
	{Name: "channel", Type: arrow.BinaryTypes.String},
	{Name: "merchant", Type: arrow.BinaryTypes.String},
}, nil)

func main() {
	dir := flag.String("dir", "events", "output directory (the dataset's root)")
	days := flag.Int("days", 30, "daily partitions, from 2026-11-01")
	parts := flag.Int("parts", 4, "parts per partition")
	rows := flag.Int("rows", 150_000, "rows per part")
	seed := flag.Uint64("seed", 42, "random seed")
	flag.Parse()
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for d := range *days {
		day := start.AddDate(0, 0, d)
		pdir := filepath.Join(*dir, "dt="+day.Format(time.DateOnly))
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			log.Fatal(err)
		}
		for p := range *parts {
			r := rand.New(rand.NewPCG(*seed, uint64(d*1000+p)))
			path := filepath.Join(pdir, fmt.Sprintf("part-%d.parquet", p))
			if err := writePart(path, r, *rows, day, d >= *days-7); err != nil {
				log.Fatalf("%s: %v", path, err)
			}
		}
	}
}

// writePart writes one part of rows rows for day; drifted shifts a few
// columns' distributions.
func writePart(path string, r *rand.Rand, rows int, day time.Time, drifted bool) error {
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	amount := rb.Field(0).(*array.Float64Builder)
	score := rb.Field(1).(*array.Float64Builder)
	latency := rb.Field(2).(*array.Float64Builder)
	ratio := rb.Field(3).(*array.Float64Builder)
	user := rb.Field(4).(*array.Int64Builder)
	cents := rb.Field(5).(*array.Int64Builder)
	event := rb.Field(6).(*array.Int64Builder)
	country := rb.Field(7).(*array.StringBuilder)
	channel := rb.Field(8).(*array.StringBuilder)
	merchant := rb.Field(9).(*array.StringBuilder)
	countries := []string{"US", "DE", "FR", "GB", "BR", "IN", "JP", "NG", "MX", "ES", "IT", "CA"}
	channels := []string{"web", "ios", "android", "pos"}
	merchants := make([]string, 200)
	for i := range merchants {
		merchants[i] = "m" + strconv.Itoa(i)
	}
	shift := 0.0
	if drifted {
		shift = 0.05
	}
	dayMs := day.UnixMilli()
	for range rows {
		a := math.Exp(3 + 1.2*r.NormFloat64() + shift) // heavy-tailed, like prices
		amount.Append(a)
		score.Append(r.Float64())
		if r.IntN(100) == 0 {
			latency.AppendNull()
		} else {
			latency.Append(r.ExpFloat64() * 0.120)
		}
		ratio.Append(r.NormFloat64()*0.3 + 1 + shift)
		user.Append(1_000_000_000 + r.Int64N(4_000_000_000))
		cents.Append(int64(math.Round(a * 100)))
		event.Append(dayMs + r.Int64N(86_400_000))
		c := int(math.Abs(r.NormFloat64()) * 3)
		country.Append(countries[min(c, len(countries)-1)])
		ch := r.IntN(len(channels))
		if drifted && r.IntN(20) == 0 {
			ch = 0
		}
		channel.Append(channels[ch])
		merchant.Append(merchants[min(int(r.ExpFloat64()*40), len(merchants)-1)])
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(64*1024))
	w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return err
	}
	if err := w.Write(rec); err != nil {
		w.Close()
		return err
	}
	return w.Close() // closes f too
}
