package exec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/artifact"
	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/fsutil"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/rewrite"
	"github.com/ctgit/ctgit/internal/semver"
)

// train runs the training step: guardrails first, then attempts with
// timeout and backoff, then its outputs are checked, the model stored in the
// artifact store, and outputs and result cached together.
func (r *pipelineRun) train(ctx context.Context, s *plan.Step, rs *record.Step) stepOutcome {
	p := r.pp.Pipeline
	t := p.Train
	if out, held := r.guardrails(ctx, s); held {
		return out
	}
	if out, held := r.baselineHold(ctx, s); held {
		return out
	}
	timeout := t.TimeoutDuration
	secrets, err := r.secrets(t)
	if err != nil {
		return inputFailure(s, err)
	}
	secretValues := make([]string, 0, len(secrets))
	for _, v := range secrets {
		secretValues = append(secretValues, v)
	}
	codeDir := ""
	if t.Code != "" {
		codeDir = r.abs(t.Code)
	}
	baselineDir, cleanup := r.baselineDir(ctx)
	defer cleanup()

	outDir, err := r.opt.Cache.TempDir("train-out-")
	if err != nil {
		return infraFailure(s, err)
	}
	keepOut := false
	defer func() {
		if !keepOut {
			os.RemoveAll(outDir)
		}
	}()
	metricsFile := "metrics.json"
	if p.Evaluate != nil {
		metricsFile = p.Evaluate.Metrics
	}
	log := &lineWriter{secrets: secretValues, emit: func(line string) {
		r.emit(Event{Kind: EventLog, Step: string(s.Name), Message: line})
	}}
	defer log.Flush()

	var res *TrainResult
	attempts := 1 + t.Retries
	for a := 1; a <= attempts; a++ {
		rs.Attempts = a
		if err := resetDir(outDir); err != nil {
			return infraFailure(s, err)
		}
		work, err := r.opt.Cache.TempDir("train-work-")
		if err != nil {
			return infraFailure(s, err)
		}
		actx, cancel := context.WithTimeout(ctx, timeout)
		res, err = r.opt.Executor.Train(actx, TrainRequest{
			Step: s, Train: t, Pipeline: p.Name, Model: p.Model.Name, RunID: r.rec.ID, Attempt: a,
			CodeDir: codeDir, Reference: r.abs(p.Data.Reference), Current: r.abs(p.Data.Current),
			Format: config.DataFormat(p.Data.Current, p.Data.Format), OutputDir: outDir, BaselineDir: baselineDir,
			WorkDir: work, MetricsFile: metricsFile, ModelPath: t.Model, Secrets: secrets, Log: log,
		})
		timedOut := errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		cancel()
		log.Flush()
		os.RemoveAll(work)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return canceled(s)
		}
		var se *StepError
		if !errors.As(err, &se) {
			se = &StepError{ExitCode: -1, Retryable: true, Err: err}
		}
		code := se.ExitCode
		if code >= 0 {
			rs.ExitCode = &code
		}
		rs.Stderr = maskSecrets(se.Stderr, secretValues)
		msg := err.Error()
		if timedOut {
			msg = fmt.Sprintf("attempt %d timed out after %s (train.timeout)", a, t.Timeout)
		}
		if !se.Retryable || a == attempts {
			failure := stepOutcome{status: record.StepFailed, stop: true, outcome: record.OutcomeFailed,
				skipReason: "training failed: the current model is kept"}
			failure.reason = fmt.Sprintf("%s; training failed after %d attempt(s): the current model is kept", msg, a)
			switch {
			case se.Infra:
				failure.err = fault.Infra(fmt.Errorf("%s: %s", s.ID, msg))
			case !se.Retryable:
				failure.err = fault.Input(fmt.Errorf("%s (declared at %s): %s", s.ID, s.Pos, msg))
			default:
				failure.err = fault.Check(fmt.Errorf("%s (declared at %s): %s", s.ID, s.Pos, msg))
			}
			return failure
		}
		wait := r.backoff(a)
		r.emit(Event{Kind: EventNote, Step: string(s.Name), Message: fmt.Sprintf("%s; retrying in %s (attempt %d of %d)", msg, wait, a+1, attempts)})
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return canceled(s)
		}
	}

	// Outputs: declared files must exist inside the output directory.
	modelPath, err := outputPath(outDir, t.Model)
	if err != nil {
		return inputFailure(s, fmt.Errorf("train.model: %w", err))
	}
	if p.Evaluate != nil {
		if _, err := outputPath(outDir, metricsFile); err != nil {
			return inputFailure(s, fmt.Errorf("evaluate.metrics: %w", err))
		}
	}
	if err := checkOutputs(outDir); err != nil {
		return inputFailure(s, err)
	}
	var cand *record.Artifact
	if r.opt.Artifacts != nil {
		a, err := r.opt.Artifacts.PutModel(ctx, artifact.ProvenanceOf(r.rec), modelPath)
		if err != nil {
			return infraFailure(s, fmt.Errorf("storing the model: %w", err))
		}
		cand = &record.Artifact{URI: a.URI, Digest: a.Digest, Size: a.Size}
	}
	tr := trainResult{GPUs: res.GPUs, DurationSeconds: res.Duration.Seconds(), Candidate: cand, Ran: &res.Ran}
	if err := r.put(s, tr, outDir); err != nil {
		return infraFailure(s, err)
	}
	keepOut = true // moved into the cache
	e, _ := r.opt.Cache.Get(s.Key)
	if e == nil {
		return infraFailure(s, errors.New("the step cache lost the training result just stored"))
	}
	dir, err := r.opt.Cache.OutputsDir(e, r.opt.Memo)
	if err != nil {
		return infraFailure(s, err)
	}
	return r.trained(s, tr, dir, stepOutcome{status: record.StepSucceeded})
}

