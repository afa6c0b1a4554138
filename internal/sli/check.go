package sli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/fault"
)

// SLI is a service level indicator of a deployed model: a PromQL query
// that yields one number, and the bounds it must stay within.
type SLI struct {
	// Name names the SLI in verdicts ("live_accuracy").
	Name string
	// Query is a PromQL template (see Render) that must return one series
	// or a scalar.
	Query string
	// Min and Max, when set, bound the value: it breaches below Min or
	// above Max.
	Min, Max *float64
	// For is how long the value must breach before it counts; zero judges
	// the value at one instant.
	For time.Duration
	// Step is the resolution of the For window; For/20 when zero, so a
	// window is judged on 21 samples.
	Step time.Duration
	// Compare, when set, judges the query's value for the version under
	// test against the stable version's (canary − stable).
	Compare *Compare
}

// Compare bounds the signed difference canary − stable of an SLI's value,
// for canary analysis: the query is rendered once for the canary (the
// Vars as given) and once for the stable side (see StableVars). A signed
// bound rather than an absolute one, because a canary better than stable
// must never fail: for accuracy, MinDelta -0.02 allows the canary to be at
// most 0.02 worse; for latency or error rate, MaxDelta bounds how much
// higher it may be. The SLI's own Min and Max, when set, still bound the
// canary's value.
type Compare struct {
	// MinDelta and MaxDelta bound canary − stable; at least one is set.
	MinDelta, MaxDelta *float64
}

// Validate checks an SLI before any query: a bound to judge by, bounds in
// order, a window its step fits in, and known template variables.
func (s SLI) Validate() error {
	bad := func(format string, a ...any) error {
		return fault.Input(fmt.Errorf("sli %s: "+format, append([]any{s.Name}, a...)...))
	}
	if strings.TrimSpace(s.Query) == "" {
		return bad("the query is empty")
	}
	if s.Min == nil && s.Max == nil && (s.Compare == nil || (s.Compare.MinDelta == nil && s.Compare.MaxDelta == nil)) {
		return bad("no bound: set min, max, or compare's minDelta or maxDelta")
	}
	if s.Min != nil && s.Max != nil && *s.Min > *s.Max {
		return bad("min %s is above max %s", num(*s.Min), num(*s.Max))
	}
	if c := s.Compare; c != nil && c.MinDelta != nil && c.MaxDelta != nil && *c.MinDelta > *c.MaxDelta {
		return bad("compare's minDelta %s is above its maxDelta %s", num(*c.MinDelta), num(*c.MaxDelta))
	}
	if s.For < 0 || s.Step < 0 || (s.For > 0 && s.Step > s.For) {
		return bad("for %s and step %s: a step must be positive and fit in the window", s.For, s.Step)
	}
	if err := Validate(s.Query); err != nil {
		return fmt.Errorf("sli %s: %w", s.Name, err)
	}
	return nil
}

// StableVars are the variables of the stable side of a comparison: vars
// with channel and version replaced by stable_channel and stable_version.
// A replacement the query needs but vars lack is a *TemplateError at
// Render, never the canary's value silently reused.
func StableVars(vars Vars) Vars {
	out := Vars{}
	for k, v := range vars {
		if k != VarChannel && k != VarVersion {
			out[k] = v
		}
	}
	if v, ok := vars[VarStableChannel]; ok {
		out[VarChannel] = v
	}
	if v, ok := vars[VarStableVersion]; ok {
		out[VarVersion] = v
	}
	return out
}

// Status is what a check found.
type Status string

// The statuses of a Verdict.
const (
	// OK: within bounds.
	OK Status = "ok"
	// Breach: out of bounds, at the instant or, with For, at every step of
	// a fully covered window.
	Breach Status = "breach"
	// Pending: out of bounds now, but not for all of For yet (as a
	// Prometheus alert is pending); no action is due.
	Pending Status = "pending"
	// NoData: the query returned nothing (or NaN) now, so nothing is known;
	// never taken as OK.
	NoData Status = "nodata"
)

// Verdict is an SLI judged at one time, with its evidence.
type Verdict struct {
	// SLI is the SLI's name.
	SLI string
	// Status is what was found.
	Status Status
	// At is the instant judged (the window's end).
	At time.Time
	// Queries are the rendered queries: the subject's, then the stable
	// side's in a comparison.
	Queries []string
	// Values are the subject's values over the window (one at an
	// instant), for a chart; NaN values are left out.
	Values []Point
	// Baseline are the stable side's values, in a comparison.
	Baseline []Point
	// Samples is how many steps of the window had a value (on both sides
	// in a comparison), and Steps how many it has.
	Samples, Steps int
	// Reason says why, in words: "live_accuracy 0.81 < min 0.85 for 10m
	// (21 samples)".
	Reason string
}

