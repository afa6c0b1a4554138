package exec

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/ctgit/ctgit/internal/artifact"
	"github.com/ctgit/ctgit/internal/cache"
	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/dataset"
	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
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
	// Parallel is how many pipelines run at once, and how many steps of
	// one pipeline (1 when zero).
	Parallel int
	// GPUs is how many GPUs the executor has for steps at once; GPU steps
	// run one at a time when zero (unknown).
	GPUs int
	// ForceTrain trains without drift and past the minInterval and
	// maxRetrains guardrails (never past minRows).
	ForceTrain bool
	// Runner labels the machine the run's steps run on, for
	// settings.prices.EXECUTOR.runners; "" for none (config.Lookup).
	Runner  string
	Trigger record.Trigger
	CI      *record.CI
	// Promoter opens promotions; nil runs with promotion disabled.
	Promoter Promoter
	// Observe receives progress events; nil discards them.
	Observe func(Event)
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// RetryBase is the first retry's backoff, doubled each retry (1s when
	// zero); RetryMax caps it (1m when zero).
	RetryBase, RetryMax time.Duration
	// Data resolves and fetches datasets (a resolver over the repository
	// and the step cache's directory when nil).
	Data *dataset.Resolver
	// Environ is where secrets are read from (os.Environ when nil).
	Environ []string
	// ReadSLIs reads the SLIs of trigger.onSLIBreach on the deployed
	// version (cmd wires it to Prometheus); nil when settings.prometheus
	// names no server, and a pipeline that needs it then stops before any
	// step.
	ReadSLIs func(ctx context.Context, p *config.Pipeline) ([]record.SLIReading, error)
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
	pending := &record.Pending{}
	defer pending.Close()
	for i, pp := range selected {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			pr := &pipelineRun{opt: &opt, plan: p, pp: pp, pending: pending}
			records[i], errs[i] = pr.run(ctx)
		}()
	}
	wg.Wait()
	if len(records) > 0 {
		errs = append(errs, syncRecords(ctx, &opt, pending))
	}
	return &Result{Records: records, Err: mostSevere(errs)}
}

// syncRecords puts the run records written in both places on disk, before
// the run reports them; a record that cannot be made durable fails the run.
func syncRecords(ctx context.Context, opt *Options, pending *record.Pending) error {
	var stored error
	var wg sync.WaitGroup
	if opt.Artifacts != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			stored = opt.Artifacts.SyncRecords(wctx)
		}()
	}
	local := pending.Sync()
	wg.Wait()
	if local != nil {
		return fault.Infra(fmt.Errorf("run records in %s: %w", opt.RunsDir, local))
	}
	if stored != nil {
		return fault.Infra(fmt.Errorf("run records in the artifact store %s: %w", opt.Artifacts, stored))
	}
	return nil
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
	// pending writes the local copy of the record, synced with the
	// others' when the run ends.
	pending *record.Pending

	// Results carried between steps.
	current   *table.Table
	drifted   *bool
	trainDir  string         // outputs of the training step
	handed    handedBaseline // what the training step got in CTGIT_BASELINE_DIR
	metrics   map[string]any
	candidate *record.Artifact
	gatesOK   bool
	baseline  *record.Baseline
	curVer    string
	history   []*record.Run
	// deployedRef is the reference of data.reference.deployed, once
	// found, and deployedNote says where it came from.
	deployedRef  *dataset.Snapshot
	deployedNote string
	// sliBreach names the SLIs of trigger.onSLIBreach that breached on the
	// deployed version: training runs without drift.
	sliBreach string
	// fetched holds the local files of each dataset fetched so far.
	fetched map[*dataset.Snapshot][]string
	// dataMu guards fetched: steps that read data may run at once.
	dataMu sync.Mutex

	// mu guards what steps running at once share: the record's steps,
	// outputs and stepMetrics.
	mu sync.Mutex
	// outputs are the container steps' output directories, by step name.
	outputs map[string]producedOutput
	// stepMetrics are the metrics of the user's steps that declare them.
	stepMetrics map[string]map[string]any
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
	r.rec.Pos = p.Pos
	r.rec.SourceCommit = r.plan.Commit
	r.rec.Executor = r.opt.Executor.Name()
	r.rec.Runner = r.opt.Runner
	r.rec.Trigger = r.opt.Trigger
	if r.rec.Trigger.At.IsZero() {
		r.rec.Trigger.At = start
	}
	r.rec.CI = r.opt.CI
	r.emit(Event{Kind: EventPipelineStart, Message: fmt.Sprintf("run %s of %s", r.rec.ID, p.Model.Name)})

	err := r.checkHistory()
	notRun := "not run: a guardrail cannot keep its promise"
	skip := ""
	if err == nil {
		notRun = "not run: the data-arrival trigger could not decide"
		skip, err = r.dataArrival(ctx)
	}
	if err == nil && skip == "" && len(p.Trigger.OnSLIBreach) > 0 {
		notRun = "not run: the SLIs of trigger.onSLIBreach cannot be read"
		err = r.readSLIs(ctx)
	}
	if err == nil && skip == "" && p.Data.ReferenceDeployed {
		// Which objects the deployed model was trained on is known from
		// the run records: a reference that cannot be found stops the run
		// before any step, not at drift.
		notRun = "not run: the reference, the deployed model's training data, cannot be found"
		_, err = r.deployedData(ctx)
	}
	switch {
	case err != nil:
		r.rec.Outcome, r.rec.Reason = record.OutcomeFailed, err.Error()
		for _, s := range r.pp.Steps {
			r.rec.Steps = append(r.rec.Steps, record.Step{ID: s.ID, Name: string(s.Name), Key: s.Key, Pos: s.Pos, Status: record.StepSkipped, Reason: notRun})
		}
	case skip != "":
		r.rec.Outcome, r.rec.Reason = record.OutcomeNoNewData, skip
		for _, s := range r.pp.Steps {
			r.rec.Steps = append(r.rec.Steps, record.Step{ID: s.ID, Name: string(s.Name), Key: s.Key, Pos: s.Pos, Status: record.StepSkipped, Reason: "no new data"})
			r.emit(Event{Kind: EventStepDone, Step: string(s.Name), Status: record.StepSkipped, Message: "no new data"})
		}
	default:
		err = r.walk(ctx)
	}
	r.noteDeployed()
	r.accountCost(ctx)

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

