package exec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
)

// userResult is what a step of the user's stores in the step cache, with
// its outputs.
type userResult struct {
	GPUs            []string `json:"gpus,omitempty"`
	DurationSeconds float64  `json:"durationSeconds"`
	Ran             *Ran     `json:"ran,omitempty"`
	// EngineCached: the engine answered from its cache (see StepResult).
	EngineCached bool `json:"engineCached,omitempty"`
}

// producedOutput is a container step's output directory in this run: in
// the step cache on the host, and the executor's handle of it when the
// step ran here (nil when it came from the cache).
type producedOutput struct {
	dir    string
	handle Output
}

// produced remembers where a step's outputs are, for the steps that read
// them. A handle once known is kept: the cache entry's directory holds the
// same bytes.
func (r *pipelineRun) produced(step plan.StepName, dir string, handle Output) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.outputs == nil {
		r.outputs = map[string]producedOutput{}
	}
	if old, ok := r.outputs[string(step)]; ok && handle == nil {
		handle = old.handle
	}
	r.outputs[string(step)] = producedOutput{dir: dir, handle: handle}
}

// namedInputs resolves a step's inputs: datasets as one local file each,
// other steps' outputs from where those steps put them in this run.
func (r *pipelineRun) namedInputs(ctx context.Context, inputs map[string]string) ([]NamedInput, error) {
	p := r.pp.Pipeline
	var out []NamedInput
	for _, name := range sortedKeys(inputs) {
		src, err := config.ParseSource(inputs[name])
		if err != nil {
			return nil, err // vet rejected it; a plan made without vet may not
		}
		in := NamedInput{Name: name}
		if src.IsData() {
			role := plan.RoleCurrentData
			if src.Output == "reference" {
				role = plan.RoleReferenceData
			}
			file, format, err := r.dataFile(ctx, role)
			if err != nil {
				return nil, err
			}
			in.File, in.Base = file, inputName(src.Output, format, file)
			out = append(out, in)
			continue
		}
		r.mu.Lock()
		up, ok := r.outputs[src.Step]
		r.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("input %s reads %s, whose outputs this run does not have", name, src)
		}
		switch {
		case src.Step == config.StepTrain && src.Output == config.TrainOutputModel:
			in.Rel = p.Train.Model
		case src.Step == config.StepTrain && src.Output == config.TrainOutputMetrics:
			in.Rel = "metrics.json"
			if p.Evaluate != nil {
				in.Rel = p.Evaluate.Metrics
			}
		case src.Step == config.StepTrain:
			in.Rel = "" // the whole output directory
		default:
			in.Rel = p.Steps[src.Step].Outputs[src.Output]
		}
		in.Rel = path.Clean(in.Rel)
		if in.Rel == "." {
			in.Rel = ""
		}
		if in.Rel != "" {
			in.Base = path.Base(in.Rel)
		}
		in.File = filepath.Join(up.dir, filepath.FromSlash(in.Rel))
		if _, err := os.Stat(in.File); err != nil {
			return nil, fmt.Errorf("input %s reads %s, which is not in that step's outputs: %w", name, src, err)
		}
		in.Produced = up.handle
		out = append(out, in)
	}
	return out, nil
}

