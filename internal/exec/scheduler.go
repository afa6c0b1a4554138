package exec

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/ctgit/ctgit/internal/artifact"
	"github.com/ctgit/ctgit/internal/cache"
	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/fsutil"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/rewrite"
	"github.com/ctgit/ctgit/internal/table"
)

// Options configure a run.
type Options struct {
	Executor  Executor
	Cache     *cache.Store
	Memo      *digest.Memo
	Artifacts artifact.Store
	// RunsDir keeps a local copy of every run record (.ctgit/runs).
	RunsDir string
	// Parallel is how many pipelines run at once (1 when zero).
	Parallel int
	// ForceTrain trains without drift and past the minInterval and
	// maxRetrains guardrails (never past minRows).
	ForceTrain bool
	Trigger    record.Trigger
	CI         *record.CI
	// Promoter opens promotions; nil runs with promotion disabled.
	Promoter Promoter
	// Observe receives progress events; nil discards them.
	Observe func(Event)
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// RetryBase is the first retry's backoff, doubled each retry (1s when
	// zero); RetryMax caps it (1m when zero).
	RetryBase, RetryMax time.Duration
	// Environ is where secrets are read from (os.Environ when nil).
	Environ []string
	// HistoryLost says why the artifact store's run records will not
	// outlive this run ("the artifact store file://… is a directory of this
	// GitHub-hosted runner"); "" when they will. Guardrails that count from
	// the records refuse to run on such a store.
	HistoryLost string
}

// Promoter turns a candidate that passed its gates into a promotion.
// internal/promote implements it; cmd/ctgit wires the two together, so
// that neither imports the other.
type Promoter interface {
	// Promote promotes run, a run of pipeline p whose gates passed, to
	// version; current is the version the target holds.
	Promote(ctx context.Context, p *plan.PipelinePlan, run *record.Run, version, current string) (*record.Promotion, error)
}

// Result is the outcome of a run: one record per pipeline that ran, in
// plan order, and the exit code the run deserves.
type Result struct {
	Records []*record.Run
	// Err is the most severe error (infrastructure, then bad input, then a
	// check that said no), nil when every pipeline succeeded.
	Err error
}

// Run executes the selected pipelines of p.
func Run(ctx context.Context, p *plan.Plan, opt Options) *Result {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Parallel < 1 {
		opt.Parallel = 1
	}
	if opt.RetryBase == 0 {
		opt.RetryBase = time.Second
	}
	if opt.RetryMax == 0 {
		opt.RetryMax = time.Minute
	}
	if opt.Memo == nil {
		opt.Memo = digest.NewMemo()
	}
	var selected []*plan.PipelinePlan
	for _, pp := range p.Pipelines {
		if pp.Selected {
			selected = append(selected, pp)
		}
	}
	records := make([]*record.Run, len(selected))
	errs := make([]error, len(selected))
	sem := make(chan struct{}, opt.Parallel)
	var wg sync.WaitGroup
	for i, pp := range selected {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			pr := &pipelineRun{opt: &opt, plan: p, pp: pp}
			records[i], errs[i] = pr.run(ctx)
		}()
	}
	wg.Wait()
	return &Result{Records: records, Err: mostSevere(errs)}
}

// mostSevere picks the error whose kind matters most: an infrastructure
// failure, then bad input, then a check that said no (fault.Kind's order).
func mostSevere(errs []error) error {
	var worst error
	for _, err := range errs {
		if err != nil && (worst == nil || fault.KindOf(err) > fault.KindOf(worst)) {
			worst = err
		}
	}
	return worst
}

// pipelineRun is the state of one pipeline's run.
type pipelineRun struct {
	opt  *Options
	plan *plan.Plan
	pp   *plan.PipelinePlan
	rec  *record.Run

	// Results carried between steps.
	current   *table.Table
	drifted   *bool
	trainDir  string // outputs of the training step
	metrics   map[string]any
	candidate *record.Artifact
	gatesOK   bool
	baseline  *record.Baseline
	curVer    string
	history   []*record.Run
}