// walk runs the steps in DAG order, each once the steps it needs are done,
// steps that do not wait on each other at once (at most Parallel, and GPU
// steps within the GPUs there are), and derives the run's outcome from
// what the steps decided. A step that stops the run skips only what
// depends on it.
func (r *pipelineRun) walk(ctx context.Context) error {
	g, err := r.pp.Graph()
	if err != nil {
		return err
	}
	steps := map[string]*plan.Step{}
	index := map[string]int{}
	for i, s := range r.pp.Steps {
		steps[s.ID], index[s.ID] = s, i
	}
	type finished struct {
		id  string
		out stepOutcome
	}
	results := make(chan finished)
	done := map[string]bool{}
	running := map[string]bool{}
	gpusFree := r.opt.gpus()
	gpusOf := func(s *plan.Step) int {
		c := r.container(s)
		if c == nil {
			return 0
		}
		return min(c.GPUs, r.opt.gpus())
	}
	var decisive []finished
	var runErr error
	for {
		for _, id := range g.Ready(done) {
			if running[id] || len(running) >= r.opt.Parallel {
				continue
			}
			s := steps[id]
			if n := gpusOf(s); n > gpusFree {
				continue // waits for a GPU step to finish
			} else {
				gpusFree -= n
			}
			running[id] = true
			go func() { results <- finished{id, r.step(ctx, s)} }()
		}
		if len(running) == 0 {
			break
		}
		f := <-results
		delete(running, f.id)
		done[f.id] = true
		gpusFree += gpusOf(steps[f.id])
		out := f.out
		if out.err != nil && (runErr == nil || fault.KindOf(out.err) > fault.KindOf(runErr)) {
			runErr = out.err
		}
		if out.outcome != "" {
			decisive = append(decisive, f)
		}
		if out.stop {
			for _, d := range g.Downstream(f.id) {
				if !done[d] && !running[d] {
					reason := out.skipReason
					r.addStep(record.Step{ID: d, Name: string(steps[d].Name), Key: steps[d].Key, Pos: steps[d].Pos, Status: record.StepSkipped, Reason: reason})
					r.emit(Event{Kind: EventStepDone, Step: string(steps[d].Name), Status: record.StepSkipped, Message: reason})
					done[d] = true
				}
			}
		}
	}
	// The record lists steps in the plan's order, whatever order they
	// finished in, and the decisions count in that order too.
	sort.SliceStable(r.rec.Steps, func(i, j int) bool { return index[r.rec.Steps[i].ID] < index[r.rec.Steps[j].ID] })
	sort.SliceStable(decisive, func(i, j int) bool { return index[decisive[i].id] < index[decisive[j].id] })
	outs := make([]stepOutcome, len(decisive))
	for i, d := range decisive {
		outs[i] = d.out
	}
	r.rec.Outcome, r.rec.Reason = runOutcome(outs, r.drifted, r.pp.Step(plan.StepTrain) != nil)
	return runErr
}

