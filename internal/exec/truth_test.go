package exec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
)

// countedTrain counts its runs in runs.txt beside the repository's data, so
// a test can tell a real training from a cached one.
const countedTrain = `#!/bin/sh
echo run >> COUNT
printf 'weights' > "$CTGIT_MODEL_PATH"
printf '{"auc": 0.9, "slices": {"a": {"auc": 0.9}}}' > "$CTGIT_METRICS_FILE"
`

// gatedPipeline is pipeline() with the relative gate and no firstRun: the
// default policy applies.
func gatedPipeline(extra string) string {
	return strings.Replace(pipeline(`command: ["sh", "train.sh"]`, extra), "\t\tfirstRun: \"promote\"\n", "", 1)
}

// statusPromoter answers every promotion with one status.
type statusPromoter struct {
	status record.PromotionStatus
	calls  int
}

func (p *statusPromoter) Promote(_ context.Context, _ *plan.PipelinePlan, _ *record.Run, version, current string) (*record.Promotion, error) {
	p.calls++
	pr := &record.Promotion{Status: p.status, From: current, To: version, Branch: "ctgit/m"}
	if p.status == record.PromotionRefused {
		pr.Reason = "branch ctgit/m has commits ctgit did not write"
	}
	return pr, nil
}

func TestFirstRunBlocksBeforeTrainingWhileAVersionIsDeployed(t *testing.T) {
	r := newRepo(t, gatedPipeline(""), map[string]string{"train/train.sh": okTrain})
	res := r.run(runOpts{})
	rec := res.Records[0]
	if fault.KindOf(res.Err) != fault.CheckFailed || rec.Outcome != record.OutcomeGatesFailed {
		t.Fatalf("outcome %s, err %v", rec.Outcome, res.Err)
	}
	want := []string{"validate=succeeded", "drift=succeeded", "train=skipped", "evaluate=skipped", "promote=skipped"}
	if diff := cmp.Diff(want, statuses(rec)); diff != "" {
		t.Fatalf("steps (-want +got):\n%s", diff)
	}
	if rec.Steps[2].Attempts != 0 || rec.Candidate != nil {
		t.Errorf("training ran: %+v, candidate %+v", rec.Steps[2], rec.Candidate)
	}
	if len(rec.Gates) != 1 || rec.Gates[0].Passed || !strings.Contains(rec.Gates[0].Reason, `evaluate.firstRun is "block" (the default while a version is deployed)`) ||
		!strings.Contains(rec.Gates[0].Reason, "no run record promoted m 1.0.0") || rec.Gates[0].Pos.IsZero() {
		t.Errorf("gates %+v", rec.Gates)
	}
}

func TestFirstRunPromotesTheFirstModel(t *testing.T) {
	for _, v := range []string{"", "0.0.0"} {
		r := newRepo(t, gatedPipeline(""), map[string]string{"train/train.sh": okTrain,
			"deploy/model.cue": "model: {\n\tversion: \"" + v + "\"\n\tartifact: \"none\"\n}\n"})
		res := r.run(runOpts{})
		rec := res.Records[0]
		if v == "" {
			// An empty version is no version yet: the relative gate
			// says so, and the first promotion writes 0.1.0.
			if rec.Gates == nil || !rec.Gates[1].Skipped || !strings.Contains(rec.Gates[1].Reason, "holds no version yet") {
				t.Errorf("version %q: gates %+v", v, rec.Gates)
			}
			continue
		}
		if res.Err != nil || rec.Outcome != record.OutcomePassed || !rec.Gates[1].Skipped ||
			!strings.Contains(rec.Gates[1].Reason, "the first model is decided on the other gates") {
			t.Errorf("version %q: outcome %s, err %v, gates %+v", v, rec.Outcome, res.Err, rec.Gates)
		}
	}
}

func TestBaselineWithoutTheGatedMetricBlocks(t *testing.T) {
	// The deployed model's run recorded no "auc": a relative gate on it
	// cannot be evaluated, and fails closed.
	noAUC := strings.Replace(okTrain, `"auc": 0.9, `, ``, 1)
	onSlices := strings.Replace(pipeline(`command: ["sh", "train.sh"]`, ""),
		`[{metric: "auc", min: 0.5}, {metric: "auc", maxDropFromBaseline: 0.1}]`, `[{metric: "slices.a.auc", min: 0.5}]`, 1)
	r := newRepo(t, onSlices, map[string]string{"train/train.sh": noAUC})
	if res := r.run(runOpts{promoter: &statusPromoter{status: record.PromotionOpened}}); res.Err != nil {
		t.Fatalf("first run: %v", res.Err)
	}
	r.write("deploy/model.cue", "model: {\n\tversion: \"1.1.0\"\n\tartifact: \"none\"\n}\n")
	r.write("train/train.sh", okTrain)
	r.write("pipelines/p.cue", gatedPipeline(""))
	res := r.run(runOpts{promoter: &statusPromoter{status: record.PromotionOpened}})
	rec := res.Records[0]
	// The deployed model's artifact was handed to training, which wrote
	// no same-data section: the gate fails after training, and says so.
	last := rec.Gates[len(rec.Gates)-1]
	if fault.KindOf(res.Err) != fault.CheckFailed || rec.Outcome != record.OutcomeGatesFailed ||
		!strings.Contains(last.Reason, "recorded no auc") || !strings.Contains(last.Reason, `wrote no "baseline" section`) {
		t.Fatalf("outcome %s, err %v, gates %+v", rec.Outcome, res.Err, rec.Gates)
	}
}

