package exec

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
)

// cpuMeasurer is an executor that measures the CPU time of a step's
// processes (StepResult.CPU, StepError.CPU). An executor that is not one
// leaves every step's CPU time unmeasured, and says so.
type cpuMeasurer interface{ MeasuresCPU() bool }

// MeasuresCPU implements cpuMeasurer: the local executor reads the
// resource usage of each step's process when it is reaped.
func (l *Local) MeasuresCPU() bool { return true }

// measureAttempt adds one attempt of a container step to what the step
// used: its wall time, its CPU time when the executor measured it, and the
// GPUs it requested and was given.
func measureAttempt(rs *record.Step, exec Executor, c *config.Container, wall time.Duration, res *StepResult, err error) {
	u := rs.Resources
	if u == nil {
		u = &record.Resources{GPUs: c.GPUs}
		if m, ok := exec.(cpuMeasurer); ok && m.MeasuresCPU() {
			u.CPUSeconds = new(float64)
		} else {
			u.CPUUnmeasured = "the " + exec.Name() + " executor does not measure a step's CPU time"
		}
		rs.Resources = u
	}
	u.WallSeconds += wall.Seconds()
	var cpu *time.Duration
	switch {
	case res != nil:
		cpu = res.CPU
		if len(res.GPUs) > 0 {
			u.GPUKinds = gpuKinds(res.GPUs)
		}
	default:
		if se, ok := err.(*StepError); ok {
			cpu = se.CPU
		}
	}
	if u.CPUSeconds != nil && cpu != nil {
		*u.CPUSeconds += cpu.Seconds()
	}
}

// gpuKinds turns `nvidia-smi -L` lines ("GPU 0: NVIDIA A100-SXM4-80GB
// (UUID: GPU-…)") into device names ("NVIDIA A100-SXM4-80GB").
func gpuKinds(devices []string) []string {
	out := make([]string, len(devices))
	for i, d := range devices {
		if _, after, ok := strings.Cut(d, ": "); ok && strings.HasPrefix(d, "GPU ") {
			d = after
		}
		if i := strings.Index(d, " (UUID"); i >= 0 {
			d = d[:i]
		}
		out[i] = strings.TrimSpace(d)
	}
	return out
}

// PriceStep is what a step that used res cost on executor, on the runner
// labelled runner ("" for none), at prices (config.Lookup): its wall time
// at hour, plus the measured CPU-hours at cpuHour, plus the GPU-hours at
// the price of each GPU's kind. A part without a price, or without a
// measure, makes the step unpriced, never free.
func PriceStep(prices map[string]*config.Price, executor, runner string, res *record.Resources) *record.StepCost {
	p, field := config.Lookup(prices, executor, runner)
	if p == nil {
		return &record.StepCost{Unpriced: fmt.Sprintf("settings.prices has no price for the %s executor", executor)}
	}
	unpriced := func(format string, args ...any) *record.StepCost {
		return &record.StepCost{Currency: p.Currency, Unpriced: fmt.Sprintf(format, args...)}
	}
	amount := 0.0
	if p.Hour != nil {
		amount += res.WallSeconds / 3600 * *p.Hour
	}
	switch {
	case p.CPUHour != nil && res.CPUSeconds == nil:
		return unpriced("its CPU time is unmeasured (%s)", res.CPUUnmeasured)
	case p.CPUHour != nil:
		amount += res.CPUHours() * *p.CPUHour
	case res.GPUs == 0 && p.Hour == nil:
		return unpriced("%s sets neither hour nor cpuHour", field)
	}
	if res.GPUs > 0 {
		if p.GPUHour.IsZero() {
			return unpriced("it held %d GPU(s) and %s sets no gpuHour", res.GPUs, field)
		}
		for i := range res.GPUs {
			kind := ""
			if i < len(res.GPUKinds) {
				kind = res.GPUKinds[i]
			}
			price, _, ok := p.GPUHour.For(kind)
			if !ok {
				if kind == "" {
					return unpriced("the kind of its GPUs is unknown and %s.gpuHour prices GPUs by kind without \"*\"", field)
				}
				return unpriced("%s.gpuHour has no price for GPU %q (name a kind it contains, or \"*\")", field, kind)
			}
			amount += res.WallSeconds / 3600 * price
		}
	}
	return &record.StepCost{Currency: p.Currency, Amount: &amount}
}

