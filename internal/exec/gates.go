package exec

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/ctgit/ctgit/internal/bytesize"
	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/record"
)

// gateError is a gate that cannot be evaluated because the metrics file
// does not say what the gate asks: bad input, not a failed gate.
type gateError struct {
	gate config.Gate
	msg  string
}

func (e *gateError) Error() string { return fmt.Sprintf("%s: gate: %s", e.gate.Pos, e.msg) }

// Located is where the gate is declared.
func (e *gateError) Located() string { return e.gate.Pos.String() }

// comparison is what relative gates compare the candidate with: the
// deployed model scored on the same rows, else the metrics its promoting
// run recorded. Both nil: there is no deployed model to compare with.
type comparison struct {
	same     *record.SameData
	recorded map[string]float64
}

// value is the deployed model's metric, from the same rows when that run
// measured it, else as recorded.
func (c comparison) value(metric string) (float64, record.BaselineSource, bool) {
	if c.same != nil {
		if v, ok := c.same.Metrics[metric]; ok {
			return v, record.BaselineSameData, true
		}
	}
	if v, ok := c.recorded[metric]; ok {
		return v, record.BaselineRecorded, true
	}
	return 0, "", false
}

// evaluateGates checks the candidate's metrics against the gates; relative
// gates compare with base.
func evaluateGates(gates []config.Gate, metrics map[string]any, deployed comparison, modelBytes int64, metricsFile string) ([]record.Gate, error) {
	var out []record.Gate
	for _, g := range gates {
		r := record.Gate{Metric: g.Metric, Pos: g.Pos}
		var cand float64
		if g.MaxModelBytes == nil && g.MaxSliceGap == nil {
			v, err := metricValue(metrics, g.Metric)
			if err != nil {
				return nil, &gateError{g, fmt.Sprintf("%s %v", metricsFile, err)}
			}
			cand = v
			r.Candidate = &v
		}
		switch {
		case g.Min != nil || g.Max != nil:
			r.Kind, r.Passed = "min", true
			var why []string
			if g.Min != nil {
				r.Threshold = *g.Min
				if leq(*g.Min, cand) {
					why = append(why, fmt.Sprintf("%s %s ≥ %s", g.Metric, num(cand), num(*g.Min)))
				} else {
					r.Passed = false
					why = append(why, fmt.Sprintf("%s %s < %s", g.Metric, num(cand), num(*g.Min)))
				}
			}
			if g.Max != nil {
				if g.Min == nil {
					r.Kind, r.Threshold = "max", *g.Max
				}
				if leq(cand, *g.Max) {
					why = append(why, fmt.Sprintf("%s %s ≤ %s", g.Metric, num(cand), num(*g.Max)))
				} else {
					r.Passed = false
					why = append(why, fmt.Sprintf("%s %s > %s", g.Metric, num(cand), num(*g.Max)))
				}
			}
			r.Reason = strings.Join(why, "; ")
		case g.MaxDropFromBaseline != nil || g.MaxRiseFromBaseline != nil:
			down := g.MaxDropFromBaseline != nil
			if down {
				r.Kind, r.Threshold = "maxDropFromBaseline", *g.MaxDropFromBaseline
			} else {
				r.Kind, r.Threshold = "maxRiseFromBaseline", *g.MaxRiseFromBaseline
			}
			base, src, ok := deployed.value(g.Metric)
			if !ok {
				r.Passed, r.Skipped = true, true
				if deployed.same == nil && deployed.recorded == nil {
					r.Reason = "no current model: relative gates skipped"
				} else {
					r.Reason = fmt.Sprintf("the current model has no recorded %s: gate skipped", g.Metric)
				}
				break
			}
			r.Baseline, r.BaselineSource = &base, src
			on := ""
			if src == record.BaselineSameData {
				r.Rows = deployed.same.Rows
				on = fmt.Sprintf(" on the same %d rows", r.Rows)
			}
			change := cand - base
			if down {
				r.Passed = leq(-change, r.Threshold)
				if change >= 0 {
					r.Reason = fmt.Sprintf("%s rose %s from %s%s", g.Metric, num(change), num(base), on)
				} else {
					r.Reason = fmt.Sprintf("%s dropped %s from %s%s, allowed %s", g.Metric, num(-change), num(base), on, num(r.Threshold))
				}
			} else {
				r.Passed = leq(change, r.Threshold)
				if change <= 0 {
					r.Reason = fmt.Sprintf("%s fell %s from %s%s", g.Metric, num(-change), num(base), on)
				} else {
					r.Reason = fmt.Sprintf("%s rose %s from %s%s, allowed %s", g.Metric, num(change), num(base), on, num(r.Threshold))
				}
			}
		case g.MaxSliceGap != nil:
			r.Kind, r.Threshold = "maxSliceGap", *g.MaxSliceGap
			slices, err := sliceValues(metrics, g.Metric)
			if err != nil {
				return nil, &gateError{g, fmt.Sprintf("%s %v", metricsFile, err)}
			}
			lo, hi := slices[0], slices[len(slices)-1]
			gap := hi.v - lo.v
			r.Candidate = &gap
			r.Passed = leq(gap, r.Threshold)
			op := "≤"
			if !r.Passed {
				op = ">"
			}
			r.Reason = fmt.Sprintf("%s gap across %d slices %s %s %s (lowest %s %s, highest %s %s)",
				g.Metric, len(slices), num(gap), op, num(r.Threshold), lo.name, num(lo.v), hi.name, num(hi.v))
		case g.MaxModelBytes != nil:
			r.Kind, r.Threshold = "maxModelBytes", float64(*g.MaxModelBytes)
			size := float64(modelBytes)
			r.Candidate = &size
			r.Passed = modelBytes <= *g.MaxModelBytes
			op := "≤"
			if !r.Passed {
				op = ">"
			}
			r.Reason = fmt.Sprintf("model %s %s %s", bytesize.Format(modelBytes), op, bytesize.Format(*g.MaxModelBytes))
		}
		out = append(out, r)
	}
	return out, nil
}

