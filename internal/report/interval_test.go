package report

import (
	"math"
	"testing"
)

// TestWilson checks the interval against the published values of
// Newcombe, "Two-sided confidence intervals for the single proportion:
// comparison of seven methods", Statistics in Medicine 17 (1998), Table
// II, method 3 (score interval without continuity correction), given
// there to 4 decimals.
func TestWilson(t *testing.T) {
	for _, tc := range []struct {
		x, n   int
		lo, hi float64
	}{
		{81, 263, 0.2553, 0.3662},
		{15, 148, 0.0624, 0.1605},
		{0, 20, 0, 0.1611},
		{1, 29, 0.0061, 0.1718},
	} {
		lo, hi := Wilson(float64(tc.x)/float64(tc.n), tc.n)
		if math.Abs(lo-tc.lo) > 5e-5 || math.Abs(hi-tc.hi) > 5e-5 {
			t.Errorf("%d/%d: got %.4f–%.4f, want %.4f–%.4f", tc.x, tc.n, lo, hi, tc.lo, tc.hi)
		}
	}
}