// RunCost sums what the steps of a run cost: every step that used
// resources, priced at prices on executor and runner (PriceStep). Steps
// without a price are listed as such.
func RunCost(steps []record.Step, prices map[string]*config.Price, executor, runner string) *record.Cost {
	c := &record.Cost{}
	for _, p := range prices {
		c.Currency = p.Currency
		break
	}
	for _, s := range steps {
		if s.Resources == nil {
			continue
		}
		c.CPUHours += s.Resources.CPUHours()
		c.GPUHours += s.Resources.GPUHours()
		sc := s.Cost
		if sc == nil {
			sc = PriceStep(prices, executor, runner, s.Resources)
		}
		switch {
		case sc.Amount == nil:
			c.Unpriced = append(c.Unpriced, s.ID+": "+sc.Unpriced)
		case sc.Currency != c.Currency:
			c.Unpriced = append(c.Unpriced, fmt.Sprintf("%s: priced in %s, not %s", s.ID, sc.Currency, c.Currency))
		default:
			c.Amount += *sc.Amount
		}
	}
	return c
}

// trainedIn reports whether a run record ran a container step: its
// training, or a step it recorded resources for.
func trainedIn(rec *record.Run) bool {
	for _, s := range rec.Steps {
		if s.Resources != nil {
			return true
		}
		if s.Name == string(plan.StepTrain) && (s.Status == record.StepSucceeded || s.Status == record.StepFailed) {
			return true
		}
	}
	return false
}

// costOf is what an earlier run cost in currency: its recorded cost, or,
// for a run recorded before prices were declared, its recorded resources
// at today's prices. ok is false when the cost is not known whole; why
// then says why.
func costOf(rec *record.Run, prices map[string]*config.Price, currency string) (amount float64, ok bool, why string) {
	if !trainedIn(rec) {
		return 0, true, ""
	}
	c := rec.Cost
	if c == nil || c.Currency != currency {
		for _, s := range rec.Steps {
			if (s.Name == string(plan.StepTrain) && (s.Status == record.StepSucceeded || s.Status == record.StepFailed)) && s.Resources == nil {
				return 0, false, "its record has no resources to price (written by a ctgit that did not record them)"
			}
		}
		stripped := make([]record.Step, len(rec.Steps))
		for i, s := range rec.Steps {
			s.Cost = nil
			stripped[i] = s
		}
		c = RunCost(stripped, prices, rec.Executor, rec.Runner)
	}
	if !c.Complete() {
		return c.Amount, false, "unpriced: " + strings.Join(c.Unpriced, "; ")
	}
	return c.Amount, true, ""
}

// Spend is what a pipeline's earlier runs spent within a budget's window.
type Spend struct {
	// Amount is the sum of the runs' costs within the window.
	Amount float64
	// Runs counts the runs within the window.
	Runs int
	// Unknown lists the runs within the window whose cost is not known
	// whole, "run-id (why)": Amount is then a lower bound.
	Unknown []string
	// Last is the newest run (of any age) that trained and whose cost is
	// known, nil when there is none: a retrain is expected to cost as much.
	Last *record.Run
	// LastAmount is what Last cost.
	LastAmount float64
}

