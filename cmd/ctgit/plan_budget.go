package main

import (
	"context"
	"time"

	"github.com/ctgit/ctgit/internal/artifact"
	"github.com/ctgit/ctgit/internal/exec"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
)

// planBudget says, for each planned pipeline with a budget whose training
// would run, what the budget would decide, from the run records in the
// artifact store: a budget that would be exceeded holds training in the
// plan, as it will in the run. A store that cannot be read leaves the
// decision to the run, and the plan says so.
func planBudget(ctx context.Context, p *plan.Plan, env environment, forceTrain bool, now time.Time) {
	var store artifact.Store
	var openErr error
	for _, pp := range p.Pipelines {
		if !pp.Selected || pp.Pipeline == nil || pp.Pipeline.Budget == nil {
			continue
		}
		train := pp.Step(plan.StepTrain)
		if train == nil || train.Action == plan.ActionSkip || train.Action == plan.ActionCached {
			continue
		}
		if store == nil && openErr == nil {
			store, openErr = openStore(ctx, p, env)
			if openErr == nil {
				defer store.Close()
			}
		}
		err := openErr
		if err == nil {
			var recs []*record.Run
			if recs, err = store.Records(ctx, pp.Name); err == nil {
				held, why := exec.BudgetDecision(recs, now, pp.Pipeline.Budget, p.Settings.Prices, forceTrain)
				if !held {
					train.Reason += "; budget: " + why
					continue
				}
				train.Action, train.Reason = plan.ActionSkip, "held by guardrail budget: "+why
				for _, s := range pp.Steps {
					if s.Name == plan.StepEvaluate || s.Name == plan.StepPromote {
						s.Action, s.Reason = plan.ActionSkip, "no candidate: training is held by the budget"
					}
				}
				continue
			}
		}
		train.Reason += "; budget: decided when it runs, the run records cannot be read here (" + err.Error() + ")"
	}
}
