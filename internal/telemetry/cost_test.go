package telemetry_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/exec"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/report"
	"github.com/ctgit/ctgit/internal/telemetry"
)

// TestCostAgrees prices a run's steps as a run does, writes its record,
// and reads the cost back from the three places that show it: the record's
// JSON, the pull request body and the metrics. They must agree.
func TestCostAgrees(t *testing.T) {
	gpu := 3.0
	prices := map[string]*config.Price{"local": {Currency: "USD", CPUHour: &[]float64{0.5}[0],
		GPUHour: config.GPUPrice{ByKind: map[string]float64{"A100": gpu}}}}
	cpu := 5400.0 // 1.5 CPU-hours
	steps := []record.Step{
		{ID: "fraud/features", Name: "features", Status: record.StepSucceeded,
			Resources: &record.Resources{WallSeconds: 600, CPUSeconds: &cpu}},
		{ID: "fraud/train", Name: "train", Status: record.StepSucceeded,
			Resources: &record.Resources{WallSeconds: 5760, CPUSeconds: &cpu, GPUs: 2, GPUKinds: []string{"NVIDIA A100-SXM4-80GB", "NVIDIA A100-SXM4-80GB"}}},
		{ID: "fraud/evaluate", Name: "evaluate", Status: record.StepSucceeded},
	}
	for i := range steps {
		if steps[i].Resources != nil {
			steps[i].Cost = exec.PriceStep(prices, "local", "", steps[i].Resources)
		}
	}
	cand, base := 0.879, 0.875
	started := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	r := record.New("20261130T060000Z-abcdef", "fraud", "fraud-detector", started)
	r.FinishedAt, r.Executor, r.Outcome, r.Steps = started.Add(2*time.Hour), "local", record.OutcomePromoted, steps
	r.Gates = []record.Gate{{Kind: "maxDropFromBaseline", Metric: "auc", Candidate: &cand, Baseline: &base, Threshold: 0.01,
		Passed: true, BaselineSource: record.BaselineSameData, Rows: 2000}}
	r.Cost = exec.RunCost(r.Steps, prices, "local", "")
	r.Budget = &record.Budget{Currency: "USD", Max: 100, Window: "30d", SpentBefore: 20, Runs: 3}
	r.Budget.Spent = r.Budget.SpentBefore + r.Cost.Amount
	r.Budget.Remaining = r.Budget.Max - r.Budget.Spent

	// 1.5 + 1.5 CPU-hours at $0.50, 3.2 GPU-hours at $3: $11.10.
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back record.Run
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	recorded := back.Cost.Amount
	if math.Abs(recorded-11.1) > 1e-9 || !back.Cost.Complete() || math.Abs(back.Cost.GPUHours-3.2) > 1e-9 {
		t.Fatalf("recorded cost %+v", back.Cost)
	}

	var pr bytes.Buffer
	if err := report.PullRequest(&pr, &back, nil, report.Links{}); err != nil {
		t.Fatal(err)
	}
	const line = "**Cost** +0.004 auc over the deployed model on the same 2000 rows for 3.2 GPU-hours, $11.10"
	if !strings.Contains(pr.String(), line) {
		t.Fatalf("pull request body has no line %q:\n%s", line, pr.String())
	}
	m := regexp.MustCompile(`\*\*Cost\*\* .*, \$([0-9.]+)\n`).FindStringSubmatch(pr.String())
	shown, _ := strconv.ParseFloat(m[1], 64)
	if math.Abs(shown-recorded) > 0.005 {
		t.Errorf("pull request shows %g, record %g", shown, recorded)
	}
	if !strings.Contains(pr.String(), "**Budget** $31.10 of $100.00 spent in the last 30d (3 runs), $68.90 remaining") {
		t.Errorf("pull request body has no budget line:\n%s", pr.String())
	}

	text, err := telemetry.Text(&back)
	if err != nil {
		t.Fatal(err)
	}
	metric := func(name string) float64 {
		t.Helper()
		m := regexp.MustCompile(`(?m)^` + name + `\{[^}]*\} (\S+)$`).FindSubmatch(text)
		if m == nil {
			t.Fatalf("no %s in\n%s", name, text)
		}
		v, err := strconv.ParseFloat(string(m[1]), 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if !bytes.Contains(text, []byte(`ctgit_retrain_cost{currency="USD",model="fraud-detector",pipeline="fraud"}`)) {
		t.Errorf("ctgit_retrain_cost without its currency label:\n%s", text)
	}
	for name, want := range map[string]float64{
		"ctgit_retrain_cost":        recorded,
		"ctgit_retrain_gpu_seconds": back.Cost.GPUHours * 3600,
		"ctgit_budget_spent":        back.Budget.Spent,
		"ctgit_budget_remaining":    back.Budget.Remaining,
		"ctgit_budget_limit":        100,
		"ctgit_budget_spent_ratio":  back.Budget.Spent / 100,
	} {
		if got := metric(name); math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %g, record says %g", name, got, want)
		}
	}
}

// TestCostUnpricedShown: a run with an unpriced step says so in the pull
// request, and exports no cost that would read as the whole.
func TestCostUnpricedShown(t *testing.T) {
	r := record.New("r1", "fraud", "fraud-detector", time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC))
	r.Executor, r.Outcome = "dagger", record.OutcomeGatesFailed
	r.Steps = []record.Step{{ID: "fraud/train", Name: "train", Status: record.StepSucceeded,
		Resources: &record.Resources{WallSeconds: 60, CPUUnmeasured: "the dagger executor does not measure a step's CPU time"}}}
	r.Cost = exec.RunCost(r.Steps, map[string]*config.Price{"local": {Currency: "USD", CPUHour: &[]float64{1}[0]}}, "dagger", "")
	var pr bytes.Buffer
	if err := report.PullRequest(&pr, r, nil, report.Links{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pr.String(), "**Cost** unpriced (fraud/train: settings.prices has no price for the dagger executor)") {
		t.Errorf("pull request body:\n%s", pr.String())
	}
	text, err := telemetry.Text(r)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(text, []byte("ctgit_retrain_cost")) {
		t.Errorf("an unpriced run exported a cost:\n%s", text)
	}
}

// TestDashboardCostPanel: the executive row (the dashboard's first)
// shows retrain spend next to freshness and cadence.
func TestDashboardCostPanel(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "monitoring", "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Type    string          `json:"type"`
			Title   string          `json:"title"`
			GridPos struct{ Y int } `json:"gridPos"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			if p.GridPos.Y == 1 && strings.Contains(tg.Expr, "ctgit_budget_spent{") {
				return
			}
		}
	}
	t.Error("no panel of the first row shows ctgit_budget_spent")
}