// BudgetSpend adds up what recs spent within b's window before now.
func BudgetSpend(recs []*record.Run, now time.Time, b *config.Budget, prices map[string]*config.Price) Spend {
	var s Spend
	sorted := append([]*record.Run{}, recs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].StartedAt.After(sorted[j].StartedAt) })
	for _, rec := range sorted {
		amount, ok, why := costOf(rec, prices, b.Currency)
		// A run recorded in the future (a clock ahead) counts, as it does
		// for maxRetrains: leaving it out would loosen the budget.
		if now.Sub(rec.StartedAt) < b.WindowDuration {
			s.Runs++
			s.Amount += amount
			if !ok {
				s.Unknown = append(s.Unknown, fmt.Sprintf("%s (%s)", rec.ID, why))
			}
		}
		if s.Last == nil && ok && trainedIn(rec) {
			s.Last, s.LastAmount = rec, amount
		}
	}
	return s
}

// BudgetDecision decides whether a pipeline's budget lets training run
// now, and says why, from the pipeline's earlier run records. It fails
// closed: a run within the window whose cost is not known whole holds
// training, as does a budget already spent, or one a retrain like the last
// would exceed. --force-train (force) passes only where the budget says
// forceTrainOverrides.
func BudgetDecision(recs []*record.Run, now time.Time, b *config.Budget, prices map[string]*config.Price, force bool) (held bool, reason string) {
	s := BudgetSpend(recs, now, b, prices)
	money := func(v float64) string { return record.Money(v, b.Currency) }
	spent := fmt.Sprintf("%s of %s spent in the last %s", money(s.Amount), money(b.Max), b.Window)
	why := ""
	switch {
	case len(s.Unknown) > 0:
		why = fmt.Sprintf("%s at least, but what run %s cost is not known: price every executor and GPU kind the steps ran on in settings.prices, or wait until the run leaves the window", spent, strings.Join(s.Unknown, ", "))
	case s.Amount >= b.Max:
		why = spent + ": the budget is used up"
	case s.Last != nil && s.Amount+s.LastAmount > b.Max:
		why = fmt.Sprintf("%s; a retrain like the last one (run %s, %s) would bring it to %s, over the budget",
			spent, s.Last.ID, money(s.LastAmount), money(s.Amount+s.LastAmount))
	default:
		return false, fmt.Sprintf("%s, %s remaining", spent, money(b.Max-s.Amount))
	}
	if force && b.ForceTrainOverrides {
		return false, why + ": overridden by --force-train (budget.forceTrainOverrides)"
	}
	if force {
		why += "; --force-train does not override a budget unless budget.forceTrainOverrides is true"
	}
	return true, why
}

// accountCost prices the steps that ran and sums the run's cost, and
// states the pipeline's budget as the run leaves it: before a promotion
// (the pull request shows the steps done by then) and again at the end.
// Without prices there is nothing to price; a budget whose history cannot
// be read is left out of the record (training was already held by it
// when it mattered).
func (r *pipelineRun) accountCost(ctx context.Context) {
	prices := r.plan.Settings.Prices
	if len(prices) == 0 {
		return
	}
	r.mu.Lock()
	for i := range r.rec.Steps {
		s := &r.rec.Steps[i]
		if s.Resources != nil && s.Cost == nil {
			s.Cost = PriceStep(prices, r.rec.Executor, r.rec.Runner, s.Resources)
		}
	}
	r.rec.Cost = RunCost(r.rec.Steps, prices, r.rec.Executor, r.rec.Runner)
	r.mu.Unlock()
	b := r.pp.Pipeline.Budget
	if b == nil {
		return
	}
	recs, err := r.records(ctx)
	if err != nil {
		return
	}
	s := BudgetSpend(recs, r.rec.StartedAt, b, prices)
	st := &record.Budget{Currency: b.Currency, Max: b.Max, Window: b.Window, SpentBefore: s.Amount, Runs: s.Runs + 1}
	st.Spent = st.SpentBefore + r.rec.Cost.Amount
	st.Remaining = b.Max - st.Spent
	r.rec.Budget = st
}

// cpuTime is the CPU time a reaped process and the children it waited for
// used; nil when the process was not reaped.
func cpuTime(ps *os.ProcessState) *time.Duration {
	if ps == nil {
		return nil
	}
	d := ps.UserTime() + ps.SystemTime()
	return &d
}
