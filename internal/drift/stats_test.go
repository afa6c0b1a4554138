package drift

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ctgit/ctgit/internal/table"
)

// TestHistogramDec checks that binning the integers of a compact column
// gives the counts of binning their floats, on edges from Sturges' rule
// and on edges that fall exactly on cells, at every scale, with missing
// cells and the int32 extremes, by search and by table.
func TestHistogramDec(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for trial := range 3000 {
		scale := trial % (table.MaxScale + 1)
		n := 1 + r.IntN(300)
		if trial%5 == 0 {
			n = 1 + r.IntN(20_000) // enough cells for a table of bins
		}
		dec := make([]int32, n)
		spread := []int64{3, 50, 1e4, 1e9}[trial%4]
		base := r.Int64N(2*spread+1) - spread
		for i := range dec {
			switch {
			case r.IntN(20) == 0:
				dec[i] = decMissing
			case trial%97 == 0 && i < 2:
				dec[i] = []int32{math.MaxInt32, math.MinInt32 + 1}[i]
			default:
				dec[i] = int32(min(max(base+r.Int64N(2*spread+1)-spread, math.MinInt32+1), math.MaxInt32))
			}
		}
		vals := decFloats(dec, scale)
		nums := slices.DeleteFunc(slices.Clone(vals), func(v float64) bool { return v != v })
		if len(nums) == 0 {
			continue
		}
		lo, hi := slices.Min(nums), slices.Max(nums)
		var edges []float64
		switch trial % 3 {
		case 0: // what psi and jensenshannon use
			edges = SturgesEdges(lo, hi, len(nums)+r.IntN(1000))
		case 1: // edges on the cells themselves
			edges = slices.Compact(slices.Sorted(slices.Values(nums)))
			if len(edges) < 2 {
				edges = []float64{lo - 1, lo}
			}
		default: // edges that leave some cells outside
			edges = linspace(lo+(hi-lo)/4, hi-(hi-lo)/4+1e-3, 2+r.IntN(30))
		}
		want := make([]int64, len(edges)-1)
		got := make([]int64, len(edges)-1)
		histogram(want, vals, edges)
		histogramDec(got, dec, scale, edges)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d, scale %d: counts %v, want %v\nedges %v\ncells %v", trial, scale, got, want, edges, fmt.Sprint(dec))
		}
	}
}

// TestCountedLikeSorted checks that counting two compact columns per
// integer gives the KS statistic and p-value, and the Wasserstein distance,
// of sorting them, bit for bit,
// for small (exact) and large (asymptotic) samples with heavy ties, and
// that columns whose integers spread wider than they are many are left to
// sorting.
func TestCountedLikeSorted(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for trial := range 300 {
		n1, n2 := 1+r.IntN(1500), 1+r.IntN(1500)
		if trial%10 == 0 {
			n1, n2 = 10_000+r.IntN(20_000), 10_000+r.IntN(20_000)
		}
		spread := []int32{1, 5, 100, 2000}[trial%4]
		draw := func(n int, shift int32) []int32 {
			d := make([]int32, n)
			for i := range d {
				d[i] = shift + r.Int32N(2*spread+1) - spread
				if r.IntN(50) == 0 {
					d[i] = decMissing
				}
			}
			return d
		}
		a, b := draw(n1, 0), draw(n2, int32(r.IntN(3)))
		var w worker
		if !w.countInts(a, b) {
			if int(2*spread+3) <= n1+n2 {
				t.Fatalf("trial %d: %d and %d cells over ±%d not counted", trial, n1, n2, spread)
			}
			continue
		}
		var sa, sb []float64
		sa, w.keys, w.tmp = sortDecNumbers(nil, a, w.keys, w.tmp)
		sb, w.keys, w.tmp = sortDecNumbers(nil, b, w.keys, w.tmp)
		wd, wp := KolmogorovSmirnov(sa, sb)
		d, p := ksPValue(ksStatisticCounts(w.ca, w.cb, len(sa), len(sb)), len(sa), len(sb))
		if math.Float64bits(d) != math.Float64bits(wd) || math.Float64bits(p) != math.Float64bits(wp) {
			t.Fatalf("trial %d: counted D=%v p=%v, sorted D=%v p=%v", trial, d, p, wd, wp)
		}
		scale := trial % (table.MaxScale + 1)
		want := Wasserstein(w.sortedDec(nil, a, scale), w.sortedDec(nil, b, scale))
		if got := wassersteinCounts(w.ca, w.cb, w.lo, scale, len(sa), len(sb)); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("trial %d: counted Wasserstein %v, sorted %v", trial, got, want)
		}
	}
	var w worker
	if w.countInts([]int32{0, 1_000_000}, []int32{5}) {
		t.Error("3 cells spanning a million integers were counted")
	}
}

// decFloats is the cells of dec at scale as floats, a missing cell NaN.
func decFloats(dec []int32, scale int) []float64 {
	vals := make([]float64, len(dec))
	for i, d := range dec {
		vals[i] = math.NaN()
		if d != decMissing {
			vals[i] = float64(d) / table.Pow10(scale)
		}
	}
	return vals
}