// stepOutcome is what a step handler decided.
type stepOutcome struct {
	status record.StepStatus
	reason string
	// stop ends the pipeline after this step: the remaining steps are
	// skipped with skipReason, and the run ends with outcome.
	stop       bool
	outcome    record.Outcome
	skipReason string
	// err is returned from the run (its exit code counts).
	err error
}

func newRunID(now time.Time) string {
	var b [3]byte
	rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

func (r *pipelineRun) emit(e Event) {
	if r.opt.Observe != nil {
		e.Time = r.opt.Now()
		e.Pipeline = r.pp.Name
		r.opt.Observe(e)
	}
}

func (r *pipelineRun) run(ctx context.Context) (*record.Run, error) {
	p := r.pp.Pipeline
	start := r.opt.Now()
	r.rec = record.New(newRunID(start), p.Name, p.Model.Name, start)
	r.rec.Pos = p.Pos.String()
	r.rec.SourceCommit = r.plan.Commit
	r.rec.Executor = r.opt.Executor.Name()
	r.rec.Trigger = r.opt.Trigger
	if r.rec.Trigger.At.IsZero() {
		r.rec.Trigger.At = start
	}
	r.rec.CI = r.opt.CI
	r.emit(Event{Kind: EventPipelineStart, Message: fmt.Sprintf("run %s of %s", r.rec.ID, p.Model.Name)})

	err := r.checkHistory()
	if err != nil {
		r.rec.Outcome, r.rec.Reason = record.OutcomeFailed, err.Error()
		for _, s := range r.pp.Steps {
			r.rec.Steps = append(r.rec.Steps, record.Step{ID: s.ID, Name: string(s.Name), Key: s.Key, Pos: s.Pos.String(), Status: record.StepSkipped, Reason: "not run: a guardrail cannot keep its promise"})
		}
	} else {
		err = r.walk(ctx)
	}
	r.noteDeployed()

	r.rec.FinishedAt = r.opt.Now()
	r.rec.DurationSeconds = r.rec.FinishedAt.Sub(start).Seconds()
	// The record is written even when the run was interrupted, with a
	// context of its own, so an interrupted run still says what happened.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if werr := r.writeRecord(wctx); werr != nil && err == nil {
		err = werr
	}
	r.emit(Event{Kind: EventPipelineDone, Outcome: r.rec.Outcome, Message: r.rec.Reason})
	return r.rec, err
}

// walk runs the steps in DAG order, each when the steps it needs are done,
// and derives the run's outcome from what the steps decided.
func (r *pipelineRun) walk(ctx context.Context) error {
	g, err := r.pp.Graph()
	if err != nil {
		return err
	}
	steps := map[string]*plan.Step{}
	for _, s := range r.pp.Steps {
		steps[s.ID] = s
	}
	done := map[string]bool{}
	var decisive []stepOutcome
	var runErr error
	for {
		ready := g.Ready(done)
		if len(ready) == 0 {
			break
		}
		for _, id := range ready {
			s := steps[id]
			out := r.step(ctx, s)
			done[id] = true
			if out.err != nil && runErr == nil {
				runErr = out.err
			}
			if out.outcome != "" {
				decisive = append(decisive, out)
			}
			if out.stop {
				for _, d := range g.Downstream(id) {
					if !done[d] {
						r.rec.Steps = append(r.rec.Steps, record.Step{ID: d, Name: string(steps[d].Name), Key: steps[d].Key, Pos: steps[d].Pos.String(), Status: record.StepSkipped, Reason: out.skipReason})
						r.emit(Event{Kind: EventStepDone, Step: string(steps[d].Name), Status: record.StepSkipped, Message: out.skipReason})
						done[d] = true
					}
				}
			}
		}
	}
	r.rec.Outcome, r.rec.Reason = runOutcome(decisive, r.drifted, r.pp.Step(plan.StepTrain) != nil)
	return runErr
}

