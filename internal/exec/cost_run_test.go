package exec

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/record"
)

// busyTrain burns CPU before it writes a model, so that its measured CPU
// time is well above zero.
const busyTrain = `#!/bin/sh
i=0
while [ $i -lt 100000 ]; do i=$((i+1)); done
printf 'weights' > "$CTGIT_MODEL_PATH"
printf '{"auc": 0.9, "slices": {"a": {"auc": 0.9}}}' > "$CTGIT_METRICS_FILE"
`

// TestBudgetSequence runs a pipeline on a controlled clock, at a dollar per
// CPU-second, against a budget per two days of one and a half times what
// the first retrain measured: a forced retrain an hour later is held (one
// like the last would exceed it, and --force-train does not override a
// budget), and once the first run has left the window, training runs
// again.
func TestBudgetSequence(t *testing.T) {
	day := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	r := newRepo(t, pipeline(`command: ["sh", "train.sh"]`, `budget: {max: 1000, window: "2d"}`), map[string]string{
		"train/train.sh":         busyTrain,
		"pipelines/settings.cue": "package pipelines\n\nsettings: prices: local: {currency: \"USD\", cpuHour: 3600}\n",
	})
	first := r.run(runOpts{now: day})
	if first.Err != nil {
		t.Fatal(first.Err)
	}
	rec := first.Records[0]
	train := rec.Steps[2]
	if train.Status != record.StepSucceeded || train.Resources == nil || train.Resources.CPUSeconds == nil || *train.Resources.CPUSeconds <= 0 {
		t.Fatalf("train %+v resources %+v", train, train.Resources)
	}
	cpu := *train.Resources.CPUSeconds
	if train.Cost == nil || train.Cost.Amount == nil || *train.Cost.Amount != cpu {
		t.Fatalf("train cost %+v, want %g (a dollar per CPU-second)", train.Cost, cpu)
	}
	if rec.Cost == nil || rec.Cost.Amount != cpu || !rec.Cost.Complete() {
		t.Fatalf("run cost %+v", rec.Cost)
	}
	if b := rec.Budget; b == nil || b.SpentBefore != 0 || b.Spent != cpu || b.Runs != 1 {
		t.Fatalf("budget %+v", rec.Budget)
	}

	max := 1.5 * cpu
	r.write("pipelines/p.cue", pipeline(`command: ["sh", "train.sh"]`, fmt.Sprintf(`budget: {max: %g, window: "2d"}`, max)))
	held := r.run(runOpts{now: day.Add(time.Hour), force: true}).Records[0]
	want := fmt.Sprintf("held by guardrail budget: %s of %s spent in the last 2d; a retrain like the last one (run %s, %s) would bring it to %s, over the budget; --force-train does not override a budget",
		record.Money(cpu, "USD"), record.Money(max, "USD"), rec.ID, record.Money(cpu, "USD"), record.Money(2*cpu, "USD"))
	if held.Outcome != record.OutcomeHeld || !strings.HasPrefix(held.Steps[2].Reason, want) {
		t.Fatalf("an hour later: outcome %s, train %q", held.Outcome, held.Steps[2].Reason)
	}
	if held.Cost == nil || held.Cost.Amount != 0 || held.Budget.SpentBefore != cpu || held.Budget.Runs != 2 {
		t.Fatalf("held run: cost %+v budget %+v", held.Cost, held.Budget)
	}

	// Two days and two hours on, both runs have left the window.
	again := r.run(runOpts{now: day.Add(50 * time.Hour), force: true}).Records[0]
	if again.Steps[2].Status != record.StepSucceeded {
		t.Fatalf("after the window: %+v", again.Steps[2])
	}
	var g *record.Guardrail
	for i := range again.Guardrails {
		if again.Guardrails[i].Name == "budget" {
			g = &again.Guardrails[i]
		}
	}
	if g == nil || g.Held || !strings.HasPrefix(g.Reason, "$0.00 of "+record.Money(max, "USD")+" spent in the last 2d") {
		t.Fatalf("budget guardrail %+v", g)
	}
	if again.Budget.SpentBefore != 0 || again.Budget.Runs != 1 {
		t.Fatalf("budget after the window %+v", again.Budget)
	}
}

// TestUnpricedStep: a step on an executor without a price is unpriced,
// with the reason, and the run's cost says so rather than reading zero.
func TestUnpricedStep(t *testing.T) {
	r := newRepo(t, pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{
		"train/train.sh":         busyTrain,
		"pipelines/settings.cue": "package pipelines\n\nsettings: prices: dagger: {currency: \"EUR\", hour: 1}\n",
	})
	res := r.run(runOpts{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	rec := res.Records[0]
	train := rec.Steps[2]
	if train.Cost == nil || train.Cost.Amount != nil || train.Cost.Unpriced != "settings.prices has no price for the local executor" {
		t.Fatalf("train cost %+v", train.Cost)
	}
	if rec.Cost.Complete() || rec.Cost.Currency != "EUR" || len(rec.Cost.Unpriced) != 1 || rec.Cost.Unpriced[0] != "p/train: settings.prices has no price for the local executor" {
		t.Fatalf("run cost %+v", rec.Cost)
	}
}

// TestBudgetWithoutPriceRefused: a budget whose executor has no price
// cannot be kept; the run stops before any step, as bad input.
func TestBudgetWithoutPriceRefused(t *testing.T) {
	r := newRepo(t, pipeline(`command: ["sh", "train.sh"]`, `budget: {max: 1, window: "30d"}`), map[string]string{
		"train/train.sh":         busyTrain,
		"pipelines/settings.cue": "package pipelines\n\nsettings: prices: dagger: {currency: \"USD\", hour: 1}\n",
	})
	res := r.run(runOpts{})
	var bpe *BudgetPriceError
	if fault.KindOf(res.Err) != fault.BadInput || !errors.As(res.Err, &bpe) {
		t.Fatalf("err %v (%v)", res.Err, fault.KindOf(res.Err))
	}
	for _, s := range res.Records[0].Steps {
		if s.Status != record.StepSkipped {
			t.Errorf("step %s %s before the refusal", s.Name, s.Status)
		}
	}
}