// userStep runs a step of the user's: its inputs handed in, attempts
// with timeout and backoff, its declared outputs checked, and outputs and
// result cached together.
func (r *pipelineRun) userStep(ctx context.Context, s *plan.Step, rs *record.Step) stepOutcome {
	p := r.pp.Pipeline
	name := string(s.Name)
	u := p.Steps[name]
	field := "steps." + name
	secrets, err := r.secrets(&u.Container, field)
	if err != nil {
		return inputFailure(s, err)
	}
	secretValues := slices.Collect(maps.Values(secrets))
	inputs, err := r.namedInputs(ctx, u.Inputs)
	if err != nil {
		return dataFailure(ctx, s, err)
	}
	codeDir := ""
	if u.Code != "" {
		codeDir = r.abs(u.Code)
	}
	outDir, err := r.opt.Cache.TempDir("step-out-")
	if err != nil {
		return infraFailure(s, err)
	}
	keepOut := false
	defer func() {
		if !keepOut {
			os.RemoveAll(outDir)
		}
	}()
	log := &lineWriter{secrets: secretValues, emit: func(line string) {
		r.emit(Event{Kind: EventLog, Step: name, Message: line})
	}}
	defer log.Flush()
	res, failed := r.attempts(ctx, s, rs, StepRequest{
		Step: s, Container: &u.Container, Pipeline: p.Name, Model: p.Model.Name, RunID: r.rec.ID,
		CodeDir: codeDir, Inputs: inputs, Outputs: u.Outputs, OutputDir: outDir,
		MetricsFile: u.Metrics, Secrets: secrets, Log: log,
	}, field, attemptFailure{
		failed:     "step " + name + " failed after %d attempt(s)",
		skipReason: "step " + name + " failed",
	})
	if failed != nil {
		return *failed
	}
	for _, o := range sortedKeys(u.Outputs) {
		if _, err := outputPath(outDir, u.Outputs[o], "step "+name); err != nil {
			return inputFailure(s, fmt.Errorf("%s.outputs.%s: %w", field, o, err))
		}
	}
	if u.Metrics != "" {
		if _, err := outputPath(outDir, u.Metrics, "step "+name); err != nil {
			return inputFailure(s, fmt.Errorf("%s.metrics: %w", field, err))
		}
	}
	if err := checkOutputs(outDir); err != nil {
		return inputFailure(s, err)
	}
	ur := userResult{GPUs: res.GPUs, DurationSeconds: res.Duration.Seconds(), Ran: &res.Ran, EngineCached: res.EngineCached}
	if err := r.put(s, ur, outDir); err != nil {
		return infraFailure(s, err)
	}
	keepOut = true // moved into the cache
	e, _ := r.opt.Cache.Get(s.Key)
	if e == nil {
		return infraFailure(s, errors.New("the step cache lost the result just stored"))
	}
	dir, err := r.opt.Cache.OutputsDir(e, r.opt.Memo)
	if err != nil {
		return infraFailure(s, err)
	}
	r.produced(s.Name, dir, res.Output)
	return r.userDone(s, ur, dir, rs, stepOutcome{status: record.StepSucceeded})
}

// userDone derives a step of the user's result from its outputs, live
// or cached: where its outputs are, and its metrics.
func (r *pipelineRun) userDone(s *plan.Step, ur userResult, dir string, rs *record.Step, out stepOutcome) stepOutcome {
	r.produced(s.Name, dir, nil)
	u := r.pp.Pipeline.Steps[string(s.Name)]
	if u.Metrics != "" {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(u.Metrics)))
		if err != nil {
			return inputFailure(s, fmt.Errorf("reading the metrics file %s of step %s: %w", u.Metrics, s.Name, err))
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return inputFailure(s, fmt.Errorf("the metrics file %s written by step %s is not a JSON object: %v", u.Metrics, s.Name, err))
		}
		r.mu.Lock()
		if r.stepMetrics == nil {
			r.stepMetrics = map[string]map[string]any{}
		}
		r.stepMetrics[string(s.Name)] = m
		r.mu.Unlock()
		rs.Metrics = m
	}
	if ur.Ran != nil {
		rs.Executor, rs.Image = ur.Ran.Executor, ur.Ran.Image
	}
	rs.GPUs = ur.GPUs
	took := (time.Duration(ur.DurationSeconds * float64(time.Second))).Round(time.Millisecond)
	if ur.EngineCached {
		out.reason = joinReason(out.reason, fmt.Sprintf("answered by the Dagger engine's cache in %s: the command did not run", took))
	} else {
		out.reason = joinReason(out.reason, fmt.Sprintf("ran in %s", took))
	}
	return out
}
