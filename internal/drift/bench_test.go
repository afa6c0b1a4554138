package drift

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/table"
)

func benchSample(n int, shift float64, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64() + shift
	}
	return x
}

// BenchmarkKernels times each per-column kernel on a million values per
// side, the size the bench/drift script compares.
func BenchmarkKernels(b *testing.B) {
	const n = 1_000_000
	a, c := benchSample(n, 0, 1), benchSample(n, 0.01, 2)
	sa, sc := slices.Clone(a), slices.Clone(c)
	slices.Sort(sa)
	slices.Sort(sc)
	b.Run("sort/radix", func(b *testing.B) {
		x := make([]float64, n)
		var scratch []float64
		b.SetBytes(8 * n)
		for b.Loop() {
			copy(x, a)
			scratch = sortFloats(x, scratch)
		}
	})
	b.Run("sort/pdqsort", func(b *testing.B) {
		x := make([]float64, n)
		b.SetBytes(8 * n)
		for b.Loop() {
			copy(x, a)
			slices.Sort(x)
		}
	})
	b.Run("ks/sorted", func(b *testing.B) {
		for b.Loop() {
			KolmogorovSmirnov(sa, sc)
		}
	})
	b.Run("ks/exact-10000", func(b *testing.B) {
		x, y := sa[:10000:10000], slices.Clone(sc[:9000])
		slices.Sort(x)
		slices.Sort(y)
		for b.Loop() {
			KolmogorovSmirnov(x, y)
		}
	})
	b.Run("wasserstein/sorted", func(b *testing.B) {
		for b.Loop() {
			Wasserstein(sa, sc)
		}
	})
	ref, cur := table.NewNumericColumn("x", a), table.NewNumericColumn("x", c)
	for _, m := range []Method{MethodKS, MethodWasserstein, MethodPSI, MethodJensenShannon} {
		b.Run("column/"+string(m), func(b *testing.B) {
			var w worker
			p := Policy{Method: MethodList{m}}
			for b.Loop() {
				w.compare(ref, cur, n, n, p)
			}
		})
	}
	// The same samples as a CSV reader holds them, four decimals as
	// integers at one scale: counted per integer rather than sorted.
	toDecimals := func(x []float64) *table.Column {
		d := make([]float64, len(x))
		for i, v := range x {
			d[i] = float64(int32(math.Round(v*1e4))) / 1e4
		}
		c, ok := table.NewNumericColumn("x", d).Compact()
		if d, scale := c.Decimals(); !ok || d == nil || scale != 4 {
			b.Fatalf("not held as decimals at scale 4")
		}
		return c
	}
	dref, dcur := toDecimals(a), toDecimals(c)
	for _, m := range []Method{MethodKS, MethodWasserstein, MethodPSI} {
		b.Run("compact/"+string(m), func(b *testing.B) {
			var w worker
			p := Policy{Method: MethodList{m}}
			for b.Loop() {
				w.compare(dref, dcur, n, n, p)
			}
		})
	}
	cats := make([]string, n)
	for i := range cats {
		cats[i] = fmt.Sprintf("c%d", i%50)
	}
	cref, ccur := table.NewColumn("c", cats), table.NewColumn("c", cats[:n/2])
	for _, m := range []Method{MethodChiSquare, MethodPSI} {
		b.Run("categorical/"+string(m), func(b *testing.B) {
			var w worker
			p := Policy{Method: MethodList{m}}
			for b.Loop() {
				w.compare(cref, ccur, n, n/2, p)
			}
		})
	}
}

// shapeColumn makes a column of n cells of one shape, held as ReadCSV
// holds it (compact where the numbers allow).
func shapeColumn(shape string, n int, seed uint64) *table.Column {
	r := rand.New(rand.NewPCG(seed, 9))
	switch shape {
	case "longcat", "cat10k":
		cells := make([]string, n)
		for i := range cells {
			if shape == "longcat" {
				cells[i] = fmt.Sprintf("customer_segment_%03d", r.IntN(40))
			} else {
				cells[i] = fmt.Sprintf("c%d", r.IntN(10000))
			}
		}
		c, _ := table.NewColumn(shape, cells).Compact()
		return c
	}
	x := make([]float64, n)
	for i := range x {
		switch shape {
		case "fullprec":
			x[i] = r.Float64() + float64(seed)*0.001
		case "dec6":
			x[i] = math.Round(r.NormFloat64()*100e6) / 1e6
		case "scientific":
			x[i] = r.NormFloat64() * math.Pow(10, float64(r.IntN(20)-10))
		case "wideint":
			x[i] = float64(r.Int64N(2e12) - 1e12)
		}
	}
	c, _ := table.NewNumericColumn(shape, x).Compact()
	return c
}

// BenchmarkShapes compares a million cells a side of each shape of data
// other tools write, with each method that applies, through Compare: one
// column, and 8 columns (the per-column parallelism). Run with -cpu 1,2;
// cpu-ns/op over ns/op is the cores kept busy.
func BenchmarkShapes(b *testing.B) {
	const n = 1_000_000
	type shape struct {
		name    string
		methods []Method
	}
	shapes := []shape{
		{"fullprec", []Method{MethodKS, MethodWasserstein, MethodPSI}},
		{"dec6", []Method{MethodKS, MethodWasserstein, MethodPSI}},
		{"scientific", []Method{MethodKS, MethodWasserstein}},
		{"wideint", []Method{MethodKS, MethodWasserstein, MethodPSI}},
		{"longcat", []Method{MethodChiSquare, MethodJensenShannon, MethodPSI}},
		{"cat10k", []Method{MethodChiSquare, MethodJensenShannon, MethodPSI}},
	}
	for _, s := range shapes {
		var ref, cur *table.Table
		for _, cols := range []int{1, 8} {
			for _, m := range s.methods {
				b.Run(fmt.Sprintf("%s/%s/cols=%d", s.name, m, cols), func(b *testing.B) {
					if ref == nil {
						rc, cc := shapeColumn(s.name, n, 1), shapeColumn(s.name, n, 2)
						ref, cur = &table.Table{Rows: n}, &table.Table{Rows: n}
						for i := range 8 {
							r, c := *rc, *cc
							r.Name, c.Name = fmt.Sprint("c", i), fmt.Sprint("c", i)
							ref.Columns = append(ref.Columns, &r)
							cur.Columns = append(cur.Columns, &c)
						}
					}
					rt, ct := *ref, *cur
					rt.Columns, ct.Columns = rt.Columns[:cols], ct.Columns[:cols]
					b.ReportAllocs()
					defer reportCPU(b)()
					for b.Loop() {
						if _, err := Compare(&rt, &ct, Policy{Method: MethodList{m}}); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// reportCPU: see table.ReportCPU.
func reportCPU(b *testing.B) func() {
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

// BenchmarkSortShapes times sortFloats on a million values of each shape.
func BenchmarkSortShapes(b *testing.B) {
	for _, shape := range []string{"fullprec", "scientific", "wideint"} {
		src := shapeColumn(shape, 1_000_000, 1).Floats()
		b.Run(shape, func(b *testing.B) {
			x := make([]float64, len(src))
			var scratch []float64
			defer reportCPU(b)()
			for b.Loop() {
				copy(x, src)
				scratch = sortFloats(x, scratch)
			}
		})
	}
}
