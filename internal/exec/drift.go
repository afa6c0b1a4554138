package exec

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/dataset"
	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/table"
)

// drift compares the data through the executor.
func (r *pipelineRun) drift(ctx context.Context, s *plan.Step) stepOutcome {
	p := r.pp.Pipeline
	req := DriftRequest{
		Step:    s,
		Format:  r.readFormat(),
		Policy:  DriftPolicy(p),
		RefName: dataset.Redact(p.Data.Reference),
		CurName: dataset.Redact(p.Data.Current),
	}
	var err error
	if req.RefInput, err = r.dataInput(ctx, plan.RoleReferenceData); err != nil {
		return dataFailure(ctx, s, err)
	}
	if req.CurInput, err = r.dataInput(ctx, plan.RoleCurrentData); err != nil {
		return dataFailure(ctx, s, err)
	}
	if p.Data.ReferenceDeployed {
		// Now known: which objects the deployed model was trained on.
		r.rec.Data.Reference = r.dataset(s, plan.RoleReferenceData, 0)
		req.RefName = r.rec.Data.Reference.Path
	}
	if r.opt.Executor.Name() == "local" {
		req.Profile = r.referenceProfile(ctx)
	} else {
		// A container is handed files: each dataset as one.
		if req.Reference, req.Format, err = r.dataFile(ctx, plan.RoleReferenceData); err != nil {
			return dataFailure(ctx, s, err)
		}
		var curFormat string
		if req.Current, curFormat, err = r.dataFile(ctx, plan.RoleCurrentData); err != nil {
			return dataFailure(ctx, s, err)
		}
		if curFormat != req.Format {
			return inputFailure(s, fmt.Errorf("the reference data is %s and the current data %s: drift compares data of one format", req.Format, curFormat))
		}
	}
	rep, err := r.opt.Executor.Drift(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return canceled(s)
		}
		var ie *table.InputError
		if errors.As(err, &ie) {
			// Located at the field of the dataset the file is part of.
			switch {
			case req.CurInput.Holds(ie.File):
				err = r.dataErr(plan.RoleCurrentData, err)
			case req.RefInput.Holds(ie.File):
				err = r.dataErr(plan.RoleReferenceData, err)
			}
			return inputFailure(s, err)
		}
		if fault.KindOf(err) == fault.BadInput {
			return inputFailure(s, err)
		}
		return infraFailure(s, err)
	}
	if err := r.put(s, rep, ""); err != nil {
		return infraFailure(s, err)
	}
	out := stepOutcome{status: record.StepSucceeded}
	if t, ok := r.opt.Executor.(DriftRanTeller); ok {
		if ran, ok := t.DriftRan(rep); ok {
			in := ran.Image
			if in == "" {
				in = ran.Program
			}
			r.rec.DriftRanIn = in
			out.reason = "ran in " + in
		}
	}
	// Whether the reference came from its profile is in the record's
	// drift report (referenceProfile), not in the step's reason: the
	// reason is the result, which a cached rerun repeats word for word.
	return r.afterDrift(rep, out)
}

// referenceProfile is where the local executor keeps the reference's
// profile: in the step cache, by the reference snapshot's digest (known
// from the plan, by file identity, without reading the data) and the
// build's. nil, and no profile, when either is unknown.
func (r *pipelineRun) referenceProfile(ctx context.Context) *drift.ProfileSpec {
	snap, err := r.dataSnapshot(ctx, plan.RoleReferenceData)
	if err != nil || snap.Digest == "" {
		return nil
	}
	build, err := drift.BuildIdentity(r.opt.Memo)
	if err != nil {
		return nil
	}
	return &drift.ProfileSpec{Dir: r.opt.Cache.ProfilesDir(), ReferenceDigest: snap.Digest, Build: build}
}

// afterDrift records the drift verdict and decides whether training runs.
func (r *pipelineRun) afterDrift(rep *plan.DriftResult, out stepOutcome) stepOutcome {
	r.rec.Drift = rep
	r.drifted = &rep.Drifted
	r.rec.Data.Reference.Rows, r.rec.Data.Current.Rows = rep.Reference.Rows, rep.Current.Rows
	n := 0
	for _, c := range rep.Columns {
		if c.Drifted {
			n++
		}
	}
	verdict := fmt.Sprintf("%d of %d columns drifted (share %.2f, threshold %.2f)", n, len(rep.Columns), rep.DriftShare, rep.ShareThreshold)
	out.reason = joinReason(out.reason, verdict)
	p := r.pp.Pipeline
	switch {
	case !rep.Drifted && p.Trigger.OnDrift && !r.opt.ForceTrain && r.pp.Step(plan.StepTrain) != nil && r.sliBreach == "":
		out.stop, out.outcome = true, record.OutcomeNoDrift
		out.skipReason = "no drift: current model kept"
		out.reason = "no drift: " + verdict
	case !rep.Drifted && r.sliBreach != "":
		out.reason = joinReason(out.reason, "no drift, but "+r.sliBreach+" breached on the deployed version (trigger.onSLIBreach): training runs")
	}
	return out
}

// DriftPolicy turns a pipeline's checks into the drift package's policy.
// Drift covers every column present in both data files, or only those of
// drift.columns when given; the columns of p.DriftExclusions (drift.skip,
// and the label-lag column, as a label is not a feature) are left out, and
// the report names them with their reasons.
func DriftPolicy(p *config.Pipeline) drift.Policy {
	var pol drift.Policy
	c := p.Checks
	if c == nil || c.Drift == nil {
		return pol
	}
	d := c.Drift
	pol.Method = d.Method
	pol.Threshold = d.Threshold
	share, null := d.Share, d.NullShare
	pol.Share, pol.NullShareThreshold = &share, &null
	if d.Correction != "none" {
		pol.Correction = drift.Correction(d.Correction)
	}
	pol.Subset, pol.SubsetFrom = d.Columns, p.DriftColumnsFrom()
	pol.Exclude = p.DriftExclusions()
	names := make([]string, 0, len(c.Columns))
	for n := range c.Columns {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		col := c.Columns[n]
		if col.Drift != nil && col.Drift.Skip {
			continue
		}
		if col.Type == "category" || col.Type == "string" || col.Type == "bool" {
			pol.Categorical = append(pol.Categorical, n)
		}
		if col.Drift != nil {
			if pol.Columns == nil {
				pol.Columns = map[string]drift.ColumnPolicy{}
			}
			pol.Columns[n] = drift.ColumnPolicy{Method: col.Drift.Method, Threshold: col.Drift.Threshold}
		}
	}
	return pol
}
