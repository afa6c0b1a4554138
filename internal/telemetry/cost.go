package telemetry

import "github.com/ctgit/ctgit/internal/record"

// Cost metrics: what a retrain cost and where the pipeline's budget stands,
// in the repository's currency (the currency label). A run whose cost is
// not known whole (an unpriced step) exports no cost: a partial sum would
// read as the whole.
var (
	retrainCost = metric{"ctgit_retrain_cost", "What the last run that trained cost: its priced steps' CPU- and GPU-hours at settings.prices.",
		[]string{"currency"}}
	retrainGPUSeconds = metric{"ctgit_retrain_gpu_seconds", "GPU time the steps of the last run that trained held (wall time × GPUs requested).", nil}
	budgetSpent       = metric{"ctgit_budget_spent", "What the pipeline's runs within its budget window spent, the last run included.",
		[]string{"currency", "window"}}
	budgetLimit = metric{"ctgit_budget_limit", "The pipeline's budget for its window (budget.max).",
		[]string{"currency", "window"}}
	budgetRemaining = metric{"ctgit_budget_remaining", "Budget left in the window after the last run (negative when over).",
		[]string{"currency", "window"}}
	budgetSpentRatio = metric{"ctgit_budget_spent_ratio", "Share of the budget spent in its window (spent / limit).", []string{"window"}}
	costMetrics      = []metric{retrainCost, retrainGPUSeconds, budgetSpent, budgetLimit, budgetRemaining, budgetSpentRatio}
)

// cost sets the cost metrics of a run: the retrain's cost when the run
// trained and every step it ran is priced, and the budget when the
// pipeline has one.
func (b *builder) cost(r *record.Run) {
	if c := r.Cost; c != nil && c.Complete() && trained(r) {
		b.set(retrainCost, c.Amount, c.Currency)
		b.set(retrainGPUSeconds, c.GPUHours*3600)
	}
	if bu := r.Budget; bu != nil {
		b.set(budgetSpent, bu.Spent, bu.Currency, bu.Window)
		b.set(budgetLimit, bu.Max, bu.Currency, bu.Window)
		b.set(budgetRemaining, bu.Remaining, bu.Currency, bu.Window)
		if bu.Max > 0 {
			b.set(budgetSpentRatio, bu.Spent/bu.Max, bu.Window)
		}
	}
}

// trained reports whether the run's training step ran.
func trained(r *record.Run) bool {
	for _, s := range r.Steps {
		if s.Name == "train" && s.Resources != nil {
			return true
		}
	}
	return false
}
