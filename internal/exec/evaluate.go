package exec

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/semver"
)

// evaluateResult is what the evaluate step stores in the step cache.
type evaluateResult struct {
	Gates    []record.Gate    `json:"gates"`
	Passed   bool             `json:"passed"`
	Baseline *record.Baseline `json:"baseline,omitempty"`
	Current  string           `json:"current"`
}

// evaluate applies the gates to the candidate's metrics.
func (r *pipelineRun) evaluate(ctx context.Context, s *plan.Step) stepOutcome {
	p := r.pp.Pipeline
	base, err := r.findBaseline(ctx)
	if err != nil {
		return failure(s, err)
	}
	if err := r.sameData(base); err != nil {
		return inputFailure(s, fmt.Errorf("evaluate.metrics: %w", err))
	}
	deployed := comparison{same: base.SameData}
	if base.RunID != "" {
		deployed.recorded = base.Metrics
	}
	size, err := sizeOf(filepath.Join(r.trainDir, filepath.FromSlash(p.Train.Model)))
	if err != nil {
		return inputFailure(s, err)
	}
	gates, err := evaluateGates(p.Evaluate.Gates, r.gateMetrics(), deployed, size, p.Evaluate.Metrics)
	if err != nil {
		return inputFailure(s, err)
	}
	for i := range gates {
		if gates[i].Skipped {
			gates[i] = r.unevaluable(p.Evaluate.Gates[i], base, gates[i].Candidate)
		}
	}
	passed := true
	for _, g := range gates {
		passed = passed && g.Passed
	}
	ev := evaluateResult{Gates: gates, Passed: passed, Baseline: base, Current: base.Version}
	if err := r.put(s, ev, ""); err != nil {
		return infraFailure(s, err)
	}
	return r.evaluated(s, ev, stepOutcome{status: record.StepSucceeded})
}

// gateMetrics are the metrics gates read: the training's, and under each
// step of the user's that wrote a metrics file, its metrics
// ("robustness.auc"). vet keeps step names apart from the training
// metrics' sections.
func (r *pipelineRun) gateMetrics() map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.stepMetrics) == 0 {
		return r.metrics
	}
	m := make(map[string]any, len(r.metrics)+len(r.stepMetrics))
	for k, v := range r.metrics {
		m[k] = v
	}
	for step, sm := range r.stepMetrics {
		m[step] = sm
	}
	return m
}

// evaluated derives the evaluate step's result from the gates' verdicts,
// live or cached.
func (r *pipelineRun) evaluated(s *plan.Step, ev evaluateResult, out stepOutcome) stepOutcome {
	r.rec.Gates, r.baseline, r.curVer, r.gatesOK = ev.Gates, ev.Baseline, ev.Current, ev.Passed
	r.rec.Baseline = ev.Baseline
	if !ev.Passed {
		status := record.StepFailed
		if out.status == record.StepCached {
			status = record.StepCached
		}
		msg := failedGates(ev.Gates)
		return stepOutcome{status: status, reason: msg, stop: true, outcome: record.OutcomeGatesFailed,
			skipReason: "the candidate failed its gates; the current model is kept", err: fault.Check(errors.New(msg))}
	}
	out.reason = joinReason(out.reason, fmt.Sprintf("%d gate(s) passed", len(ev.Gates)))
	return out
}