// trained derives the training step's result from its outputs, live or
// cached.
func (r *pipelineRun) trained(s *plan.Step, tr trainResult, dir string, out stepOutcome) stepOutcome {
	r.trainDir, r.candidate = dir, tr.Candidate
	if err := r.readTraining(tr); err != nil {
		return inputFailure(s, err)
	}
	out.reason = joinReason(out.reason, fmt.Sprintf("trained in %s", (time.Duration(tr.DurationSeconds*float64(time.Second))).Round(time.Millisecond)))
	return out
}

// backoff is the wait before attempt a+1: RetryBase doubled per attempt,
// capped at RetryMax.
func (r *pipelineRun) backoff(a int) time.Duration {
	d := r.opt.RetryBase << (a - 1)
	if d > r.opt.RetryMax || d <= 0 {
		d = r.opt.RetryMax
	}
	return d
}

// secrets reads the values of train.secrets from the runner's environment.
func (r *pipelineRun) secrets(t *config.Train) (map[string]string, error) {
	env := map[string]string{}
	src := r.opt.Environ
	if src == nil {
		src = os.Environ()
	}
	for _, kv := range src {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	out := map[string]string{}
	var missing []string
	for _, name := range t.Secrets {
		v, ok := env[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		out[name] = v
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("train.secrets names %s, not set in ctgit's environment", strings.Join(missing, ", "))
	}
	return out, nil
}

// readTraining loads the candidate's metrics from the training outputs and
// fills the record's training section.
func (r *pipelineRun) readTraining(tr trainResult) error {
	p := r.pp.Pipeline
	r.rec.Training = &record.Training{Command: p.Train.Command, GPUs: tr.GPUs, DurationSeconds: tr.DurationSeconds}
	// What ran is what the executor said ran; a result cached before ctgit
	// recorded it claims nothing.
	if ran := tr.Ran; ran != nil {
		r.rec.Training.Executor, r.rec.Training.Image = ran.Executor, ran.Image
		r.rec.Training.Program, r.rec.Training.ProgramVersion = ran.Program, ran.ProgramVersion
	}
	r.rec.Candidate = tr.Candidate
	if p.Evaluate == nil {
		return nil
	}
	path := filepath.Join(r.trainDir, filepath.FromSlash(p.Evaluate.Metrics))
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading the metrics file %s: %w", p.Evaluate.Metrics, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("the metrics file %s written by training is not a JSON object: %v", p.Evaluate.Metrics, err)
	}
	r.metrics = m
	r.rec.Training.Metrics = m
	if dev, ok := m["device"].(string); ok && len(tr.GPUs) == 0 && strings.Contains(strings.ToLower(dev), "gpu") {
		r.rec.Training.GPUs = []string{dev}
	}
	if dev, ok := m["device_name"].(string); ok && dev != "" && len(r.rec.Training.GPUs) == 0 {
		r.rec.Training.GPUs = []string{dev}
	}
	return nil
}

// outputPath resolves a declared output inside dir, refusing paths and
// symlinks that lead out of it.
func outputPath(dir, rel string) (string, error) {
	if strings.HasPrefix(rel, "/") || strings.Contains("/"+rel+"/", "/../") {
		return "", fmt.Errorf("%q is not inside the output directory", rel)
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("the training did not write %s in $%s", rel, EnvOutputDir)
		}
		return "", err
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	if !within(realDir, real) {
		return "", fmt.Errorf("%s is a symlink out of the output directory (to %s)", rel, real)
	}
	return p, nil
}

// checkOutputs refuses outputs that ctgit cannot safely read, hash and
// store: symlinks that point outside the output directory (ctgit would
// otherwise hand over files the step had no business handing over), and
// anything that is not a regular file or a directory (a FIFO left as the
// model would block the hashing forever; a socket or device cannot be
// stored).
func checkOutputs(dir string) error {
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		mode := d.Type()
		if mode&fs.ModeSymlink != 0 {
			target, err := filepath.EvalSymlinks(p)
			if err != nil {
				return fmt.Errorf("output %s is a dangling symlink", rel)
			}
			if !within(realDir, target) {
				return fmt.Errorf("output %s is a symlink out of the output directory (to %s)", rel, target)
			}
			st, err := os.Stat(target)
			if err != nil {
				return err
			}
			mode = st.Mode().Type()
		}
		if mode != 0 && !mode.IsDir() {
			return fmt.Errorf("output %s is %s, not a regular file: a step's outputs must be regular files and directories", rel, fsutil.Kind(mode))
		}
		return nil
	})
}

func resetDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.MkdirAll(dir, 0o755)
}

// baselineDir fetches the current model's artifact, when the run records
// know it, into a directory for CTGIT_BASELINE_DIR.
func (r *pipelineRun) baselineDir(ctx context.Context) (string, func()) {
	nothing := func() {}
	if r.opt.Artifacts == nil {
		return "", nothing
	}
	base, err := r.findBaseline(ctx)
	if err != nil || base.Artifact == "" {
		return "", nothing
	}
	key := r.opt.Artifacts.KeyOf(base.Artifact)
	if key == "" {
		return "", nothing
	}
	dir, err := r.opt.Cache.TempDir("baseline-")
	if err != nil {
		return "", nothing
	}
	_, dg, _ := strings.Cut(base.Artifact, "@")
	if err := r.opt.Artifacts.Fetch(ctx, key, dg, filepath.Join(dir, filepath.Base(r.pp.Pipeline.Train.Model))); err != nil {
		r.emit(Event{Kind: EventNote, Step: "train", Message: "current model's artifact not available: " + err.Error()})
		os.RemoveAll(dir)
		return "", nothing
	}
	return dir, func() { os.RemoveAll(dir) }
}

// records returns the pipeline's run records from the artifact store,
// reading them once per run. A history that cannot be read whole is an
// error: the guardrails and the baseline rest on it, and a hole in it would
// silently loosen them.
func (r *pipelineRun) records(ctx context.Context) ([]*record.Run, error) {
	if r.history == nil && r.opt.Artifacts != nil {
		recs, err := r.opt.Artifacts.Records(ctx, r.pp.Name)
		if err != nil {
			return nil, fault.Infra(fmt.Errorf("reading the run records of pipeline %s: %w", r.pp.Name, err))
		}
		r.history = append([]*record.Run{}, recs...)
	}
	return r.history, nil
}