// runOutcome derives a run's outcome and reason from the step outcomes that
// decided one, in the order they ran, whether the steps ran or came from
// the cache: the last decision stands (a stop ends the walk, and promotion
// comes last). Without one, the run kept the current model, or found drift
// with no training step to act on it.
func runOutcome(decisive []stepOutcome, drifted *bool, hasTrain bool) (record.Outcome, string) {
	if n := len(decisive); n > 0 {
		return decisive[n-1].outcome, decisive[n-1].reason
	}
	if drifted != nil && *drifted && !hasTrain {
		return record.OutcomeDrifted, "drift found; the pipeline has no training step"
	}
	return record.OutcomeNoDrift, "every step succeeded"
}

// step runs one step with its bookkeeping: the cache lookup, timing, the
// record entry and progress events.
func (r *pipelineRun) step(ctx context.Context, s *plan.Step) stepOutcome {
	started := r.opt.Now()
	rs := record.Step{ID: s.ID, Name: string(s.Name), Key: s.Key, Pos: s.Pos.String(), StartedAt: started}

	var out stepOutcome
	if ctx.Err() != nil {
		out = stepOutcome{status: record.StepCanceled, reason: "interrupted", stop: true,
			outcome: record.OutcomeCanceled, skipReason: "run interrupted", err: fault.Infra(errors.New("run interrupted"))}
	} else if !r.fromCache(s, &out) {
		r.emit(Event{Kind: EventStepStart, Step: string(s.Name)})
		switch s.Name {
		case plan.StepValidate:
			out = r.validate(s)
		case plan.StepDrift:
			out = r.drift(ctx, s)
		case plan.StepTrain:
			out = r.train(ctx, s, &rs)
		case plan.StepEvaluate:
			out = r.evaluate(ctx, s)
		case plan.StepPromote:
			out = r.promote(ctx, s)
		default:
			out = stepOutcome{status: record.StepFailed, err: fmt.Errorf("unknown step %q", s.Name)}
		}
	}
	if rs.Attempts == 0 && out.status != record.StepCached && out.status != record.StepSkipped {
		rs.Attempts = 1
	}
	rs.Status, rs.Reason = out.status, out.reason
	rs.DurationSeconds = r.opt.Now().Sub(started).Seconds()
	r.rec.Steps = append(r.rec.Steps, rs)
	r.emit(Event{Kind: EventStepDone, Step: string(s.Name), Status: out.status, Message: out.reason, Duration: r.opt.Now().Sub(started)})
	return out
}

// put stores a step's result, with its outputs directory when there is one.
func (r *pipelineRun) put(s *plan.Step, result any, outputs string) error {
	parts, err := json.Marshal(s.Parts)
	if err != nil {
		return err
	}
	res, err := json.Marshal(result)
	if err != nil {
		return err
	}
	return r.opt.Cache.Put(&cache.Entry{Key: s.Key, Step: s.ID, Parts: parts, Result: res}, outputs, r.opt.Memo)
}

// Cached results of each step.
type (
	validateResult struct {
		Reference record.Dataset `json:"reference"`
		Current   record.Dataset `json:"current"`
		Checks    []record.Check `json:"checks"`
	}
	trainResult struct {
		GPUs            []string         `json:"gpus,omitempty"`
		DurationSeconds float64          `json:"durationSeconds"`
		Candidate       *record.Artifact `json:"candidate"`
		Ran             *Ran             `json:"ran,omitempty"`
	}
	evaluateResult struct {
		Gates    []record.Gate    `json:"gates"`
		Passed   bool             `json:"passed"`
		Baseline *record.Baseline `json:"baseline,omitempty"`
		Current  string           `json:"current"`
	}
)

// cacheHit looks a step's result up in the step cache. Promotion acts on
// the outside world (a branch, a pull request) and is never answered from
// the cache: it re-checks both and reports what is true now. Under
// --force-train, training and the evaluation of its candidate run again.
func (r *pipelineRun) cacheHit(s *plan.Step) (*cache.Entry, bool) {
	switch {
	case s.Name == plan.StepPromote:
		return nil, false
	case r.opt.ForceTrain && (s.Name == plan.StepTrain || s.Name == plan.StepEvaluate):
		return nil, false
	}
	return r.opt.Cache.Get(s.Key)
}

