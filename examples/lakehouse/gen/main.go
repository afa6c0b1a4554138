// Command gen writes the lakehouse example's card transactions as a
// partitioned Parquet dataset, one hive partition a day:
//
//	OUT/dt=2026-11-01/part-0.parquet
//	OUT/dt=2026-11-02/part-0.parquet
//	...
//
// as a lake's daily export job would. Each day's rows are seeded by its
// date alone, so a day written today or again next week is the same bytes
// (same ETag once uploaded): regenerating the data never looks like new
// data to ctgit's data-arrival trigger. Fraud slowly moves from the web
// channel to the app over the days, so the model has something to learn.
//
//	go run ./examples/lakehouse/gen -out /tmp/lake -from 2026-11-01 -days 14
//	go run ./examples/lakehouse/gen -out /tmp/lake -from 2026-11-15 -days 1
package main

import (
	"flag"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// day is the layout of a partition's date, as hive partitions write it.
const day = "2006-01-02"

var countries = []string{"US", "DE", "FR", "GB", "BR"}

// schema is one transaction. The partition column dt is not in the file:
// it is the directory, as in every hive-partitioned lake.
var schema = arrow.NewSchema([]arrow.Field{
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "account_age_days", Type: arrow.PrimitiveTypes.Int64},
	{Name: "hour", Type: arrow.PrimitiveTypes.Int64},
	{Name: "country", Type: arrow.BinaryTypes.String},
	{Name: "channel", Type: arrow.BinaryTypes.String},
	{Name: "is_fraud", Type: arrow.PrimitiveTypes.Int64},
}, nil)

func main() {
	out := flag.String("out", "lake", "directory to write the dt=YYYY-MM-DD/ partitions under")
	from := flag.String("from", "2026-11-01", "first day to write (YYYY-MM-DD)")
	days := flag.Int("days", 14, "number of days to write")
	rows := flag.Int("rows", 400, "transactions per day")
	flag.Parse()
	if err := run(*out, *from, *days, *rows); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out, from string, days, rows int) error {
	start, err := time.Parse(day, from)
	if err != nil {
		return fmt.Errorf("-from %q: want YYYY-MM-DD", from)
	}
	if days < 1 || rows < 1 {
		return fmt.Errorf("-days and -rows must be at least 1")
	}
	for i := range days {
		dt := start.AddDate(0, 0, i)
		path := filepath.Join(out, "dt="+dt.Format(day), "part-0.parquet")
		if err := writeDay(path, dt, rows); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		fmt.Println(path)
	}
	return nil
}

// writeDay writes one day's transactions to path.
func writeDay(path string, dt time.Time, rows int) error {
	h := fnv.New64a()
	h.Write([]byte(dt.Format(day)))
	r := rand.New(rand.NewPCG(h.Sum64(), 2026))
	// How far the fraud pattern has moved from web to app, 0 → 1 over
	// the two months after 2026-11-01.
	shift := math.Min(math.Max(dt.Sub(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)).Hours()/24/60, 0), 1)

	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	amount := b.Field(0).(*array.Float64Builder)
	age := b.Field(1).(*array.Int64Builder)
	hour := b.Field(2).(*array.Int64Builder)
	country := b.Field(3).(*array.StringBuilder)
	channel := b.Field(4).(*array.StringBuilder)
	fraud := b.Field(5).(*array.Int64Builder)
	for range rows {
		a := math.Exp(3.5 + 1.1*r.NormFloat64())
		ageDays := int64(r.IntN(3650))
		hr := int64(r.IntN(24))
		ch := []string{"web", "app", "pos"}[r.IntN(3)]
		// Fraud is likelier for large amounts, new accounts, night hours
		// and the channel fraudsters currently favour.
		z := -3.2 + 0.55*(math.Log(a)-3.5) - 0.0006*float64(ageDays)
		if hr < 6 {
			z += 1.2
		}
		switch ch {
		case "web":
			z += 1.4 * (1 - shift)
		case "app":
			z += 1.4 * shift
		}
		isFraud := int64(0)
		if r.Float64() < 1/(1+math.Exp(-z)) {
			isFraud = 1
		}
		if r.IntN(100) == 0 {
			amount.AppendNull() // the export loses an amount now and then
		} else {
			amount.Append(math.Round(a*100) / 100)
		}
		age.Append(ageDays)
		hour.Append(hr)
		country.Append(countries[r.IntN(len(countries))])
		channel.Append(ch)
		fraud.Append(isFraud)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()

	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithCreatedBy("ctgit examples/lakehouse/gen"))
	w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return err
	}
	if err := w.Write(rec); err != nil {
		w.Close()
		return err
	}
	return w.Close() // closes f
}
