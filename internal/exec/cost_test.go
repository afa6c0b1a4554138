package exec

import (
	"strings"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/record"
)

func ptr[T any](v T) *T { return &v }

// trainedRun is a run record that trained at t for amount.
func trainedRun(id string, t time.Time, amount float64) *record.Run {
	cpu := amount / 2 * 3600 // at $2 per CPU-hour
	return &record.Run{ID: id, StartedAt: t, Executor: "local",
		Steps: []record.Step{{ID: "p/train", Name: "train", Status: record.StepSucceeded,
			Resources: &record.Resources{WallSeconds: cpu, CPUSeconds: &cpu}}},
		Cost: &record.Cost{Currency: "USD", Amount: amount}}
}

var usd = map[string]*config.Price{"local": {Currency: "USD", CPUHour: ptr(2.0)}}

// TestBudgetHoldsAndReleases walks a clock through a week: runs of $4
// against $10 per 7d hold the third retrain, and release it when the first
// run leaves the window.
func TestBudgetHoldsAndReleases(t *testing.T) {
	b := &config.Budget{Max: 10, Window: "7d", WindowDuration: 7 * 24 * time.Hour, Currency: "USD"}
	day := func(d float64) time.Time {
		return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(d * float64(24*time.Hour)))
	}
	var recs []*record.Run
	steps := []struct {
		at       float64
		held     bool
		reason   string
		trainRun bool
	}{
		{0, false, "$0.00 of $10.00 spent in the last 7d, $10.00 remaining", true},
		{1, false, "$4.00 of $10.00 spent in the last 7d, $6.00 remaining", true},
		{2, true, "$8.00 of $10.00 spent in the last 7d; a retrain like the last one (run r2, $4.00) would bring it to $12.00, over the budget", false},
		{6.9, true, "$8.00 of $10.00 spent", false},
		// r1 (day 0) leaves the window at day 7.
		{7.5, false, "$4.00 of $10.00 spent in the last 7d, $6.00 remaining", true},
		// r2 (day 1) leaves at day 8.
		{8.5, false, "$4.00 of $10.00 spent in the last 7d, $6.00 remaining", true},
		{9, true, "$8.00 of $10.00 spent", false},
		// r5 (day 7.5) leaves at day 14.5; r6 (day 8.5) is still in.
		{14.6, false, "$4.00 of $10.00 spent", false},
		{15.6, false, "$0.00 of $10.00 spent", false},
	}
	for i, s := range steps {
		held, reason := BudgetDecision(recs, day(s.at), b, usd, false)
		if held != s.held || !strings.Contains(reason, s.reason) {
			t.Fatalf("day %g: held %v, %q; want held %v, %q", s.at, held, reason, s.held, s.reason)
		}
		if s.trainRun {
			recs = append(recs, trainedRun("r"+string(rune('1'+i)), day(s.at), 4))
		}
	}
	// Where r2 is, recs[1]: check the name used above.
	if recs[1].ID != "r2" {
		t.Fatalf("test setup: second run is %s", recs[1].ID)
	}
}

func TestBudgetForceTrain(t *testing.T) {
	now := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	recs := []*record.Run{trainedRun("r1", now.Add(-time.Hour), 10)}
	b := &config.Budget{Max: 10, Window: "30d", WindowDuration: 30 * 24 * time.Hour, Currency: "USD"}
	held, reason := BudgetDecision(recs, now, b, usd, true)
	if !held || !strings.Contains(reason, "--force-train does not override a budget unless budget.forceTrainOverrides is true") {
		t.Fatalf("force without override: held %v, %q", held, reason)
	}
	b.ForceTrainOverrides = true
	held, reason = BudgetDecision(recs, now, b, usd, true)
	if held || !strings.Contains(reason, "overridden by --force-train (budget.forceTrainOverrides)") {
		t.Fatalf("force with override: held %v, %q", held, reason)
	}
	held, _ = BudgetDecision(recs, now, b, usd, false)
	if !held {
		t.Fatal("an override without --force-train released the budget")
	}
}

