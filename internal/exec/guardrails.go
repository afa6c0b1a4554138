package exec

import (
	"context"
	"fmt"
	"time"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/pos"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/table"
)

// HistoryError is a guardrail that cannot keep its promise because the run
// history it counts from does not outlive the run.
type HistoryError struct {
	Pipeline string
	// Pos is where the pipeline is declared.
	Pos pos.Pos
	// Why says why the history is lost (Options.HistoryLost).
	Why string
	// Budget is true when only the pipeline's budget counts from it.
	Budget bool
}

func (e *HistoryError) Error() string {
	what, seen := "trigger.minInterval and trigger.maxRetrains count earlier retrains", "no earlier retrain"
	if e.Budget {
		what, seen = "budget adds up what earlier runs spent", "nothing spent"
	}
	return fmt.Sprintf("pipeline %s (%s): %s from the run records, "+
		"but %s: every run would see %s. "+
		"Set settings.artifacts to a store that outlives the runner (s3://, gs://, azblob://, or on a self-hosted runner a file:// directory outside the checkout)", e.Pipeline, e.Pos, what, e.Why, seen)
}

// BudgetPriceError is a budget that cannot be kept because the executor
// that would run the pipeline's steps has no price: what they cost could
// not be added up.
type BudgetPriceError struct {
	Pipeline, Executor string
	// Pos is where the budget is declared.
	Pos pos.Pos
}

func (e *BudgetPriceError) Error() string {
	return fmt.Sprintf("%s: pipeline %s has a budget, but settings.prices has no price for the %s executor that would run its steps: "+
		"what they cost could not be counted against it. Declare settings: prices: %s: {...}, or run with an executor that has a price",
		e.Pos, e.Pipeline, e.Executor, e.Executor)
}

// checkHistory refuses, before any step runs, a pipeline whose guardrails
// count from run records that will not outlive this run, and a budget
// whose steps would run unpriced.
func (r *pipelineRun) checkHistory() error {
	tr := r.pp.Pipeline.Trigger
	b := r.pp.Pipeline.Budget
	if b != nil && r.plan.Settings.Prices[r.opt.Executor.Name()] == nil {
		return fault.Input(&BudgetPriceError{Pipeline: r.pp.Name, Executor: r.opt.Executor.Name(), Pos: b.Pos})
	}
	if r.opt.HistoryLost == "" || (tr.MinInterval == "" && tr.MaxRetrains == nil && !tr.OnDataArrival && b == nil) {
		return nil
	}
	return fault.Input(&HistoryError{Pipeline: r.pp.Name, Pos: r.pp.Pipeline.Pos, Why: r.opt.HistoryLost,
		Budget: b != nil && tr.MinInterval == "" && tr.MaxRetrains == nil && !tr.OnDataArrival})
}

