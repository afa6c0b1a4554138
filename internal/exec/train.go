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

	"github.com/ctgit/ctgit/internal/exitcode"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
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
	timeout, err := plan.ParseDuration(t.Timeout)
	if err != nil {
		return inputFailure(s, err)
	}
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
			Format: plan.DataFormat(p.Data.Current, p.Data.Format), OutputDir: outDir, BaselineDir: baselineDir,
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
				failure.err = exitcode.InfraErr(fmt.Errorf("%s: %s", s.ID, msg))
			case !se.Retryable:
				failure.err = exitcode.InputErr(fmt.Errorf("%s (declared at %s): %s", s.ID, s.Pos, msg))
			default:
				failure.err = exitcode.CheckErr(fmt.Errorf("%s (declared at %s): %s", s.ID, s.Pos, msg))
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
	if err := checkNoEscapes(outDir); err != nil {
		return inputFailure(s, err)
	}
	var cand *record.Artifact
	if r.opt.Artifacts != nil {
		a, err := r.opt.Artifacts.PutModel(ctx, p.Model.Name, modelPath)
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
	if r.trainDir, err = r.opt.Cache.OutputsDir(e, r.opt.Memo); err != nil {
		return infraFailure(s, err)
	}
	r.candidate = cand
	if err := r.readTraining(tr); err != nil {
		return inputFailure(s, err)
	}
	return stepOutcome{status: record.StepSucceeded, reason: fmt.Sprintf("trained in %s", res.Duration.Round(time.Millisecond))}
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
func (r *pipelineRun) secrets(t *plan.Train) (map[string]string, error) {
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

// checkNoEscapes refuses outputs holding symlinks that point outside the
// output directory: ctgit would otherwise read, hash and store files the
// step had no business handing over.
func checkNoEscapes(dir string) error {
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return err
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink == 0 {
			return err
		}
		target, err := filepath.EvalSymlinks(p)
		rel, _ := filepath.Rel(dir, p)
		if err != nil {
			return fmt.Errorf("output %s is a dangling symlink", rel)
		}
		if !within(realDir, target) {
			return fmt.Errorf("output %s is a symlink out of the output directory (to %s)", rel, target)
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
	base := r.findBaseline(ctx)
	if base == nil || base.Artifact == "" {
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
// reading them once per run.
func (r *pipelineRun) records(ctx context.Context) []*record.Run {
	if r.history == nil && r.opt.Artifacts != nil {
		recs, err := r.opt.Artifacts.Records(ctx, r.pp.Name)
		if err != nil {
			r.emit(Event{Kind: EventNote, Message: "reading earlier run records: " + err.Error()})
		}
		r.history = append([]*record.Run{}, recs...)
	}
	return r.history
}

// findBaseline returns the current model, as the target file says, with the
// metrics its run recorded; nil when the target cannot be read.
func (r *pipelineRun) findBaseline(ctx context.Context) *record.Baseline {
	if r.baseline != nil {
		return r.baseline
	}
	cur, err := r.currentVersion()
	if err != nil {
		return nil
	}
	r.curVer = cur
	b := &record.Baseline{Version: cur}
	recs := r.records(ctx)
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
	return b
}

// evaluate applies the gates to the candidate's metrics.
func (r *pipelineRun) evaluate(ctx context.Context, s *plan.Step) stepOutcome {
	p := r.pp.Pipeline
	base := r.findBaseline(ctx)
	if base == nil {
		_, err := r.currentVersion()
		return inputFailure(s, fmt.Errorf("reading the current version from %s: %w", p.Model.Target.File, err))
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
	if base.RunID == "" {
		for i := range gates {
			if gates[i].Skipped {
				gates[i].Reason = fmt.Sprintf("no current model: relative gates skipped (no run record for %s %s)", p.Model.Name, base.Version)
			}
		}
	}
	passed := true
	for _, g := range gates {
		passed = passed && g.Passed
	}
	r.rec.Gates, r.rec.Baseline, r.gatesOK = gates, base, passed
	if err := r.put(s, evaluateResult{Gates: gates, Passed: passed, Baseline: base, Current: base.Version}, ""); err != nil {
		return infraFailure(s, err)
	}
	if !passed {
		msg := failedGates(gates)
		return stepOutcome{status: record.StepFailed, reason: msg, stop: true, outcome: record.OutcomeGatesFailed,
			skipReason: "the candidate failed its gates; the current model is kept", err: exitcode.CheckErr(errors.New(msg))}
	}
	return stepOutcome{status: record.StepSucceeded, reason: fmt.Sprintf("%d gate(s) passed", len(gates))}
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
// promoter.
func (r *pipelineRun) promote(ctx context.Context, s *plan.Step) stepOutcome {
	p := r.pp.Pipeline
	base := r.findBaseline(ctx)
	if base == nil {
		_, err := r.currentVersion()
		return inputFailure(s, fmt.Errorf("reading the current version from %s: %w", p.Model.Target.File, err))
	}
	next, err := NextVersion(base.Version, p.Promote.Scheme, p.Promote.Bump)
	if err != nil {
		return inputFailure(s, fmt.Errorf("%s %s: %w", p.Model.Target.File, p.Model.Target.Path, err))
	}
	if r.rec.Candidate != nil {
		r.rec.Candidate.Version = next
	}
	if r.opt.Promoter == nil {
		r.rec.Promotion = &record.Promotion{Status: "disabled", From: base.Version, To: next, Branch: p.PromotionBranch(""),
			Reason: "promotion disabled (--promote none)"}
		r.rec.Outcome, r.rec.Reason = record.OutcomePassed, fmt.Sprintf("the candidate passed its gates; promotion disabled: would bump %s → %s", base.Version, next)
		return stepOutcome{status: record.StepSkipped, reason: r.rec.Reason}
	}
	pr, err := r.opt.Promoter.Promote(ctx, PromoteRequest{Pipeline: r.pp, Run: r.rec, Version: next, Current: base.Version})
	if err != nil {
		if ctx.Err() != nil {
			return canceled(s)
		}
		code := exitcode.Of(err)
		return stepOutcome{status: record.StepFailed, reason: err.Error(), stop: true, outcome: record.OutcomeFailed,
			skipReason: "promotion failed", err: exitcode.Wrap(code, fmt.Errorf("%s: %w", s.ID, err))}
	}
	r.rec.Promotion = pr
	r.rec.Outcome, r.rec.Reason = record.OutcomePromoted, promotionReason(pr)
	if pr.Status == "unchanged" {
		r.rec.Outcome = record.OutcomeUnchanged
	}
	if pr.Status == "opened" || pr.Status == "updated" || pr.Status == "unchanged" {
		if err := r.put(s, pr, ""); err != nil {
			return infraFailure(s, err)
		}
	}
	return stepOutcome{status: record.StepSucceeded, reason: r.rec.Reason}
}

func promotionReason(pr *record.Promotion) string {
	where := pr.URL
	if where == "" {
		where = pr.Branch
	}
	switch pr.Status {
	case "unchanged":
		return fmt.Sprintf("the target already holds %s", pr.To)
	case "opened", "updated":
		return fmt.Sprintf("promotion %s → %s %s: %s", pr.From, pr.To, pr.Status, where)
	}
	return fmt.Sprintf("promotion %s → %s: %s", pr.From, pr.To, pr.Status)
}

// NextVersion bumps a version by the pipeline's scheme.
func NextVersion(current, scheme, bump string) (string, error) {
	switch scheme {
	case "integer":
		var n int64
		if _, err := fmt.Sscanf(current, "%d", &n); err != nil || fmt.Sprint(n) != current || n < 0 {
			return "", fmt.Errorf("holds %q, not a non-negative integer (promote.scheme: \"integer\")", current)
		}
		return fmt.Sprint(n + 1), nil
	default:
		v, err := semver.Parse(current)
		if err != nil {
			return "", fmt.Errorf("holds %q: %w (promote.scheme: \"semver\")", current, err)
		}
		part, err := semver.ParsePart(bump)
		if err != nil {
			return "", err
		}
		nv, err := v.Bump(part)
		if err != nil {
			return "", err
		}
		return nv.String(), nil
	}
}