// step is the window's resolution.
func (s SLI) step() time.Duration {
	if s.Step > 0 {
		return s.Step
	}
	return s.For / 20
}

// Check judges s at now: the value at now, or with For every step of the
// window [now−For, now]. The window breaches only when it is covered (a
// value at each of its steps, on both sides in a comparison) and every
// value breaches; a breach now that does not hold for all of it is
// Pending; no value at now is NoData. The error is bad input (a template,
// a refused query, several series) or an unavailable server.
func Check(ctx context.Context, c *Client, s SLI, vars Vars, now time.Time) (Verdict, error) {
	if err := s.Validate(); err != nil {
		return Verdict{}, err
	}
	queries, err := s.render(vars)
	if err != nil {
		return Verdict{}, err
	}
	v := Verdict{SLI: s.Name, At: now, Queries: queries, Steps: 1}
	start, step := now, time.Duration(0)
	if s.For > 0 {
		step = s.step()
		v.Steps = int(s.For/step) + 1
		start = now.Add(-time.Duration(v.Steps-1) * step)
	}
	// sides[k][i] is side k's value at step i, NaN where there is none.
	sides := make([][]float64, len(queries))
	for k, q := range queries {
		var series []Series
		if step == 0 {
			series, err = c.Query(ctx, q, now)
		} else {
			series, err = c.QueryRange(ctx, q, start, now, step)
		}
		if err != nil {
			return Verdict{}, fmt.Errorf("sli %s: %w", s.Name, err)
		}
		one, err := single(series, q)
		if err != nil {
			return Verdict{}, fmt.Errorf("sli %s: %w", s.Name, err)
		}
		sides[k] = onSteps(one, start, step, v.Steps)
		points := &v.Values
		if k == 1 {
			points = &v.Baseline
		}
		for i, x := range sides[k] {
			if !math.IsNaN(x) {
				*points = append(*points, Point{Time: start.Add(time.Duration(i) * step), Value: x})
			}
		}
	}
	judge(&v, s, sides)
	return v, nil
}

// render renders the subject's query and, in a comparison, the stable
// side's.
func (s SLI) render(vars Vars) ([]string, error) {
	q, err := Render(s.Query, vars)
	if err != nil {
		return nil, fmt.Errorf("sli %s: %w", s.Name, err)
	}
	if s.Compare == nil {
		return []string{q}, nil
	}
	stable, err := Render(s.Query, StableVars(vars))
	if err != nil {
		return nil, fmt.Errorf("sli %s, stable side: %w", s.Name, err)
	}
	if stable == q {
		return nil, fault.Input(fmt.Errorf("sli %s: the canary and stable queries are the same (%s); select the channel or version with {{channel}} or {{version}}", s.Name, q))
	}
	return []string{q, stable}, nil
}

// ErrSeveralSeries marks a query that returned more than one series where
// an SLI needs one number.
var ErrSeveralSeries = errors.New("several series")

// single returns the one series of a result, nil for none, or bad input
// naming how many there were.
func single(series []Series, q string) (*Series, error) {
	switch len(series) {
	case 0:
		return nil, nil
	case 1:
		return &series[0], nil
	}
	var names []string
	for i, s := range series {
		if i == 3 {
			names = append(names, "…")
			break
		}
		names = append(names, s.String())
	}
	return nil, fault.Input(fmt.Errorf("query %s returns %d series where one is expected (%s): %w; aggregate them, e.g. avg(…) or sum by (model) (…)",
		q, len(series), strings.Join(names, ", "), ErrSeveralSeries))
}

// onSteps places a series' points on the window's steps; a step without a
// point is NaN.
func onSteps(s *Series, start time.Time, step time.Duration, steps int) []float64 {
	out := make([]float64, steps)
	for i := range out {
		out[i] = math.NaN()
	}
	if s == nil {
		return out
	}
	for _, p := range s.Points {
		i := 0
		if step > 0 {
			i = int(math.Round(float64(p.Time.Sub(start)) / float64(step)))
		}
		if i >= 0 && i < steps {
			out[i] = p.Value
		}
	}
	return out
}
