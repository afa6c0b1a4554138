package exec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/artifact"
	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/fsutil"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
)

// trainResult is what the training step stores in the step cache, with
// its outputs.
type trainResult struct {
	GPUs            []string         `json:"gpus,omitempty"`
	DurationSeconds float64          `json:"durationSeconds"`
	Candidate       *record.Artifact `json:"candidate"`
	Ran             *Ran             `json:"ran,omitempty"`
	// EngineCached: the engine answered from its cache (see StepResult).
	EngineCached bool `json:"engineCached,omitempty"`
	// BaselineDigest is the deployed artifact the step was handed in
	// CTGIT_BASELINE_DIR; BaselineNote says why none was.
	BaselineDigest string `json:"baselineDigest,omitempty"`
	BaselineNote   string `json:"baselineNote,omitempty"`
}

// train runs the training step: guardrails first, then attempts with
// timeout and backoff, then its outputs are checked, the model stored in the
// artifact store, and outputs and result cached together.
func (r *pipelineRun) train(ctx context.Context, s *plan.Step, rs *record.Step) stepOutcome {
	p := r.pp.Pipeline
	t := p.Train
	if out, held := r.guardrails(ctx, s); held {
		return out
	}
	handed, cleanup, err := r.baselineDir(ctx)
	if err != nil {
		return failure(s, err)
	}
	defer cleanup()
	r.handed = handed
	if out, held := r.baselineHold(ctx, s); held {
		return out
	}
	secrets, err := r.secrets(&t.Container, "train")
	if err != nil {
		return inputFailure(s, err)
	}
	secretValues := slices.Collect(maps.Values(secrets))
	codeDir := ""
	if t.Code != "" {
		codeDir = r.abs(t.Code)
	}
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

	refParts, err := r.dataParts(ctx, plan.RoleReferenceData)
	if err != nil {
		return dataFailure(ctx, s, err)
	}
	curParts, err := r.dataParts(ctx, plan.RoleCurrentData)
	if err != nil {
		return dataFailure(ctx, s, err)
	}
	// A dataset of many parts is also assembled into one file, unless
	// train.data asks for the parts only.
	var refFile, refFormat, curFile, format string
	if refParts == nil || t.Data != "parts" {
		if refFile, refFormat, err = r.dataFile(ctx, plan.RoleReferenceData); err != nil {
			return dataFailure(ctx, s, err)
		}
	}
	if curParts == nil || t.Data != "parts" {
		if curFile, format, err = r.dataFile(ctx, plan.RoleCurrentData); err != nil {
			return dataFailure(ctx, s, err)
		}
	}
	if refFile != "" && curFile != "" && refFormat != format {
		return inputFailure(s, fmt.Errorf("the training step is handed the reference data as %s and the current data as %s (a dataset of many parts is handed as one CSV file): give both datasets the same form", refFormat, format))
	}
	if format == "" {
		format = refFormat
	}

	inputs, err := r.namedInputs(ctx, t.Inputs)
	if err != nil {
		return dataFailure(ctx, s, err)
	}
	res, failed := r.attempts(ctx, s, rs, StepRequest{
		Step: s, Container: &t.Container, Pipeline: p.Name, Model: p.Model.Name, RunID: r.rec.ID,
		CodeDir: codeDir, Inputs: inputs, Reference: refFile, Current: curFile, RefParts: refParts, CurParts: curParts,
		Format: format, OutputDir: outDir, BaselineDir: handed.Dir,
		MetricsFile: metricsFile, ModelPath: t.Model, Secrets: secrets, Log: log,
	}, "train", attemptFailure{
		failed:     "training failed after %d attempt(s): the current model is kept",
		skipReason: "training failed: the current model is kept",
	})
	if failed != nil {
		return *failed
	}

	// Outputs: declared files must exist inside the output directory.
	modelPath, err := outputPath(outDir, t.Model, "training")
	if err != nil {
		return inputFailure(s, fmt.Errorf("train.model: %w", err))
	}
	if p.Evaluate != nil {
		if _, err := outputPath(outDir, metricsFile, "training"); err != nil {
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
	tr := trainResult{GPUs: res.GPUs, DurationSeconds: res.Duration.Seconds(), Candidate: cand, Ran: &res.Ran, EngineCached: res.EngineCached,
		BaselineDigest: handed.Digest, BaselineNote: handed.Note}
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
	r.produced(plan.StepTrain, dir, res.Output)
	return r.trained(s, tr, dir, stepOutcome{status: record.StepSucceeded})
}

// trained derives the training step's result from its outputs, live or
// cached.
func (r *pipelineRun) trained(s *plan.Step, tr trainResult, dir string, out stepOutcome) stepOutcome {
	r.trainDir, r.candidate = dir, tr.Candidate
	r.produced(plan.StepTrain, dir, nil)
	r.handed = handedBaseline{Digest: tr.BaselineDigest, Note: tr.BaselineNote}
	if err := r.readTraining(tr); err != nil {
		return inputFailure(s, err)
	}
	took := (time.Duration(tr.DurationSeconds * float64(time.Second))).Round(time.Millisecond)
	if tr.EngineCached {
		out.reason = joinReason(out.reason, fmt.Sprintf("answered by the Dagger engine's cache in %s: the training command did not run", took))
	} else {
		out.reason = joinReason(out.reason, fmt.Sprintf("trained in %s", took))
	}
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
func (r *pipelineRun) secrets(t *config.Container, field string) (map[string]string, error) {
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
		return nil, fmt.Errorf("%s.secrets names %s, not set in ctgit's environment", field, strings.Join(missing, ", "))
	}
	return out, nil
}

// readTraining loads the candidate's metrics from the training outputs and
// fills the record's training section.
func (r *pipelineRun) readTraining(tr trainResult) error {
	p := r.pp.Pipeline
	r.rec.Training = &record.Training{Command: p.Train.Command, GPUs: tr.GPUs, DurationSeconds: tr.DurationSeconds, EngineCached: tr.EngineCached}
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
// symlinks that lead out of it; step names the step in messages.
func outputPath(dir, rel, step string) (string, error) {
	if strings.HasPrefix(rel, "/") || strings.Contains("/"+rel+"/", "/../") {
		return "", fmt.Errorf("%q is not inside the output directory", rel)
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("the %s did not write %s in $%s", step, rel, EnvOutputDir)
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