// guardrails decides whether training may run now: not within
// trigger.minInterval of the last retrain, not past trigger.maxRetrains in
// its window (both counted from run records, so they hold across CI runners
// that share an artifact store), and not while labels lag. Every decision is
// recorded; --force-train overrides the first two, and the budget only
// where it says forceTrainOverrides.
func (r *pipelineRun) guardrails(ctx context.Context, s *plan.Step) (stepOutcome, bool) {
	tr := r.pp.Pipeline.Trigger
	now := r.opt.Now()
	hold := func(name, reason string) (stepOutcome, bool) {
		r.rec.Guardrails = append(r.rec.Guardrails, record.Guardrail{Name: name, Held: true, Reason: reason})
		return stepOutcome{status: record.StepSkipped, reason: "held by guardrail " + name + ": " + reason, stop: true,
			outcome: record.OutcomeHeld, skipReason: "training held by a guardrail: the current model is kept"}, true
	}
	pass := func(name, reason string) {
		r.rec.Guardrails = append(r.rec.Guardrails, record.Guardrail{Name: name, Reason: reason})
	}

	if tr.MinInterval != "" || tr.MaxRetrains != nil {
		recs, err := r.records(ctx)
		if err != nil {
			return failure(s, fmt.Errorf("the minInterval and maxRetrains guardrails cannot see earlier retrains: %w", err)), true
		}
		var trained []time.Time
		for _, rec := range recs {
			for _, st := range rec.Steps {
				if st.Name == string(plan.StepTrain) && (st.Status == record.StepSucceeded || st.Status == record.StepFailed) {
					trained = append(trained, rec.StartedAt)
				}
			}
		}
		if tr.MinInterval != "" {
			min := tr.MinIntervalDuration
			var last time.Time
			for _, t := range trained {
				if t.After(last) {
					last = t
				}
			}
			switch {
			case last.IsZero():
				pass("minInterval", "no earlier retrain")
			case now.Sub(last) >= min:
				pass("minInterval", fmt.Sprintf("last retrain %s ago, minInterval %s", roundAgo(now.Sub(last)), tr.MinInterval))
			case r.opt.ForceTrain:
				pass("minInterval", fmt.Sprintf("last retrain %s ago, within minInterval %s: overridden by --force-train", roundAgo(now.Sub(last)), tr.MinInterval))
			default:
				return hold("minInterval", fmt.Sprintf("last retrain %s ago (%s), within minInterval %s", roundAgo(now.Sub(last)), last.UTC().Format(time.RFC3339), tr.MinInterval))
			}
		}
		if m := tr.MaxRetrains; m != nil {
			window := m.WindowDuration
			n := 0
			for _, t := range trained {
				if now.Sub(t) < window {
					n++
				}
			}
			switch {
			case n < m.Count:
				pass("maxRetrains", fmt.Sprintf("%d retrain(s) in the last %s, at most %d", n, m.Window, m.Count))
			case r.opt.ForceTrain:
				pass("maxRetrains", fmt.Sprintf("%d retrain(s) in the last %s, at most %d: overridden by --force-train", n, m.Window, m.Count))
			default:
				return hold("maxRetrains", fmt.Sprintf("%d retrain(s) in the last %s already, at most %d", n, m.Window, m.Count))
			}
		}
	}

	if b := r.pp.Pipeline.Budget; b != nil {
		recs, err := r.records(ctx)
		if err != nil {
			return failure(s, fmt.Errorf("the budget guardrail cannot see what earlier runs spent: %w", err)), true
		}
		held, reason := BudgetDecision(recs, now, b, r.plan.Settings.Prices, r.opt.ForceTrain)
		if held {
			return hold("budget", reason)
		}
		pass("budget", reason)
	}

	if ll := tr.LabelLag; ll != nil {
		cur := r.current
		if cur == nil {
			var err error
			if cur, err = r.readData(ctx, plan.RoleCurrentData); err != nil {
				return dataFailure(ctx, s, err), true
			}
		}
		col := cur.Column(ll.Column)
		if col == nil {
			return inputFailure(s, &locatedError{pos: r.pp.Pipeline.FieldPos("trigger", "labelLag", "column").String(),
				err: fmt.Errorf("trigger.labelLag.column %q is not a column of %s", ll.Column, r.pp.Pipeline.Data.Current)}), true
		}
		lag := &record.LabelLag{Column: ll.Column}
		labeled := 0
		var newest time.Time
		for i := 0; i < col.Len(); i++ {
			v, kind, text := col.At(i)
			if kind == table.CellMissing {
				continue
			}
			labeled++
			if t, ok := parseTimestamp(v, kind, text); ok && t.After(newest) {
				newest = t
			}
		}
		if col.Len() > 0 {
			lag.LabeledShare = float64(labeled) / float64(col.Len())
		}
		if !newest.IsZero() {
			secs := now.Sub(newest).Seconds()
			lag.NewestLabel, lag.LagSeconds = &newest, &secs
		}
		r.rec.LabelLag = lag
		if lag.LabeledShare < ll.MinLabeledShare {
			return hold("labelLag", fmt.Sprintf("%.1f%% of current rows are labelled, at least %.1f%% required", 100*lag.LabeledShare, 100*ll.MinLabeledShare))
		}
		if ll.MaxLag != "" && lag.LagSeconds != nil {
			if now.Sub(newest) > ll.MaxLagDuration {
				return hold("labelLag", fmt.Sprintf("the newest label is %s old (%s), more than maxLag %s", roundAgo(now.Sub(newest)), newest.Format(time.RFC3339), ll.MaxLag))
			}
		}
		pass("labelLag", fmt.Sprintf("%.1f%% of current rows labelled", 100*lag.LabeledShare))
	}
	return stepOutcome{}, false
}

func roundAgo(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%.1fd", d.Hours()/24)
	case d >= time.Hour:
		return d.Round(time.Minute).String()
	default:
		return d.Round(time.Second).String()
	}
}
