package drift

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

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