func TestAlreadyDeployedOpensNothing(t *testing.T) {
	for _, withField := range []bool{true, false} {
		pipe := pipeline(`command: ["sh", "train.sh"]`, "")
		if !withField {
			pipe = strings.Replace(pipe, `, artifact: "model.artifact"`, ``, 1)
		}
		r := newRepo(t, pipe, map[string]string{"train/train.sh": okTrain})
		p := &statusPromoter{status: record.PromotionOpened}
		first := r.run(runOpts{promoter: p})
		if first.Err != nil || first.Records[0].Outcome != record.OutcomePromoted {
			t.Fatalf("first run: %s %v", first.Records[0].Outcome, first.Err)
		}
		// Merge the promotion: the target now holds what was promoted.
		c := first.Records[0].Candidate
		r.write("deploy/model.cue", "model: {\n\tversion: \"1.1.0\"\n\tartifact: \""+c.URI+"@"+c.Digest+"\"\n}\n")
		for i := 0; i < 2; i++ { // and once more, from the cache
			res := r.run(runOpts{promoter: p})
			rec := res.Records[0]
			if res.Err != nil || rec.Outcome != record.OutcomeAlreadyDeployed || p.calls != 1 {
				t.Fatalf("field %v, rerun %d: outcome %s, err %v, promotions %d", withField, i, rec.Outcome, res.Err, p.calls)
			}
			if rec.Promotion == nil || rec.Promotion.Status != record.PromotionAlreadyDeployed || !strings.Contains(rec.Reason, "is the deployed model m 1.1.0") {
				t.Errorf("field %v: promotion %+v, reason %q", withField, rec.Promotion, rec.Reason)
			}
		}
	}
}

func TestRefusedPromotionIsACheckThatSaidNo(t *testing.T) {
	r := newRepo(t, pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{"train/train.sh": okTrain})
	res := r.run(runOpts{promoter: &statusPromoter{status: record.PromotionRefused}})
	rec := res.Records[0]
	if fault.KindOf(res.Err) != fault.CheckFailed || rec.Outcome != record.OutcomeRefused || rec.Steps[4].Status != record.StepFailed {
		t.Fatalf("outcome %s, err %v, promote %+v", rec.Outcome, res.Err, rec.Steps[4])
	}
	if !strings.Contains(res.Err.Error(), "commits ctgit did not write") {
		t.Errorf("error %v", res.Err)
	}
}

func TestPromotionIsNeverAnsweredFromTheCache(t *testing.T) {
	r := newRepo(t, pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{"train/train.sh": okTrain})
	p := &statusPromoter{status: record.PromotionOpened}
	r.run(runOpts{promoter: p})
	p.status = record.PromotionRefused // a human closed the pull request
	res := r.run(runOpts{promoter: p})
	rec := res.Records[0]
	if p.calls != 2 || rec.Outcome != record.OutcomeRefused || rec.Steps[3].Status != record.StepCached {
		t.Fatalf("promotions %d, outcome %s, steps %v", p.calls, rec.Outcome, statuses(rec))
	}
}

func TestForceTrainTrainsAgain(t *testing.T) {
	r := newRepo(t, pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{"train/train.sh": countedTrain})
	count := filepath.Join(r.root, "count.txt")
	r.write("train/train.sh", strings.Replace(countedTrain, "COUNT", count, 1))
	r.run(runOpts{})
	rec := r.run(runOpts{force: true}).Records[0]
	b, _ := os.ReadFile(count)
	if n := strings.Count(string(b), "run"); n != 2 || rec.Steps[2].Status != record.StepSucceeded || rec.Steps[3].Status != record.StepSucceeded {
		t.Fatalf("trainings %d, steps %v", n, statuses(rec))
	}
}