// findBaseline returns the current model, as the target file says, with the
// metrics its run recorded. It fails when the target cannot be read, or
// the run records cannot.
func (r *pipelineRun) findBaseline(ctx context.Context) (*record.Baseline, error) {
	if r.baseline != nil {
		return r.baseline, nil
	}
	cur, err := r.currentVersion()
	if err != nil {
		return nil, fault.Input(fmt.Errorf("reading the current version from %s: %w", r.pp.Pipeline.Model.Target.File, err))
	}
	r.curVer = cur
	b := &record.Baseline{Version: cur}
	recs, err := r.records(ctx)
	if err != nil {
		return nil, err
	}
	for i := len(recs) - 1; i >= 0; i-- {
		rec := recs[i]
		if rec.Promotion == nil || rec.Promotion.To != cur || rec.Training == nil || rec.Model != r.pp.Model {
			continue
		}
		b.RunID = rec.ID
		b.Metrics = numericMetrics(rec.Training.Metrics)
		if rec.Candidate != nil {
			b.Artifact = rec.Candidate.URI + "@" + rec.Candidate.Digest
		}
		break
	}
	r.baseline = b
	return b, nil
}

// evaluate applies the gates to the candidate's metrics.
func (r *pipelineRun) evaluate(ctx context.Context, s *plan.Step) stepOutcome {
	p := r.pp.Pipeline
	base, err := r.findBaseline(ctx)
	if err != nil {
		return failure(s, err)
	}
	var baseMetrics map[string]float64
	if base.RunID != "" {
		baseMetrics = base.Metrics
	}
	size, err := sizeOf(filepath.Join(r.trainDir, filepath.FromSlash(p.Train.Model)))
	if err != nil {
		return inputFailure(s, err)
	}
	gates, err := evaluateGates(p.Evaluate.Gates, r.metrics, baseMetrics, size, p.Evaluate.Metrics)
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
	out := record.Gate{Metric: g.Metric, Candidate: cand, Pos: g.Pos.String(), Kind: "maxDropFromBaseline"}
	if g.MaxDropFromBaseline != nil {
		out.Threshold = *g.MaxDropFromBaseline
	} else {
		out.Kind, out.Threshold = "maxRiseFromBaseline", *g.MaxRiseFromBaseline
	}
	var why string
	switch {
	case semver.NoVersionYet(base.Version):
		why = fmt.Sprintf("%s holds no version yet, so there is no deployed model to compare with", p.Model.Target.File)
	case base.RunID == "":
		why = fmt.Sprintf("no run record promoted %s %s, so its %s is unknown", p.Model.Name, base.Version, g.Metric)
	default:
		why = fmt.Sprintf("the run that promoted %s %s (%s) recorded no %s", p.Model.Name, base.Version, base.RunID, g.Metric)
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
// candidate could never pass, so no time is spent training it.
func (r *pipelineRun) baselineHold(ctx context.Context, s *plan.Step) (stepOutcome, bool) {
	p := r.pp.Pipeline
	if p.Evaluate == nil || r.pp.Step(plan.StepEvaluate) == nil {
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

// promote computes the new version and hands the candidate to the
// promoter, unless the candidate is the model already deployed.
func (r *pipelineRun) promote(ctx context.Context, s *plan.Step) stepOutcome {
	p := r.pp.Pipeline
	base, err := r.findBaseline(ctx)
	if err != nil {
		return failure(s, err)
	}
	if deployed, where := r.deployedDigest(base); r.rec.Candidate != nil && deployed != "" && deployed == r.rec.Candidate.Digest {
		return r.promoted(s, &record.Promotion{Status: record.PromotionAlreadyDeployed, From: base.Version, To: base.Version,
			Reason: fmt.Sprintf("the candidate %s is the deployed model %s %s (%s): nothing to promote", digest.Short(deployed), p.Model.Name, base.Version, where)})
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

// deployedDigest is the digest of the deployed model's artifact and where
// it was read: the target's artifact field when the pipeline declares one
// (what Git says is deployed), else the run record that promoted the
// deployed version. "" when neither knows.
func (r *pipelineRun) deployedDigest(base *record.Baseline) (string, string) {
	t := r.pp.Pipeline.Model.Target
	if t.Artifact != "" {
		src, err := os.ReadFile(r.abs(t.File))
		if err == nil {
			if v, err := rewrite.Get(t.File, src, t.Artifact); err == nil {
				if i := strings.LastIndex(v, "@"); i >= 0 && strings.HasPrefix(v[i+1:], digest.Prefix) {
					return v[i+1:], t.File + " " + t.Artifact
				}
			}
		}
	}
	if i := strings.LastIndex(base.Artifact, "@"); i >= 0 {
		return base.Artifact[i+1:], "run record " + base.RunID
	}
	return "", ""
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