// addStep adds a step's entry to the run record.
func (r *pipelineRun) addStep(rs record.Step) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rec.Steps = append(r.rec.Steps, rs)
}

// container is the container a step runs, nil for steps that run none.
func (r *pipelineRun) container(s *plan.Step) *config.Container {
	p := r.pp.Pipeline
	switch {
	case s.User:
		return &p.Steps[string(s.Name)].Container
	case s.Name == plan.StepTrain && p.Train != nil:
		return &p.Train.Container
	}
	return nil
}

// gpus is how many GPUs steps may hold at once: GPUs, else 1, so that GPU
// steps of unknown machines run one at a time.
func (o *Options) gpus() int {
	if o.GPUs > 0 {
		return o.GPUs
	}
	return 1
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
	rs := record.Step{ID: s.ID, Name: string(s.Name), Key: s.Key, Pos: s.Pos, StartedAt: started}

	var out stepOutcome
	if ctx.Err() != nil {
		out = stepOutcome{status: record.StepCanceled, reason: "interrupted", stop: true,
			outcome: record.OutcomeCanceled, skipReason: "run interrupted", err: fault.Infra(errors.New("run interrupted"))}
	} else if !r.fromCache(s, &out, &rs) {
		r.emit(Event{Kind: EventStepStart, Step: string(s.Name)})
		switch s.Name {
		case plan.StepValidate:
			out = r.validate(ctx, s)
		case plan.StepDrift:
			out = r.drift(ctx, s)
		case plan.StepTrain:
			out = r.train(ctx, s, &rs)
		case plan.StepEvaluate:
			out = r.evaluate(ctx, s)
		case plan.StepPromote:
			out = r.promote(ctx, s)
		default:
			if s.User {
				out = r.userStep(ctx, s, &rs)
				break
			}
			out = stepOutcome{status: record.StepFailed, err: fmt.Errorf("unknown step %q", s.Name)}
		}
	}
	if rs.Attempts == 0 && out.status != record.StepCached && out.status != record.StepSkipped {
		rs.Attempts = 1
	}
	rs.Status, rs.Reason = out.status, out.reason
	rs.DurationSeconds = r.opt.Now().Sub(started).Seconds()
	r.addStep(rs)
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
	e := &cache.Entry{Key: s.Key, Step: s.ID, Parts: parts, Result: res}
	for _, in := range s.Inputs {
		if snap := in.Snapshot(); snap != nil && in.Objects > 0 {
			if e.Manifests == nil {
				e.Manifests = map[string][]dataset.Object{}
			}
			e.Manifests[string(in.Role)] = snap.Objects
		}
	}
	return r.opt.Cache.Put(e, outputs, r.opt.Memo)
}

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
func (r *pipelineRun) fromCache(s *plan.Step, out *stepOutcome, rs *record.Step) bool {
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
		var d plan.DriftResult
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
		if !s.User {
			return false
		}
		var ur userResult
		if err := json.Unmarshal(e.Result, &ur); err != nil {
			return miss(err)
		}
		dir, err := r.opt.Cache.OutputsDir(e, r.opt.Memo)
		if err != nil {
			return miss(err)
		}
		*out = r.userDone(s, ur, dir, rs, cached)
	}
	return true
}

func (r *pipelineRun) abs(rel string) string {
	return filepath.Join(r.plan.Root, filepath.FromSlash(rel))
}

// writeRecord stores the run record in the artifact store and, as a local
// copy, under RunsDir, both atomically; Run syncs both before it returns.
func (r *pipelineRun) writeRecord(ctx context.Context) error {
	if r.opt.RunsDir != "" {
		b, err := record.Marshal(r.rec)
		if err != nil {
			return err
		}
		if err := r.pending.WriteFile(RecordPath(r.opt.RunsDir, r.rec), b); err != nil {
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
