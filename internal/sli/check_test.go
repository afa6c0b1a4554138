package sli

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/promtest"
)

func ptr(x float64) *float64 { return &x }

// accuracy is the SLI the tests judge: a model's live accuracy, at least
// 0.85.
func accuracy() SLI {
	return SLI{
		Name:  "live_accuracy",
		Query: `model_accuracy{model="{{model}}", version="{{version}}", channel="{{channel}}"}`,
		Min:   ptr(0.85),
	}
}

func TestStableVars(t *testing.T) {
	got := StableVars(Vars{"model": "m", "version": "2", "channel": "canary", "stable_version": "1", "stable_channel": "stable"})
	want := Vars{"model": "m", "version": "1", "channel": "stable", "stable_version": "1", "stable_channel": "stable"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("StableVars (-want +got):\n%s", diff)
	}
	// Without stable_version, a query that names {{version}} cannot render
	// its stable side: never the canary's version reused.
	s := accuracy()
	s.Compare = &Compare{MinDelta: ptr(-0.02)}
	if _, err := s.render(Vars{"model": "m", "version": "2", "channel": "canary", "stable_channel": "stable"}); err == nil ||
		!strings.Contains(err.Error(), "stable side") {
		t.Errorf("render without stable_version = %v, want an error on the stable side", err)
	}
}

func TestValidateSLI(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    SLI
		want string
	}{
		{"no bound", SLI{Name: "a", Query: "up"}, "no bound"},
		{"min above max", SLI{Name: "a", Query: "up", Min: ptr(2), Max: ptr(1)}, "above max"},
		{"step too long", SLI{Name: "a", Query: "up", Min: ptr(1), For: 1, Step: 2}, "fit in the window"},
		{"unknown variable", SLI{Name: "a", Query: `up{x="{{mdoel}}"}`, Min: ptr(1)}, "{{mdoel}}"},
	} {
		err := tc.s.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) || fault.KindOf(err) != fault.BadInput {
			t.Errorf("%s: Validate = %v, want bad input saying %q", tc.name, err, tc.want)
		}
	}
}

// TestCheckWindow judges For windows over history loaded into a fresh
// Prometheus: every sample of a series is one the test wrote, at times it
// chose, so the window's edges are exact.
func TestCheckWindow(t *testing.T) {
	now := time.Now().Add(-time.Minute).Truncate(time.Second)
	start := now.Add(-15 * time.Minute)
	const n = 61 // samples every 15s over [now-15m, now]
	flat := func(x float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = x
		}
		return out
	}
	dip := flat(0.80)
	for i := 40; i < 45; i++ { // 0.9 from now-5m to now-4m: 3 steps of 30s
		dip[i] = 0.9
	}
	var h promtest.History
	add := func(model, channel string, from time.Time, values []float64) {
		h.Series("model_accuracy", labels(model, "1.2.0", channel), from, 15*time.Second, values...)
	}
	add("held", "prod", start, flat(0.80))
	add("recovered", "prod", start, dip)
	add("fine", "prod", start, flat(0.91))
	add("young", "prod", now.Add(-3*time.Minute), flat(0.80)[:13])
	add("gone", "prod", start, flat(0.80)[:20]) // last sample at now-10m15s, seen 5m (the lookback): 10 steps
	add("nan", "prod", start, append(flat(0.9)[:n-1], math.NaN()))
	add("cmp", "canary", start, flat(0.80))
	add("cmp", "stable", start, flat(0.90))
	srv := promtest.New(t, nil, promtest.Options{History: h.String()})
	c := &Client{URL: srv.URL}

	s := accuracy()
	s.For = 10 * time.Minute
	s.Step = 30 * time.Second
	compare := s
	compare.Min = nil
	compare.Compare = &Compare{MinDelta: ptr(-0.02)}
	for _, tc := range []struct {
		model   string
		s       SLI
		status  Status
		samples int
		reason  string
	}{
		{"held", s, Breach, 21, "live_accuracy 0.8 < min 0.85 for 10m (21 samples)"},
		{"recovered", s, Pending, 21, "live_accuracy 0.8 < min 0.85 now, but not for all of 10m: 18 of 21 samples breach"},
		{"fine", s, OK, 21, "live_accuracy 0.91 within [0.85, +∞]"},
		{"young", s, Pending, 7, "but not for all of 10m: 7 of 21 samples breach, 14 have no data"},
		{"gone", s, NoData, 10, "(10 of 21 samples over 10m had data)"},
		{"nan", s, NoData, 20, "no data at"},
		{"cmp", compare, Breach, 21, "live_accuracy canary 0.8 − stable 0.9 = -0.1 < min delta -0.02 for 10m (21 samples)"},
	} {
		t.Run(tc.model, func(t *testing.T) {
			vars := Vars{"model": tc.model, "version": "1.2.0", "channel": "prod", "stable_version": "1.2.0", "stable_channel": "stable"}
			if tc.s.Compare != nil {
				vars["channel"] = "canary"
			}
			v, err := Check(context.Background(), c, tc.s, vars, now)
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != tc.status || v.Samples != tc.samples || v.Steps != 21 || !strings.Contains(v.Reason, tc.reason) {
				t.Errorf("Check = %s, %d of %d samples, %q; want %s, %d of 21, %q", v.Status, v.Samples, v.Steps, v.Reason, tc.status, tc.samples, tc.reason)
			}
			if tc.s.Compare != nil && (len(v.Baseline) != 21 || len(v.Queries) != 2 || !strings.Contains(v.Queries[1], `channel="stable"`)) {
				t.Errorf("a comparison keeps both sides: %d baseline points, queries %q", len(v.Baseline), v.Queries)
			}
			if len(v.Values) > 0 && !v.Values[len(v.Values)-1].Time.After(v.Values[0].Time) && len(v.Values) > 1 {
				t.Errorf("values out of order: %v", v.Values)
			}
		})
	}
}