// TestBudgetUnknownCostFailsClosed: a run in the window whose cost is not
// known whole holds training, and so does a record with no resources.
func TestBudgetUnknownCostFailsClosed(t *testing.T) {
	now := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	b := &config.Budget{Max: 100, Window: "30d", WindowDuration: 30 * 24 * time.Hour, Currency: "USD"}
	unpriced := trainedRun("r1", now.Add(-time.Hour), 1)
	unpriced.Cost.Unpriced = []string{"p/train: settings.prices has no price for the dagger executor"}
	held, reason := BudgetDecision([]*record.Run{unpriced}, now, b, usd, false)
	if !held || !strings.Contains(reason, "what run r1 (unpriced: p/train: settings.prices has no price for the dagger executor) cost is not known") {
		t.Fatalf("held %v, %q", held, reason)
	}
	old := &record.Run{ID: "r0", StartedAt: now.Add(-time.Hour), Executor: "local",
		Steps: []record.Step{{ID: "p/train", Name: "train", Status: record.StepSucceeded}}}
	held, reason = BudgetDecision([]*record.Run{old}, now, b, usd, false)
	if !held || !strings.Contains(reason, "no resources to price") {
		t.Fatalf("held %v, %q", held, reason)
	}
	// A record from before prices were declared, with resources, is priced
	// at today's prices: 1800 CPU-seconds at $2 per CPU-hour.
	cpu := 1800.0
	noCost := &record.Run{ID: "r2", StartedAt: now.Add(-time.Hour), Executor: "local",
		Steps: []record.Step{{ID: "p/train", Name: "train", Status: record.StepSucceeded, Resources: &record.Resources{WallSeconds: 1800, CPUSeconds: &cpu}}}}
	held, reason = BudgetDecision([]*record.Run{noCost}, now, b, usd, false)
	if held || !strings.Contains(reason, "$1.00 of $100.00 spent") {
		t.Fatalf("held %v, %q", held, reason)
	}
}

func TestPriceStep(t *testing.T) {
	cpu := 3600.0
	prices := map[string]*config.Price{
		"local": {Currency: "USD", CPUHour: ptr(0.5), GPUHour: config.GPUPrice{ByKind: map[string]float64{"A100": 3, "H100": 4}},
			Runners: map[string]*config.Price{"big": {Hour: ptr(2.0)}, "gpu": {GPUHour: config.GPUPrice{Any: ptr(10.0)}}}},
		"dagger":      {Currency: "USD", GPUHour: config.GPUPrice{Any: ptr(2.5)}},
		"dagger-hour": {Currency: "USD", Hour: ptr(0.5)},
	}
	for _, c := range []struct {
		name, executor, runner string
		res                    record.Resources
		amount                 float64
		unpriced               string
	}{
		{"cpu", "local", "", record.Resources{WallSeconds: 7200, CPUSeconds: &cpu}, 0.5, ""},
		// A runner with its own price pays it, in the executor's currency;
		// one without pays the executor's.
		{"runner by the hour", "local", "big", record.Resources{WallSeconds: 7200, CPUSeconds: &cpu}, 4, ""},
		{"runner's gpu", "local", "gpu", record.Resources{WallSeconds: 1800, CPUSeconds: &cpu, GPUs: 1, GPUKinds: []string{"Tesla T4"}}, 5, ""},
		{"runner without gpuHour", "local", "big", record.Resources{WallSeconds: 1800, CPUSeconds: &cpu, GPUs: 1}, 0, "settings.prices.local.runners.big sets no gpuHour"},
		{"unlisted runner", "local", "other", record.Resources{WallSeconds: 7200, CPUSeconds: &cpu}, 0.5, ""},
		{"gpu by kind", "local", "", record.Resources{WallSeconds: 1800, CPUSeconds: &cpu, GPUs: 2, GPUKinds: []string{"NVIDIA A100-SXM4-80GB", "NVIDIA H100 80GB HBM3"}}, 0.5 + 1.5 + 2, ""},
		{"gpu kind unpriced", "local", "", record.Resources{WallSeconds: 1800, CPUSeconds: &cpu, GPUs: 1, GPUKinds: []string{"Tesla T4"}}, 0, `settings.prices.local.gpuHour has no price for GPU "Tesla T4"`},
		{"gpu kind unknown", "local", "", record.Resources{WallSeconds: 1800, CPUSeconds: &cpu, GPUs: 1}, 0, "the kind of its GPUs is unknown"},
		{"dagger gpu", "dagger", "", record.Resources{WallSeconds: 3600, GPUs: 2, CPUUnmeasured: "the dagger executor does not measure a step's CPU time"}, 5, ""},
		{"dagger cpu only", "dagger", "", record.Resources{WallSeconds: 3600, CPUUnmeasured: "x"}, 0, "settings.prices.dagger sets neither hour nor cpuHour"},
		{"dagger by the hour", "dagger-hour", "", record.Resources{WallSeconds: 1800, CPUUnmeasured: "x"}, 0.25, ""},
		{"no price", "other", "", record.Resources{WallSeconds: 3600}, 0, "settings.prices has no price for the other executor"},
	} {
		got := PriceStep(prices, c.executor, c.runner, &c.res)
		switch {
		case c.unpriced != "":
			if got.Amount != nil || !strings.Contains(got.Unpriced, c.unpriced) {
				t.Errorf("%s: got %+v, want unpriced %q", c.name, got, c.unpriced)
			}
		case got.Amount == nil || *got.Amount != c.amount:
			t.Errorf("%s: got %+v, want %g", c.name, got, c.amount)
		}
	}
	// Unpriced steps are listed, not counted as zero.
	steps := []record.Step{
		{ID: "p/a", Resources: &record.Resources{WallSeconds: 7200, CPUSeconds: &cpu}},
		{ID: "p/b", Resources: &record.Resources{WallSeconds: 60, CPUSeconds: &cpu, GPUs: 1, GPUKinds: []string{"Tesla T4"}}},
		{ID: "p/cached"},
	}
	rc := RunCost(steps, prices, "local", "")
	if rc.Amount != 0.5 || rc.Complete() || len(rc.Unpriced) != 1 || !strings.HasPrefix(rc.Unpriced[0], "p/b: ") {
		t.Fatalf("run cost %+v", rc)
	}
}