// fromCache derives a step's result from its cache entry, through the same
// function as a live run of the step, and reports whether it did. No entry,
// or one that cannot be read, is a cache miss: the step runs.
func (r *pipelineRun) fromCache(s *plan.Step, out *stepOutcome) bool {
	e, hit := r.cacheHit(s)
	if !hit {
		return false
	}
	cached := stepOutcome{status: record.StepCached, reason: "unchanged since " + e.CreatedAt.UTC().Format("2006-01-02 15:04 UTC")}
	miss := func(err error) bool {
		r.emit(Event{Kind: EventNote, Step: string(s.Name), Message: fmt.Sprintf("cached result unreadable (%v): running the step again", err)})
		return false
	}
	switch s.Name {
	case plan.StepValidate:
		var v validateResult
		if err := json.Unmarshal(e.Result, &v); err != nil {
			return miss(err)
		}
		*out = r.validated(s, v, cached)
	case plan.StepDrift:
		var d drift.Report
		if err := json.Unmarshal(e.Result, &d); err != nil {
			return miss(err)
		}
		*out = r.afterDrift(&d, cached)
	case plan.StepTrain:
		var t trainResult
		if err := json.Unmarshal(e.Result, &t); err != nil {
			return miss(err)
		}
		dir, err := r.opt.Cache.OutputsDir(e, r.opt.Memo)
		if err != nil {
			return miss(err)
		}
		*out = r.trained(s, t, dir, cached)
	case plan.StepEvaluate:
		var ev evaluateResult
		if err := json.Unmarshal(e.Result, &ev); err != nil {
			return miss(err)
		}
		*out = r.evaluated(s, ev, cached)
	default:
		return false
	}
	return true
}

