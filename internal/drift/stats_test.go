package drift

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestHistogramDec checks that binning the integers of a compact column
// gives the counts of binning their floats, on edges from Sturges' rule
// and on edges that fall exactly on cells, at every scale, with missing
// cells and the int32 extremes, by search and by table.
func TestHistogramDec(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for trial := range 3000 {
		scale := trial % (maxScale + 1)
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
		vals := decToFloat(nil, dec, scale)
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
