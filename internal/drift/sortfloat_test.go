package drift

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

// TestSortFloats checks the radix sort against slices.Sort on inputs that
// exercise every bucket shape: tiny, one bucket, ties, both signs, both
// zeros, extremes and decimals like those read from CSV files.
func TestSortFloats(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	gen := func(n int, f func(i int) float64) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = f(i)
		}
		return x
	}
	tests := []struct {
		name string
		x    []float64
	}{
		{"empty", nil},
		{"small", gen(100, func(int) float64 { return r.NormFloat64() })},
		{"normal", gen(200_000, func(int) float64 { return r.NormFloat64() * 10 })},
		{"decimals", gen(100_000, func(int) float64 { return math.Round(r.NormFloat64()*1e5) / 1e4 })},
		{"ties", gen(50_000, func(int) float64 { return float64(r.IntN(7)) - 3 })},
		{"one value", gen(10_000, func(int) float64 { return 2.5 })},
		{"one bucket", gen(10_000, func(int) float64 { return 1 + r.Float64()/1e6 })},
		{"zeros and extremes", gen(10_000, func(i int) float64 {
			return []float64{0, math.Copysign(0, -1), math.MaxFloat64, -math.MaxFloat64,
				math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, r.ExpFloat64()}[i%7]
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := slices.Clone(tt.x)
			sortFloats(got, nil)
			want := slices.Clone(tt.x)
			slices.Sort(want)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("index %d: got %v, want %v", i, got[i], want[i])
				}
			}
			if !slices.IsSorted(got) {
				t.Fatal("not sorted")
			}
		})
	}
}

// TestSortDecNumbers checks the 32-bit radix sort of compact columns
// against slices.Sort, extremes and missing cells included.
func TestSortDecNumbers(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 7, 300, 100_000, -100_000} {
		narrow := n < 0 // one or two passes
		n = max(n, -n)
		dec := make([]int32, n)
		var want []float64
		for i := range dec {
			switch {
			case narrow:
				dec[i] = int32(r.IntN(1<<(i%23))) - 1000
			case i%11 == 0:
				dec[i] = decMissing
				continue
			case i%11 == 1:
				dec[i] = math.MaxInt32
			case i%11 == 2:
				dec[i] = math.MinInt32 + 1
			default:
				dec[i] = int32(r.Uint32())
				if dec[i] == decMissing {
					dec[i] = 0
				}
				if i%3 == 0 {
					dec[i] %= 1000
				}
			}
			want = append(want, float64(dec[i]))
		}
		slices.Sort(want)
		got, _, _ := sortDecNumbers([]float64{}, dec, nil, nil)
		if len(got) != len(want) {
			t.Fatalf("n=%d: %d numbers, want %d", n, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("n=%d index %d: got %v, want %v", n, i, got[i], want[i])
			}
		}
	}
}

// TestSortFloatsParallel checks that the parallel passes give the same
// bits as the sort on one core.
func TestSortFloatsParallel(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1 << 17, 300_001} {
		x := make([]float64, n)
		for i := range x {
			x[i] = r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20))
			if i%97 == 0 {
				x[i] = math.Copysign(0, float64(i%2)-0.5)
			}
		}
		one := slices.Clone(x)
		keys := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(one))), n)
		radixSort(keys, make([]uint64, n))
		for _, parts := range [][][2]int{{{0, n / 2}, {n / 2, n}}, {{0, n / 3}, {n / 3, 2 * n / 3}, {2 * n / 3, n}}} {
			got := slices.Clone(x)
			keys := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(got))), n)
			radixSortParallel(keys, make([]uint64, n), parts)
			for i := range got {
				if math.Float64bits(got[i]) != math.Float64bits(one[i]) {
					t.Fatalf("n=%d, %d parts: index %d: %v, one core %v", n, len(parts), i, got[i], one[i])
				}
			}
		}
	}
}