// unevaluable is the verdict on a gate relative to the deployed model
// whose baseline metric is unknown: it fails (fail closed) unless
// evaluate.firstRun says to promote on the other gates, and its reason
// says which and how to change it.
func (r *pipelineRun) unevaluable(g config.Gate, base *record.Baseline, cand *float64) record.Gate {
	p := r.pp.Pipeline
	out := record.Gate{Metric: g.Metric, Candidate: cand, Pos: g.Pos, Kind: "maxDropFromBaseline"}
	if g.MaxDropFromBaseline != nil {
		out.Threshold = *g.MaxDropFromBaseline
	} else {
		out.Kind, out.Threshold = "maxRiseFromBaseline", *g.MaxRiseFromBaseline
	}
	var why string
	switch {
	case semver.NoVersionYet(base.Version):
		why = fmt.Sprintf("%s holds no version yet, so there is no deployed model to compare with", p.Model.Target.File)
	case base.SameData != nil:
		why = fmt.Sprintf("the deployed model %s %s, scored on the same rows, has no %s in the %q section of %s, and ",
			p.Model.Name, base.Version, g.Metric, sameDataKey, p.Evaluate.Metrics)
		if base.RunID == "" {
			why += fmt.Sprintf("no run record promoted %s %s", p.Model.Name, base.Version)
		} else {
			why += fmt.Sprintf("the run that promoted it (%s) recorded none", base.RunID)
		}
	case base.RunID == "":
		why = fmt.Sprintf("no run record promoted %s %s, so its %s is unknown", p.Model.Name, base.Version, g.Metric)
	default:
		why = fmt.Sprintf("the run that promoted %s %s (%s) recorded no %s", p.Model.Name, base.Version, base.RunID, g.Metric)
	}
	// When no artifact of it is known, the reason above already says all
	// there is to say.
	if base.Unscored != "" && r.deployedArtifact(base).Digest != "" {
		why += "; it was not scored on the same rows: " + base.Unscored
	}
	policy := p.Evaluate.FirstRunPolicy(base.Version)
	if policy == "promote" {
		out.Passed, out.Skipped = true, true
		out.Reason = fmt.Sprintf("not evaluated: %s; evaluate.firstRun is \"promote\": decided on the other gates", why)
		if p.Evaluate.FirstRun == "" {
			out.Reason = fmt.Sprintf("not evaluated: %s; the first model is decided on the other gates", why)
		}
		return out
	}
	out.Reason = fmt.Sprintf("cannot be evaluated: %s; evaluate.firstRun is \"block\"%s: set it to \"promote\" to decide this run on the other gates",
		why, map[bool]string{true: " (the default while a version is deployed)", false: ""}[p.Evaluate.FirstRun == ""])
	return out
}

// baselineHold stops a run before training when a gate relative to the
// deployed model could not be evaluated and evaluate.firstRun blocks: the
// candidate could never pass, so no time is spent training it. A step
// handed the deployed model may still score it on the same rows: that
// decides after training.
func (r *pipelineRun) baselineHold(ctx context.Context, s *plan.Step) (stepOutcome, bool) {
	p := r.pp.Pipeline
	if p.Evaluate == nil || r.pp.Step(plan.StepEvaluate) == nil || r.handed.Digest != "" {
		return stepOutcome{}, false
	}
	var rel []config.Gate
	for _, g := range p.Evaluate.Gates {
		if g.Relative() {
			rel = append(rel, g)
		}
	}
	if len(rel) == 0 {
		return stepOutcome{}, false
	}
	base, err := r.findBaseline(ctx)
	if err != nil {
		return failure(s, err), true
	}
	if p.Evaluate.FirstRunPolicy(base.Version) != "block" {
		return stepOutcome{}, false
	}
	var blocked []record.Gate
	for _, g := range rel {
		if _, ok := base.Metrics[g.Metric]; base.RunID != "" && ok {
			continue
		}
		blocked = append(blocked, r.unevaluable(g, base, nil))
	}
	if len(blocked) == 0 {
		return stepOutcome{}, false
	}
	r.rec.Gates, r.rec.Baseline = blocked, base
	msg := failedGates(blocked)
	return stepOutcome{status: record.StepSkipped, reason: "not trained: " + msg, stop: true, outcome: record.OutcomeGatesFailed,
		skipReason: "a gate cannot be evaluated; the current model is kept", err: fault.Check(errors.New(msg))}, true
}

func failedGates(gates []record.Gate) string {
	var out []string
	for _, g := range gates {
		if !g.Passed {
			out = append(out, fmt.Sprintf("gate failed: %s (declared at %s)", g.Reason, g.Pos))
		}
	}
	return joinSemi(out)
}

func sizeOf(path string) (int64, error) {
	var n int64
	err := filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return nil
	})
	return n, err
}