func TestGPUKinds(t *testing.T) {
	got := gpuKinds([]string{"GPU 0: NVIDIA H200 (UUID: GPU-1234)", "Tesla T4"})
	if got[0] != "NVIDIA H200" || got[1] != "Tesla T4" {
		t.Fatalf("%q", got)
	}
}

// TestMeasureAttempt: attempts add up their wall and CPU time; the GPUs
// the executor gave are kept by kind; an executor that does not measure CPU
// time leaves it unmeasured, with the reason.
func TestMeasureAttempt(t *testing.T) {
	c := &config.Container{GPUs: 1}
	var rs record.Step
	cpu := 2 * time.Second
	measureAttempt(&rs, &Local{}, c, 3*time.Second, nil, &StepError{ExitCode: 1, CPU: &cpu})
	measureAttempt(&rs, &Local{}, c, 5*time.Second, &StepResult{CPU: &cpu, GPUs: []string{"GPU 0: NVIDIA H200 (UUID: GPU-0f)"}}, nil)
	u := rs.Resources
	if u.WallSeconds != 8 || u.CPUSeconds == nil || *u.CPUSeconds != 4 || u.GPUs != 1 || len(u.GPUKinds) != 1 || u.GPUKinds[0] != "NVIDIA H200" {
		t.Fatalf("resources %+v", u)
	}
	prices := map[string]*config.Price{"local": {Currency: "USD", GPUHour: config.GPUPrice{ByKind: map[string]float64{"H200": 3600}}}}
	if got := PriceStep(prices, "local", "", u); got.Amount == nil || *got.Amount != 8 {
		t.Fatalf("cost %+v, want 8 (a dollar per GPU-second, 8 seconds)", got)
	}
	var ds record.Step
	measureAttempt(&ds, &Dagger{}, &config.Container{}, time.Second, &StepResult{}, nil)
	if ds.Resources.CPUSeconds != nil || ds.Resources.CPUUnmeasured != "the dagger executor does not measure a step's CPU time" {
		t.Fatalf("dagger resources %+v", ds.Resources)
	}
}
