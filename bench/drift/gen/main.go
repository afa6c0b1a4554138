// Command gen writes the seeded reference and current CSV files that
// bench/drift/run.sh compares: ROWS rows of 20 numerical and 5 categorical
// columns, some drifted, a few with missing cells. With -parquet it also
// writes the same data as reference.parquet and current.parquet (float64
// and string columns, missing cells as nulls), for timing ctgit on Parquet.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/ctgit/ctgit/internal/table"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "rows per file")
	seed := flag.Uint64("seed", 42, "random seed")
	dir := flag.String("dir", ".", "output directory")
	parquet := flag.Bool("parquet", false, "also write the data as Parquet")
	flag.Parse()
	for i, name := range []string{"reference", "current"} {
		csvPath := fmt.Sprintf("%s/%s.csv", *dir, name)
		if err := write(csvPath, *rows, *seed+uint64(i), i == 1); err != nil {
			log.Fatal(err)
		}
		if *parquet {
			if err := toParquet(csvPath, fmt.Sprintf("%s/%s.parquet", *dir, name)); err != nil {
				log.Fatal(err)
			}
		}
	}
}

// toParquet writes the table ctgit reads from csvPath as Parquet.
func toParquet(csvPath, path string) error {
	tab, err := table.ReadFile(csvPath, table.ReadOptions{})
	if err != nil {
		return err
	}
	var fields []arrow.Field
	for _, c := range tab.Columns {
		typ := arrow.DataType(arrow.PrimitiveTypes.Float64)
		if !c.Numerical() {
			typ = arrow.BinaryTypes.String
		}
		fields = append(fields, arrow.Field{Name: c.Name, Type: typ, Nullable: true})
	}
	schema := arrow.NewSchema(fields, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	for i, c := range tab.Columns {
		for row := range tab.Rows {
			v, kind, text := c.At(row)
			switch b := rb.Field(i).(type) {
			case *array.Float64Builder:
				if kind == table.CellMissing {
					b.AppendNull()
				} else {
					b.Append(v)
				}
			case *array.StringBuilder:
				if kind == table.CellMissing {
					b.AppendNull()
				} else {
					b.Append(text)
				}
			}
		}
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w, err := pqarrow.NewFileWriter(schema, f, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return err
	}
	if err := w.Write(rec); err != nil {
		f.Close()
		return err
	}
	return w.Close() // closes f too
}

func write(path string, rows int, seed uint64, current bool) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(seed, 7))
	for j := range 20 {
		fmt.Fprintf(w, "num%02d,", j)
	}
	fmt.Fprintln(w, "cat0,cat1,cat2,cat3,cat4")
	buf := make([]byte, 0, 512)
	for range rows {
		buf = buf[:0]
		for j := range 20 {
			mean, sd := float64(j), 1+float64(j%4)
			if current && j%3 == 0 {
				mean += 0.05 * sd // every third column drifts a little
			}
			if j%5 == 4 && r.IntN(100) == 0 {
				buf = append(buf, ',') // 1% missing in a few columns
				continue
			}
			v := mean + sd*r.NormFloat64()
			if j%10 == 9 {
				v = float64(r.IntN(12 + j)) // integer-valued columns with ties
			}
			buf = strconv.AppendFloat(buf, v, 'f', 4, 64)
			buf = append(buf, ',')
		}
		for k := range 5 {
			n := 3 + 10*k
			c := r.IntN(n)
			if current && k == 2 && r.IntN(10) == 0 {
				c = n // a category that only appears in the current data
			}
			buf = append(buf, "cat_"...)
			buf = strconv.AppendInt(buf, int64(c), 10)
			if k < 4 {
				buf = append(buf, ',')
			}
		}
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
