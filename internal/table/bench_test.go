package table

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// ReportCPU, deferred at the start of a benchmark's loop, reports the CPU
// time the process spent per op (all goroutines, the collector included)
// as cpu-ns/op: on a shared machine it varies less than wall time, and
// cpu-ns/op over ns/op is how many cores the op kept busy.
func ReportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

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

// Shape is one kind of column data users bring, for the benchmarks of
// this package and of drift: its name and how it writes a cell.
type Shape struct {
	Name string
	Cell func(r *rand.Rand, buf []byte) []byte
}

// Shapes are the kinds of column the benchmarks read: the 4-decimal data
// of ctgit's own generator, and what other tools write.
var Shapes = []Shape{
	{"dec4", func(r *rand.Rand, b []byte) []byte { return strconv.AppendFloat(b, r.NormFloat64()*100, 'f', 4, 64) }},
	{"dec6", func(r *rand.Rand, b []byte) []byte { return strconv.AppendFloat(b, r.NormFloat64()*100, 'f', 6, 64) }},
	{"dec8neg", func(r *rand.Rand, b []byte) []byte {
		return strconv.AppendFloat(b, -math.Abs(r.NormFloat64()), 'f', 8, 64)
	}},
	// As pandas.to_csv writes float64: the shortest repr, up to 17 digits.
	{"fullprec", func(r *rand.Rand, b []byte) []byte { return strconv.AppendFloat(b, r.Float64(), 'g', -1, 64) }},
	{"scientific", func(r *rand.Rand, b []byte) []byte {
		return strconv.AppendFloat(b, r.NormFloat64()*math.Pow(10, float64(r.IntN(20)-10)), 'e', -1, 64)
	}},
	{"wideint", func(r *rand.Rand, b []byte) []byte { return strconv.AppendInt(b, r.Int64N(2e12)-1e12, 10) }},
	{"longcat", func(r *rand.Rand, b []byte) []byte { return fmt.Appendf(b, "customer_segment_%03d", r.IntN(40)) }},
	{"cat10k", func(r *rand.Rand, b []byte) []byte { return fmt.Appendf(b, "c%d", r.IntN(10000)) }},
}

// ShapeCSV writes a CSV of rows rows and cols columns of one shape.
func ShapeCSV(s Shape, rows, cols int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	buf := make([]byte, 0, rows*cols*12)
	for c := range cols {
		if c > 0 {
			buf = append(buf, ',')
		}
		buf = fmt.Appendf(buf, "%s%d", s.Name, c)
	}
	buf = append(buf, '\n')
	for range rows {
		for c := range cols {
			if c > 0 {
				buf = append(buf, ',')
			}
			buf = s.Cell(r, buf)
		}
		buf = append(buf, '\n')
	}
	return buf
}

// BenchmarkReadShapes times reading 400,000 rows of 5 columns of each
// shape; compare GOMAXPROCS=1 and 2 (-cpu 1,2) for the speed-up of the
// parallel parse.
func BenchmarkReadShapes(b *testing.B) {
	for _, s := range Shapes {
		var data []byte
		b.Run(s.Name, func(b *testing.B) {
			if data == nil {
				data = ShapeCSV(s, 400_000, 5, 1)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			defer ReportCPU(b)()
			for b.Loop() {
				if _, err := ReadCSV(bytes.NewReader(data), "bench.csv", ReadOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
