package exec

import (
	"context"
	"fmt"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
)

// validateResult is what the validate step stores in the step cache.
type validateResult struct {
	Reference record.Dataset `json:"reference"`
	Current   record.Dataset `json:"current"`
	Checks    []record.Check `json:"checks"`
}

// validate reads the current data and runs the declared checks.
func (r *pipelineRun) validate(ctx context.Context, s *plan.Step) stepOutcome {
	p := r.pp.Pipeline
	cur, err := r.readData(ctx, plan.RoleCurrentData)
	if err != nil {
		return dataFailure(ctx, s, err)
	}
	r.current = cur
	res := validateResult{Current: r.dataset(s, plan.RoleCurrentData, cur.Rows), Reference: r.dataset(s, plan.RoleReferenceData, 0), Checks: checkData(cur, p.Checks)}
	out := r.validated(s, res, stepOutcome{status: record.StepSucceeded})
	if out.status == record.StepSucceeded {
		// Only passing checks are cached: failing data is read again.
		if err := r.put(s, res, ""); err != nil {
			return infraFailure(s, err)
		}
	}
	return out
}

// validated derives the validate step's result from its checks, live or
// cached.
func (r *pipelineRun) validated(s *plan.Step, res validateResult, out stepOutcome) stepOutcome {
	r.rec.Data = record.Data{Reference: res.Reference, Current: res.Current}
	r.rec.Checks = res.Checks
	var failed []string
	for _, c := range res.Checks {
		if !c.Passed {
			where := c.Check
			if c.Column != "" {
				where = c.Column + " " + c.Check
			}
			failed = append(failed, fmt.Sprintf("%s (%s, declared at %s)", where, c.Detail, c.Pos))
		}
	}
	if len(failed) > 0 {
		msg := fmt.Sprintf("%d data check(s) failed: %s", len(failed), joinSemi(failed))
		return stepOutcome{status: record.StepFailed, reason: msg, stop: true, outcome: record.OutcomeInvalidData,
			skipReason: "the current data failed its checks; the current model is kept", err: fault.Check(fmt.Errorf("%s: %s", s.ID, msg))}
	}
	out.reason = joinReason(out.reason, fmt.Sprintf("%d rows, %d checks passed", res.Current.Rows, len(res.Checks)))
	return out
}

// dataset describes a data input of a step, with its row count when known.
func (r *pipelineRun) dataset(_ *plan.Step, role plan.InputRole, rows int) record.Dataset {
	// Any step that reads the file has its digest (validate reads only
	// the current data; drift and training read both).
	for _, st := range r.pp.Steps {
		for _, in := range st.Inputs {
			if in.Role == role {
				d := recordDataset(in, rows)
				if in.Deployed && r.deployedRef != nil {
					snap := r.deployedRef
					d.Path, d.Digest, d.Note = snap.Source, snap.Digest, r.deployedNote
					d.Objects, d.Window, d.Manifest = len(snap.Objects), snap.Window, snap.Objects
				}
				return d
			}
		}
	}
	p := r.pp.Pipeline
	path := p.Data.Current
	if role == plan.RoleReferenceData {
		path = p.Data.Reference
	}
	return record.Dataset{Path: path, Rows: rows}
}