// leq is a ≤ b, forgiving the last bits of floating-point error, so that
// 0.875 − 0.865 is not judged larger than 0.01.
func leq(a, b float64) bool {
	return a <= b || math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// num prints a metric the way people write it: up to 4 significant digits
// after leading zeros.
func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.4g", v)
}

// metricValue finds a number in the metrics by dotted path.
func metricValue(metrics map[string]any, path string) (float64, error) {
	var cur any = metrics
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return 0, fmt.Errorf("has no metric %q", path)
		}
		if cur, ok = m[part]; !ok {
			return 0, fmt.Errorf("has no metric %q (it has: %s)", path, strings.Join(keys(m), ", "))
		}
	}
	switch v := cur.(type) {
	case float64:
		return v, nil
	case json.Number:
		return v.Float64()
	}
	return 0, fmt.Errorf("metric %q is %s, not a number", path, describeJSON(cur))
}

type slice struct {
	name string
	v    float64
}

// sliceValues returns the metric of every slice under "slices", sorted by
// value.
func sliceValues(metrics map[string]any, metric string) ([]slice, error) {
	raw, ok := metrics["slices"].(map[string]any)
	if !ok || len(raw) == 0 {
		return nil, fmt.Errorf(`has no "slices" object: a slice gap needs {"slices": {"NAME": {%q: value}, ...}}`, metric)
	}
	var out []slice
	for name, s := range raw {
		m, ok := s.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("slice %q is %s, not an object", name, describeJSON(s))
		}
		v, err := metricValue(m, metric)
		if err != nil {
			return nil, fmt.Errorf("slice %q %v", name, err)
		}
		out = append(out, slice{name, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].v != out[j].v {
			return out[i].v < out[j].v
		}
		return out[i].name < out[j].name
	})
	return out, nil
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func describeJSON(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// numericMetrics flattens the top-level numbers of a metrics file, which
// become the baseline of the next candidate.
func numericMetrics(metrics map[string]any) map[string]float64 {
	out := map[string]float64{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			switch x := v.(type) {
			case float64:
				out[prefix+k] = x
			case map[string]any:
				// Slices are per-slice values, and the same-data
				// section is another model's: neither is this model's
				// metric.
				if prefix == "" && (k == "slices" || k == sameDataKey) {
					continue
				}
				walk(prefix+k+".", x)
			}
		}
	}
	walk("", metrics)
	return out
}