func TestGuardrailsFailClosedOnTheirHistory(t *testing.T) {
	extra := `trigger: {minInterval: "1h"}`
	t.Run("unreadable record", func(t *testing.T) {
		r := newRepo(t, pipeline(`command: ["sh", "train.sh"]`, extra), map[string]string{"train/train.sh": okTrain,
			".ctgit/artifacts/runs/p/20261101T000000Z-abcdef.json": "{not json"})
		res := r.run(runOpts{})
		rec := res.Records[0]
		if fault.KindOf(res.Err) != fault.Infrastructure || rec.Outcome != record.OutcomeFailed || rec.Candidate != nil ||
			!strings.Contains(res.Err.Error(), "20261101T000000Z-abcdef.json") {
			t.Fatalf("outcome %s, err %v, train %+v", rec.Outcome, res.Err, rec.Steps[2])
		}
	})
	t.Run("runner-local store in CI", func(t *testing.T) {
		r := newRepo(t, pipeline(`command: ["sh", "train.sh"]`, extra), map[string]string{"train/train.sh": okTrain})
		res := r.run(runOpts{lost: "the artifact store is a directory of this runner"})
		rec := res.Records[0]
		if fault.KindOf(res.Err) != fault.BadInput || rec.Outcome != record.OutcomeFailed || !strings.Contains(res.Err.Error(), "Set settings.artifacts") {
			t.Fatalf("outcome %s, err %v", rec.Outcome, res.Err)
		}
		for _, s := range rec.Steps {
			if s.Status != record.StepSkipped {
				t.Errorf("step %s ran: %s", s.Name, s.Status)
			}
		}
		// Without guardrails that count retrains, the store is fine.
		r.write("pipelines/p.cue", pipeline(`command: ["sh", "train.sh"]`, ""))
		if res := r.run(runOpts{lost: "the artifact store is a directory of this runner"}); res.Err != nil {
			t.Fatalf("without minInterval: %v", res.Err)
		}
	})
}

// TestLiveAndCachedRunsAgree runs each scenario twice, live and then from
// the step cache, and compares what the two records claim field by field:
// only the step statuses and timing may differ.
func TestLiveAndCachedRunsAgree(t *testing.T) {
	failing := strings.Replace(okTrain, `"auc": 0.9`, `"auc": 0.4`, 1)
	cases := []struct {
		name     string
		pipe     string
		files    map[string]string
		promoter *statusPromoter
	}{
		{"promoted", pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{"train/train.sh": okTrain}, &statusPromoter{status: record.PromotionOpened}},
		{"promotion disabled", pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{"train/train.sh": okTrain}, nil},
		{"unchanged", pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{"train/train.sh": okTrain}, &statusPromoter{status: record.PromotionUnchanged}},
		{"refused", pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{"train/train.sh": okTrain}, &statusPromoter{status: record.PromotionRefused}},
		{"gates failed", pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{"train/train.sh": failing}, nil},
		{"no drift", pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{"train/train.sh": okTrain, "data/cur.csv": refCSV}, nil},
		{"invalid data", pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{"train/train.sh": okTrain, "data/cur.csv": "x,c\n-1,a\n-2,b\n"}, nil},
		{"first run blocked", gatedPipeline(""), map[string]string{"train/train.sh": okTrain}, nil},
	}
	ignore := cmp.Options{
		cmpopts.IgnoreFields(record.Run{}, "ID", "StartedAt", "FinishedAt", "DurationSeconds", "Steps", "Trigger"),
		cmpopts.IgnoreFields(record.Promotion{}, "OpenedAt"),
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newRepo(t, tc.pipe, tc.files)
			opts := func() runOpts {
				if tc.promoter == nil {
					return runOpts{}
				}
				return runOpts{promoter: tc.promoter}
			}
			live := r.run(opts())
			cached := r.run(opts())
			if fault.KindOf(live.Err) != fault.KindOf(cached.Err) {
				t.Errorf("failure kind live %s (%v), cached %s (%v)", fault.KindOf(live.Err), live.Err, fault.KindOf(cached.Err), cached.Err)
			}
			a, b := live.Records[0], cached.Records[0]
			if diff := cmp.Diff(a, b, ignore); diff != "" {
				t.Errorf("live and cached records differ (-live +cached):\n%s", diff)
			}
			if len(a.Steps) != len(b.Steps) {
				t.Fatalf("steps live %v, cached %v", statuses(a), statuses(b))
			}
			for i := range a.Steps {
				ls, cs := a.Steps[i], b.Steps[i]
				if cs.Status == record.StepCached {
					// A cached step says since when, then the same verdict.
					if _, verdict, ok := strings.Cut(cs.Reason, " UTC; "); ok {
						cs.Reason = verdict
					}
					if ls.Status == record.StepSucceeded || ls.Status == record.StepFailed {
						cs.Status = ls.Status
					}
				}
				if ls.Status != cs.Status || ls.Reason != cs.Reason {
					t.Errorf("step %s: live %s %q, cached %s %q", ls.Name, ls.Status, ls.Reason, cs.Status, cs.Reason)
				}
			}
		})
	}
}

func TestTamperedCachedOutputsAreACacheMiss(t *testing.T) {
	r := newRepo(t, pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{"train/train.sh": okTrain})
	if res := r.run(runOpts{}); res.Err != nil {
		t.Fatal(res.Err)
	}
	models, _ := filepath.Glob(filepath.Join(r.root, ".ctgit", "cache", "outputs", "*", "model"))
	if len(models) != 1 {
		t.Fatalf("cached model outputs: %v", models)
	}
	if err := os.WriteFile(models[0], []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := r.run(runOpts{})
	rec := res.Records[0]
	if res.Err != nil || rec.Steps[2].Status != record.StepSucceeded || rec.Outcome != record.OutcomePassed {
		t.Fatalf("rerun: %v, steps %v", res.Err, statuses(rec))
	}
	if again := r.run(runOpts{}).Records[0]; again.Steps[2].Status != record.StepCached {
		t.Errorf("after the recompute the result is cached again: %v", statuses(again))
	}
}
