package exec

import (
	"context"
	"fmt"

	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/semver"
)

// promote computes the new version and hands the candidate to the
// promoter, unless the candidate is the model already deployed.
func (r *pipelineRun) promote(ctx context.Context, s *plan.Step) stepOutcome {
	p := r.pp.Pipeline
	base, err := r.findBaseline(ctx)
	if err != nil {
		return failure(s, err)
	}
	if d := r.deployedArtifact(base); r.rec.Candidate != nil && d.Digest != "" && d.Digest == r.rec.Candidate.Digest {
		return r.promoted(s, &record.Promotion{Status: record.PromotionAlreadyDeployed, From: base.Version, To: base.Version,
			Reason: fmt.Sprintf("the candidate %s is the deployed model %s %s (%s): nothing to promote", digest.Short(d.Digest), p.Model.Name, base.Version, d.Where)})
	}
	next, err := semver.NextVersion(base.Version, p.Promote.Scheme, p.Promote.Bump)
	if err != nil {
		return inputFailure(s, fmt.Errorf("%s %s: %w", p.Model.Target.File, p.Model.Target.Path, err))
	}
	if r.rec.Candidate != nil {
		r.rec.Candidate.Version = next
	}
	if r.opt.Promoter == nil {
		return r.promoted(s, &record.Promotion{Status: record.PromotionDisabled, From: base.Version, To: next, Branch: p.PromotionBranch(""),
			Reason: "promotion disabled (--promote none)"})
	}
	r.accountCost(ctx) // the pull request shows what the candidate cost
	pr, err := r.opt.Promoter.Promote(ctx, r.pp, r.rec, next, base.Version)
	if err != nil {
		if ctx.Err() != nil {
			return canceled(s)
		}
		code := fault.KindOf(err)
		return stepOutcome{status: record.StepFailed, reason: err.Error(), stop: true, outcome: record.OutcomeFailed,
			skipReason: "promotion failed", err: fault.As(code, fmt.Errorf("%s: %w", s.ID, err))}
	}
	return r.promoted(s, pr)
}

// promoted derives the promote step's result and the run's outcome from
// what the promotion did: only an opened or updated pull request is a
// promotion, and a refusal is a check that said no.
func (r *pipelineRun) promoted(s *plan.Step, pr *record.Promotion) stepOutcome {
	r.rec.Promotion = pr
	out := stepOutcome{status: record.StepSucceeded, reason: promotionReason(pr)}
	switch pr.Status {
	case record.PromotionOpened, record.PromotionUpdated:
		out.outcome = record.OutcomePromoted
	case record.PromotionUnchanged:
		out.outcome = record.OutcomeUnchanged
	case record.PromotionAlreadyDeployed:
		out.outcome = record.OutcomeAlreadyDeployed
	case record.PromotionSuperseded:
		out.outcome = record.OutcomeSuperseded
	case record.PromotionDisabled, record.PromotionDryRun:
		out.status, out.outcome = record.StepSkipped, record.OutcomePassed
	case record.PromotionRefused:
		out.status, out.outcome = record.StepFailed, record.OutcomeRefused
		out.err = fault.Check(fmt.Errorf("%s: promotion refused: %s", s.ID, pr.Reason))
	default:
		out.status, out.outcome = record.StepFailed, record.OutcomeFailed
		out.err = fault.Infra(fmt.Errorf("%s: the promoter answered an unknown status %q", s.ID, pr.Status))
	}
	return out
}

func promotionReason(pr *record.Promotion) string {
	where := pr.URL
	if where == "" {
		where = pr.Branch
	}
	switch pr.Status {
	case record.PromotionUnchanged:
		return fmt.Sprintf("the target already holds %s", pr.To)
	case record.PromotionOpened, record.PromotionUpdated:
		return fmt.Sprintf("promotion %s → %s %s: %s", pr.From, pr.To, pr.Status, where)
	case record.PromotionDisabled:
		return fmt.Sprintf("the candidate passed its gates; promotion disabled: would bump %s → %s", pr.From, pr.To)
	case record.PromotionAlreadyDeployed:
		return "already deployed: " + pr.Reason
	case record.PromotionRefused, record.PromotionSuperseded:
		return fmt.Sprintf("promotion %s → %s %s: %s", pr.From, pr.To, pr.Status, pr.Reason)
	}
	return fmt.Sprintf("promotion %s → %s: %s", pr.From, pr.To, pr.Status)
}
