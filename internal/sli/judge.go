package sli

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// judge sets v's Status, Samples and Reason from the values on the
// window's steps: sides[0] the subject's, sides[1] the stable side's in a
// comparison. It is the one place a verdict is derived.
func judge(v *Verdict, s SLI, sides [][]float64) {
	last := v.Steps - 1
	present := func(i int) bool {
		for _, side := range sides {
			if math.IsNaN(side[i]) {
				return false
			}
		}
		return true
	}
	breaches := 0
	for i := 0; i < v.Steps; i++ {
		if present(i) {
			v.Samples++
			if ok, _ := s.within(sides, i); !ok {
				breaches++
			}
		}
	}
	if !present(last) {
		v.Status = NoData
		v.Reason = fmt.Sprintf("%s: no data at %s", s.Name, v.At.UTC().Format(time.RFC3339))
		for k, side := range sides {
			if math.IsNaN(side[last]) {
				v.Reason += " for " + v.Queries[k]
				break
			}
		}
		if v.Samples > 0 {
			v.Reason += fmt.Sprintf(" (%d of %d samples over %s had data)", v.Samples, v.Steps, dur(s.For))
		}
		return
	}
	ok, why := s.within(sides, last)
	switch {
	case ok:
		v.Status = OK
		v.Reason = why
		if s.For > 0 && breaches > 0 {
			v.Reason += fmt.Sprintf(" (%d of %d samples over %s breached)", breaches, v.Steps, dur(s.For))
		}
	case s.For == 0:
		v.Status = Breach
		v.Reason = why
	case breaches == v.Steps:
		v.Status = Breach
		v.Reason = fmt.Sprintf("%s for %s (%d samples)", why, dur(s.For), v.Steps)
	default:
		v.Status = Pending
		v.Reason = fmt.Sprintf("%s now, but not for all of %s: %d of %d samples breach", why, dur(s.For), breaches, v.Steps)
		if v.Samples < v.Steps {
			v.Reason += fmt.Sprintf(", %d have no data", v.Steps-v.Samples)
		}
	}
}

// within says whether the values at step i keep the SLI's bounds, and
// describes them: the first bound broken, or the value and its bounds.
func (s SLI) within(sides [][]float64, i int) (bool, string) {
	x := sides[0][i]
	if s.Min != nil && x < *s.Min {
		return false, fmt.Sprintf("%s %s < min %s", s.Name, num(x), num(*s.Min))
	}
	if s.Max != nil && x > *s.Max {
		return false, fmt.Sprintf("%s %s > max %s", s.Name, num(x), num(*s.Max))
	}
	if s.Compare == nil {
		return true, fmt.Sprintf("%s %s within %s", s.Name, num(x), interval(s.Min, s.Max))
	}
	base := sides[1][i]
	d := x - base
	diff := fmt.Sprintf("%s canary %s − stable %s = %s", s.Name, num(x), num(base), num(d))
	if c := s.Compare; c.MinDelta != nil && d < *c.MinDelta {
		return false, fmt.Sprintf("%s < min delta %s", diff, num(*c.MinDelta))
	}
	if c := s.Compare; c.MaxDelta != nil && d > *c.MaxDelta {
		return false, fmt.Sprintf("%s > max delta %s", diff, num(*c.MaxDelta))
	}
	return true, fmt.Sprintf("%s within %s", diff, interval(s.Compare.MinDelta, s.Compare.MaxDelta))
}

// interval writes bounds as [min, max], an open end as ∞.
func interval(lo, hi *float64) string {
	l, h := "-∞", "+∞"
	if lo != nil {
		l = num(*lo)
	}
	if hi != nil {
		h = num(*hi)
	}
	return "[" + l + ", " + h + "]"
}

// num writes a value for a reason: four significant digits, enough to
// see a breach and short enough to read.
func num(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) }

// dur writes a duration as people write it: 10m, not 10m0s.
func dur(d time.Duration) string {
	s := d.String()
	if len(s) > 2 && s[len(s)-2:] == "0s" && (d%time.Minute == 0) {
		s = s[:len(s)-2]
	}
	if len(s) > 2 && s[len(s)-2:] == "0m" && (d%time.Hour == 0) {
		s = s[:len(s)-2]
	}
	return s
}
