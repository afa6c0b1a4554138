package table

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkReadCSV times parsing a 100,000-row, 10-column CSV.
func BenchmarkReadCSV(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("a,b,c,d,e,f,g,h,i,j\n")
	r := rand.New(rand.NewPCG(3, 4))
	for range 100_000 {
		for j := range 9 {
			fmt.Fprintf(&buf, "%.6f,", r.NormFloat64()*100)
			_ = j
		}
		fmt.Fprintf(&buf, "cat%d\n", r.IntN(20))
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ReadCSV(bytes.NewReader(data), "bench.csv", ReadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
