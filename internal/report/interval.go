package report

import (
	"fmt"
	"math"

	"github.com/ctgit/ctgit/internal/record"
)

// z95 is the standard normal quantile for a two-sided 95% interval.
const z95 = 1.959963984540054

// Wilson is the Wilson score 95% interval of a proportion p observed over
// n rows. Unlike the normal approximation it stays inside [0, 1] and does
// not collapse to a point at 0 or 1, which is where good models live.
func Wilson(p float64, n int) (lo, hi float64) {
	fn := float64(n)
	z2 := z95 * z95
	den := 1 + z2/fn
	center := (p + z2/(2*fn)) / den
	half := z95 / den * math.Sqrt(p*(1-p)/fn+z2/(4*fn*fn))
	return math.Max(0, center-half), math.Min(1, center+half)
}

// proportion says whether a gate's values read as proportions over its
// rows (accuracy, AUC, recall: values in [0, 1]) on the same rows, so that
// an interval means something.
func proportion(g record.Gate) bool {
	if g.BaselineSource != record.BaselineSameData || g.Rows <= 0 || g.Candidate == nil || g.Baseline == nil {
		return false
	}
	in := func(v float64) bool { return v >= 0 && v <= 1 }
	return in(*g.Candidate) && in(*g.Baseline)
}

// withInterval is a value and its Wilson interval over rows.
func withInterval(v float64, rows int) string {
	lo, hi := Wilson(v, rows)
	return fmt.Sprintf("%s (%.3f–%.3f)", value(v), lo, hi)
}

// comparedOn says what a relative gate compared the candidate with.
func comparedOn(r *record.Run, g record.Gate) string {
	switch g.BaselineSource {
	case record.BaselineSameData:
		return fmt.Sprintf("same %d rows", g.Rows)
	case record.BaselineRecorded, "":
		// Before same-data comparisons, every relative gate that had a
		// baseline had a recorded one.
		if g.BaselineSource == "" && g.Baseline == nil {
			return "-"
		}
		if r.Baseline != nil && r.Baseline.RunID != "" {
			return "recorded by run `" + mdEscape(r.Baseline.RunID) + "`"
		}
		return "recorded"
	}
	return "-"
}
