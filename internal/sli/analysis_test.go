package sli

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/testproc"
)

// phases lists the measurements' phases, for comparing runs at a glance.
func phases(r AnalysisResult) string {
	var out []string
	for _, m := range r.Measurements {
		out = append(out, string(m.Phase))
	}
	return strings.Join(out, ",")
}

// TestAnalyze runs analyses against the live exporter with an injected
// sleep: the world moves where time would pass (the exporter changes and
// Prometheus scrapes it), so a five-measurement analysis takes a second.
func TestAnalyze(t *testing.T) {
	srv, exp, c := live(t)
	compare := accuracy()
	compare.Compare = &Compare{MinDelta: ptr(-0.02)}
	for _, tc := range []struct {
		name     string
		a        Analysis
		start    float64 // the canary's accuracy at first; 0: no series
		moveTo   float64 // its accuracy after the second measurement
		phase    Phase
		phases   string
		messages string
	}{
		{"passes", Analysis{Count: 5}, 0.93, 0.92, Successful, "Successful,Successful,Successful,Successful,Successful", "count (5) reached: 5 successful"},
		{"fails mid-analysis", Analysis{Count: 5}, 0.93, 0.86, Failed, "Successful,Successful,Failed", "failed (1) > failureLimit (0): live_accuracy canary 0.86 − stable 0.92 = -0.06 < min delta -0.02"},
		{"failure limit", Analysis{Count: 5, FailureLimit: 2}, 0.93, 0.86, Failed, "Successful,Successful,Failed,Failed,Failed", "failed (3) > failureLimit (2)"},
		{"within failure limit", Analysis{Count: 3, FailureLimit: 1}, 0.93, 0.86, Successful, "Successful,Successful,Failed", "count (3) reached: 2 successful, 1 failed"},
		{"no data", Analysis{Count: 5}, 0, 0, Inconclusive, "Inconclusive", "inconclusive (1) > inconclusiveLimit (0): live_accuracy: no data"},
		{"only no data within limit", Analysis{Count: 2, InconclusiveLimit: 5}, 0, 0, Inconclusive, "Inconclusive,Inconclusive", "without a successful measurement"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := model(t)
			canary, stable := labels(m, "1.3.0", "canary"), labels(m, "1.2.0", "stable")
			exp.Set("model_accuracy", stable, 0.92)
			if tc.start != 0 {
				exp.Set("model_accuracy", canary, tc.start)
				srv.WaitFor(t, `model_accuracy{model="`+m+`",channel="canary"}`)
			}
			srv.WaitFor(t, `model_accuracy{model="`+m+`",channel="stable"}`)
			slept := 0
			sleep := func(ctx context.Context, d time.Duration) error {
				slept++
				if slept == 2 && tc.moveTo != 0 {
					exp.Set("model_accuracy", canary, tc.moveTo)
					srv.WaitFor(t, `model_accuracy{model="`+m+`",channel="canary"} == `+num(tc.moveTo))
				}
				return nil
			}
			vars := Vars{"model": m, "version": "1.3.0", "channel": "canary", "stable_version": "1.2.0", "stable_channel": "stable"}
			r, err := Analyze(context.Background(), c, compare, vars, tc.a, sleep)
			if err != nil {
				t.Fatal(err)
			}
			if r.Phase != tc.phase || phases(r) != tc.phases || !strings.Contains(r.Message, tc.messages) {
				t.Errorf("Analyze = %s [%s] %q\nwant %s [%s] %q", r.Phase, phases(r), r.Message, tc.phase, tc.phases, tc.messages)
			}
			if slept != len(r.Measurements)-1 {
				t.Errorf("slept %d times for %d measurements; want one sleep between each", slept, len(r.Measurements))
			}
		})
	}
}

func TestAnalyzeErrors(t *testing.T) {
	_, _, c := live(t)
	vars := Vars{"model": "m", "version": "1", "channel": "canary"}
	noSleep := func(context.Context, time.Duration) error { return nil }

	bad := SLI{Name: "acc", Query: `avg(model_accuracy{model="{{model}}"}`, Min: ptr(0.5)}
	r, err := Analyze(context.Background(), c, bad, vars, Analysis{Count: 5}, noSleep)
	var qe *QueryError
	if !errors.As(err, &qe) || r.Phase != Error || phases(r) != "Error" {
		t.Errorf("a bad query: %s [%s] %v; want Error after one measurement with the QueryError", r.Phase, phases(r), err)
	}

	port, err := testproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	down := &Client{URL: "http://127.0.0.1:" + strconv.Itoa(port)}
	one := 1
	r, err = Analyze(context.Background(), down, accuracy(), vars, Analysis{Count: 5, ConsecutiveErrorLimit: &one}, noSleep)
	if fault.KindOf(err) != fault.Infrastructure || r.Phase != Error || phases(r) != "Error,Error" ||
		!strings.Contains(r.Message, "consecutiveErrors (2) > consecutiveErrorLimit (1)") {
		t.Errorf("a server down: %s [%s] %q %v; want Error after 2 errors, infrastructure", r.Phase, phases(r), r.Message, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, err = Analyze(ctx, c, accuracy(), vars, Analysis{Count: 3, Interval: time.Hour}, Sleep)
	if r.Phase != Error || fault.KindOf(err) != fault.Infrastructure || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %s %v; want Error, interrupted", r.Phase, err)
	}

	if _, err := Analyze(context.Background(), c, accuracy(), vars, Analysis{Count: 0}, noSleep); fault.KindOf(err) != fault.BadInput {
		t.Errorf("count 0: %v, want bad input", err)
	}
}

// TestAnalyzeRealTime runs an analysis on the wall clock, 1 s apart,
// while the canary's accuracy falls during the first interval.
func TestAnalyzeRealTime(t *testing.T) {
	if testing.Short() {
		t.Skip("takes seconds of wall time")
	}
	srv, exp, c := live(t)
	m := model(t)
	canary := labels(m, "1.3.0", "canary")
	exp.Set("model_accuracy", canary, 0.93)
	srv.WaitFor(t, `model_accuracy{model="`+m+`"}`)
	sleep := func(ctx context.Context, d time.Duration) error {
		exp.Set("model_accuracy", canary, 0.70)
		return Sleep(ctx, d)
	}
	vars := Vars{"model": m, "version": "1.3.0", "channel": "canary"}
	r, err := Analyze(context.Background(), c, accuracy(), vars, Analysis{Count: 3, Interval: time.Second}, sleep)
	if err != nil {
		t.Fatal(err)
	}
	if r.Phase != Failed || phases(r) != "Successful,Failed" {
		t.Fatalf("Analyze = %s [%s] %q, want Failed at the second measurement", r.Phase, phases(r), r.Message)
	}
	if gap := r.Measurements[1].Time.Sub(r.Measurements[0].Time); gap < time.Second {
		t.Errorf("measurements %s apart, want at least the 1s interval", gap)
	}
	if v := r.Measurements[1].Verdict; len(v.Values) != 1 || v.Values[0].Value != 0.70 {
		t.Errorf("the failed measurement's evidence = %+v, want 0.70", v.Values)
	}
}