// validate reads the current data and runs the declared checks.
func (r *pipelineRun) validate(s *plan.Step) stepOutcome {
	p := r.pp.Pipeline
	cur, err := r.readData(p.Data.Current)
	if err != nil {
		return inputFailure(s, err)
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

// joinReason appends a verdict to a reason ("unchanged since …; 3 gates
// passed").
func joinReason(reason, verdict string) string {
	if reason == "" {
		return verdict
	}
	return reason + "; " + verdict
}

// dataset describes a data input of a step, with its row count when known.
func (r *pipelineRun) dataset(_ *plan.Step, role plan.InputRole, rows int) record.Dataset {
	// Any step that reads the file has its digest (validate reads only
	// the current data; drift and training read both).
	for _, st := range r.pp.Steps {
		for _, in := range st.Inputs {
			if in.Role == role {
				return record.Dataset{Path: in.Path, Digest: in.Digest, Rows: rows}
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

func (r *pipelineRun) readData(rel string) (*table.Table, error) {
	p := r.pp.Pipeline
	t, err := table.ReadFile(r.abs(rel), table.ReadOptions{Format: config.DataFormat(rel, p.Data.Format)})
	if err != nil {
		return nil, err
	}
	t.Path = rel
	return t, nil
}

func (r *pipelineRun) abs(rel string) string {
	return filepath.Join(r.plan.Root, filepath.FromSlash(rel))
}

// drift compares the data through the executor.
func (r *pipelineRun) drift(ctx context.Context, s *plan.Step) stepOutcome {
	p := r.pp.Pipeline
	req := DriftRequest{
		Step:      s,
		Reference: r.abs(p.Data.Reference),
		Current:   r.abs(p.Data.Current),
		Format:    config.DataFormat(p.Data.Current, p.Data.Format),
		Policy:    DriftPolicy(p),
		RefName:   p.Data.Reference,
		CurName:   p.Data.Current,
	}
	rep, err := r.opt.Executor.Drift(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return canceled(s)
		}
		var ie *table.InputError
		if errors.As(err, &ie) {
			return inputFailure(s, err)
		}
		return infraFailure(s, err)
	}
	if err := r.put(s, rep, ""); err != nil {
		return infraFailure(s, err)
	}
	return r.afterDrift(rep, stepOutcome{status: record.StepSucceeded})
}

// afterDrift records the drift verdict and decides whether training runs.
func (r *pipelineRun) afterDrift(rep *drift.Report, out stepOutcome) stepOutcome {
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
	if !rep.Drifted && p.Trigger.OnDrift && !r.opt.ForceTrain && r.pp.Step(plan.StepTrain) != nil {
		out.stop, out.outcome = true, record.OutcomeNoDrift
		out.skipReason = "no drift: current model kept"
		out.reason = "no drift: " + verdict
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
	pol.Method = drift.Method(d.Method)
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
			pol.Columns[n] = drift.ColumnPolicy{Method: drift.Method(col.Drift.Method), Threshold: col.Drift.Threshold}
		}
	}
	return pol
}

// writeRecord stores the run record in the artifact store and, as a local
// copy, under RunsDir, both atomically.
func (r *pipelineRun) writeRecord(ctx context.Context) error {
	if r.opt.RunsDir != "" {
		b, err := json.MarshalIndent(r.rec, "", "  ")
		if err != nil {
			return err
		}
		path := filepath.Join(r.opt.RunsDir, r.rec.Pipeline, r.rec.ID+".json")
		if err := fsutil.WriteFileAtomic(path, append(b, '\n'), 0o644); err != nil {
			return fault.Infra(fmt.Errorf("writing run record: %w", err))
		}
	}
	if r.opt.Artifacts != nil {
		if _, err := r.opt.Artifacts.PutRecord(ctx, r.rec); err != nil {
			return err
		}
	}
	return nil
}

// RecordPath is where RunsDir keeps a record.
func RecordPath(runsDir string, rec *record.Run) string {
	return filepath.Join(runsDir, rec.Pipeline, rec.ID+".json")
}

// located is an error whose message already names the CUE line at fault
// (a gate, a field), so a step failure need not add its declaration's.
type located interface {
	error
	Located() string
}

// locatedError is bad input found while a step ran, at the CUE line of the
// field it concerns.
type locatedError struct {
	pos string
	err error
}

func (e *locatedError) Error() string   { return e.pos + ": " + e.err.Error() }
func (e *locatedError) Unwrap() error   { return e.err }
func (e *locatedError) Located() string { return e.pos }

func inputFailure(s *plan.Step, err error) stepOutcome {
	where := fmt.Sprintf("%s (declared at %s)", s.ID, s.Pos)
	var l located
	if errors.As(err, &l) {
		where = s.ID // the error already names the line to look at
	}
	return stepOutcome{status: record.StepFailed, reason: err.Error(), stop: true, outcome: record.OutcomeFailed,
		skipReason: "an earlier step failed; the current model is kept", err: fault.Input(fmt.Errorf("%s: %w", where, err))}
}

// failure is a step that failed with err, whose exit code it keeps.
func failure(s *plan.Step, err error) stepOutcome {
	return stepOutcome{status: record.StepFailed, reason: err.Error(), stop: true, outcome: record.OutcomeFailed,
		skipReason: "an earlier step failed; the current model is kept", err: fault.As(fault.KindOf(err), fmt.Errorf("%s: %w", s.ID, err))}
}

func infraFailure(s *plan.Step, err error) stepOutcome {
	return stepOutcome{status: record.StepFailed, reason: err.Error(), stop: true, outcome: record.OutcomeFailed,
		skipReason: "an earlier step failed; the current model is kept", err: fault.Infra(fmt.Errorf("%s: %w", s.ID, err))}
}

func canceled(s *plan.Step) stepOutcome {
	return stepOutcome{status: record.StepCanceled, reason: "interrupted", stop: true, outcome: record.OutcomeCanceled,
		skipReason: "run interrupted", err: fault.Infra(fmt.Errorf("%s: interrupted", s.ID))}
}

func joinSemi(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "; "
		}
		out += x
	}
	return out
}

// currentVersion reads the version the target file holds now.
func (r *pipelineRun) currentVersion() (string, error) {
	t := r.pp.Pipeline.Model.Target
	src, err := os.ReadFile(r.abs(t.File))
	if err != nil {
		return "", err
	}
	return rewrite.Get(t.File, src, t.Path)
}