// TestCheckLive judges the exporter's current values at one instant.
func TestCheckLive(t *testing.T) {
	srv, exp, c := live(t)
	m := model(t)
	ctx := context.Background()
	canary, stable := labels(m, "1.3.0", "canary"), labels(m, "1.2.0", "stable")
	vars := Vars{"model": m, "version": "1.3.0", "channel": "canary", "stable_version": "1.2.0", "stable_channel": "stable"}
	check := func(s SLI) Verdict {
		t.Helper()
		v, err := Check(ctx, c, s, vars, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	if v := check(accuracy()); v.Status != NoData || !strings.Contains(v.Reason, `model="`+m+`"`) {
		t.Errorf("before any series: %s %q, want nodata naming the query", v.Status, v.Reason)
	}

	exp.Set("model_accuracy", canary, 0.93)
	exp.Set("model_accuracy", stable, 0.92)
	srv.WaitFor(t, `model_accuracy{model="`+m+`",channel="stable"}`)
	if v := check(accuracy()); v.Status != OK || len(v.Values) != 1 || v.Values[0].Value != 0.93 {
		t.Errorf("at 0.93: %s %v %q, want ok", v.Status, v.Values, v.Reason)
	}
	compare := accuracy()
	compare.Compare = &Compare{MinDelta: ptr(-0.02)}
	if v := check(compare); v.Status != OK || v.Baseline[0].Value != 0.92 {
		t.Errorf("canary 0.93 vs stable 0.92: %s %q, want ok", v.Status, v.Reason)
	}

	exp.Set("model_accuracy", canary, 0.88)
	srv.WaitFor(t, `model_accuracy{model="`+m+`",channel="canary"} == 0.88`)
	if v := check(accuracy()); v.Status != OK {
		t.Errorf("at 0.88 alone: %s %q, want ok", v.Status, v.Reason)
	}
	v := check(compare)
	if want := "live_accuracy canary 0.88 − stable 0.92 = -0.04 < min delta -0.02"; v.Status != Breach || v.Reason != want {
		t.Errorf("canary 0.88 vs stable 0.92: %s %q, want breach %q", v.Status, v.Reason, want)
	}

	exp.Set("model_accuracy", canary, math.NaN())
	srv.WaitFor(t, `model_accuracy{model="`+m+`",channel="canary"} != 0.88`)
	if v := check(accuracy()); v.Status != NoData {
		t.Errorf("at NaN: %s %q, want nodata", v.Status, v.Reason)
	}

	// A value no literal may hold raw still renders to a query Prometheus
	// parses: the escaping is Prometheus-proof, not only test-proof.
	odd := accuracy()
	if v, err := Check(ctx, c, odd, Vars{"model": `we"ird\` + "\n'", "version": "1", "channel": "c"}, time.Now()); err != nil || v.Status != NoData {
		t.Errorf("an odd model name: %+v, %v; want nodata, no error", v, err)
	}
}

func TestCheckSeveralSeries(t *testing.T) {
	srv, exp, c := live(t)
	m := model(t)
	exp.Set("model_accuracy", labels(m, "1.2.0", "canary"), 0.9)
	exp.Set("model_accuracy", labels(m, "1.2.0", "stable"), 0.9)
	srv.WaitFor(t, `count(model_accuracy{model="`+m+`"}) == 2`)
	s := SLI{Name: "acc", Query: `model_accuracy{model="{{model}}"}`, Min: ptr(0.5)}
	for _, window := range []time.Duration{0, 2 * time.Second} {
		s.For = window
		_, err := Check(context.Background(), c, s, Vars{"model": m}, time.Now())
		if !errors.Is(err, ErrSeveralSeries) || !strings.Contains(err.Error(), "returns 2 series") ||
			!strings.Contains(err.Error(), "avg(") || fault.KindOf(err) != fault.BadInput {
			t.Errorf("for %s: Check = %v, want bad input naming 2 series and how to aggregate", window, err)
		}
	}
	s.Query = `avg(model_accuracy{model="{{model}}"})`
	if v, err := Check(context.Background(), c, s, Vars{"model": m}, time.Now()); err != nil {
		t.Errorf("aggregated: %v", err)
	} else if v.Status != OK && v.Status != Pending {
		t.Errorf("aggregated: %s %q", v.Status, v.Reason)
	}
}

func TestCheckErrors(t *testing.T) {
	_, _, c := live(t)
	ctx := context.Background()
	bad := SLI{Name: "acc", Query: `avg(model_accuracy{model="{{model}}"}`, Min: ptr(0.5)}
	_, err := Check(ctx, c, bad, Vars{"model": "m"}, time.Now())
	var qe *QueryError
	if !errors.As(err, &qe) || !strings.Contains(err.Error(), "sli acc") || !strings.Contains(qe.Message, "parse error") {
		t.Errorf("a query that does not parse: %v, want a QueryError with Prometheus' message", err)
	}
	_, err = Check(ctx, c, accuracy(), Vars{"model": "m"}, time.Now())
	var te *TemplateError
	if !errors.As(err, &te) || te.Name != "version" {
		t.Errorf("a missing variable: %v, want a TemplateError for {{version}}", err)
	}
}

func TestDur(t *testing.T) {
	got := []string{dur(10 * time.Minute), dur(time.Hour), dur(90 * time.Second), dur(2 * time.Second)}
	if diff := cmp.Diff([]string{"10m", "1h", "1m30s", "2s"}, got); diff != "" {
		t.Error(diff)
	}
}
