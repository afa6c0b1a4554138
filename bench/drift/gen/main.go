// Command gen writes the seeded reference and current CSV files that
// bench/drift/run.sh compares: ROWS rows of 20 numerical and 5 categorical
// columns, some drifted, a few with missing cells.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"strconv"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "rows per file")
	seed := flag.Uint64("seed", 42, "random seed")
	dir := flag.String("dir", ".", "output directory")
	flag.Parse()
	for i, name := range []string{"reference.csv", "current.csv"} {
		if err := write(fmt.Sprintf("%s/%s", *dir, name), *rows, *seed+uint64(i), i == 1); err != nil {
			log.Fatal(err)
		}
	}
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
