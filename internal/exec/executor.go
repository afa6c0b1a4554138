// Package exec runs plans: a scheduler walks each pipeline's DAG, deciding
// from results what runs next (training on the drift decision, promotion on
// the gates), and hands the steps that need a runtime to an Executor. The
// plan is its only input; nothing here reads CUE.
package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/table"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/plan"
)

// Executor runs the steps that need a runtime: drift detection, training
// and the user's own steps. The local executor runs them on the host; the
// Dagger executor in containers. Both give steps the same CTGIT_*
// environment, so one script runs unchanged under either.
type Executor interface {
	// Name is "local" or "dagger".
	Name() string
	// Drift compares the reference and current data of a drift step.
	Drift(ctx context.Context, req DriftRequest) (*drift.Report, error)
	// Run runs one attempt of a container step: training, or a step of
	// the user's. Its outputs are in req.OutputDir when it returns nil.
	Run(ctx context.Context, req StepRequest) (*StepResult, error)
	// Close releases what the executor holds (an engine session).
	Close() error
}

// DriftRequest is one drift step.
type DriftRequest struct {
	Step *plan.Step
	// RefInput and CurInput are the datasets as table inputs, for a
	// comparison in this process.
	RefInput, CurInput table.Input
	// Reference and Current are the absolute paths of the datasets as one
	// file each, for a comparison in a container; set for executors other
	// than local.
	Reference, Current string
	// Format is "csv" or "parquet", or "" to tell each file's format by
	// its extension.
	Format string
	Policy drift.Policy
	// RefName and CurName are the repository-relative paths, for reports.
	RefName, CurName string
	// Profile, when not nil, keeps the reference's parsed columns in the
	// step cache by the reference's digest (see drift.CompareWithProfile);
	// set for the local executor.
	Profile *drift.ProfileSpec
}

// StepRequest is one attempt of a container step: the training step, or a
// step of the user's.
type StepRequest struct {
	Step      *plan.Step
	Container *config.Container
	// Pipeline and Model name what is trained.
	Pipeline, Model string
	RunID           string
	// Attempt counts from 1.
	Attempt int
	// CodeDir is the absolute path of train.code ("" when none).
	CodeDir string
	// Inputs are the step's named inputs, each handed in its own
	// directory $CTGIT_INPUT_DIR/<name>/.
	Inputs []NamedInput
	// Outputs are the declared outputs of a step of the user's, name →
	// path under OutputDir.
	Outputs map[string]string
	// Reference and Current are absolute paths of the training data
	// files; Format their format ("csv" or "parquet"). For a dataset of
	// many parts they are the one CSV ctgit assembled, and RefParts or
	// CurParts list the parts themselves, handed as a directory in their
	// layout. Training only.
	Reference, Current, Format string
	RefParts, CurParts         []InputPart
	// OutputDir is where the step's outputs go; it exists and is empty.
	OutputDir string
	// BaselineDir holds the current model's artifact, when known.
	BaselineDir string
	// WorkDir is a fresh scratch directory for the attempt.
	WorkDir string
	// MetricsFile and ModelPath are relative to OutputDir; "" when the
	// step has none.
	MetricsFile, ModelPath string
	// Secrets are the values of the step's secrets, read from the
	// runner's environment. They must never be logged or recorded.
	Secrets map[string]string
	// Log receives the step's stdout and stderr as they come.
	Log io.Writer
}

// NamedInput is one named input of a step, handed at
// $CTGIT_INPUT_DIR/<Name>/<Base> (and at $CTGIT_INPUT_<NAME>).
type NamedInput struct {
	Name string
	// Base is the input's file or directory name in its directory
	// ("features.csv"); "" hands a directory's content as the input's
	// directory itself.
	Base string
	// File is the input on the host: a file, or a directory.
	File string
	// Produced is the executor's own handle of the upstream step's output
	// directory, when that step ran in this run on the same executor (the
	// engine's directory under Dagger, which is handed on without a trip
	// through the host); Rel is the input's path in it ("" for all of it).
	Produced Output
	Rel      string
}

// Output is an executor's handle of a step's output directory; an
// executor uses only its own handles, and File otherwise.
type Output any

// StepResult is what one attempt of a container step produced.
type StepResult struct {
	// GPUs are the devices the executor gave the step.
	GPUs []string
	// Duration is the command's wall time.
	Duration time.Duration
	// Ran is what ran the command, for the record and the promotion's
	// provenance.
	Ran Ran
	// Output is the executor's handle of the output directory, for the
	// steps that read it (nil when the executor has none but the host's).
	Output Output
	// EngineCached is true when the engine answered from its own cache
	// instead of running the command (Dagger only): the outputs are those
	// of an earlier run of the same container.
	EngineCached bool
	// CPU is the user and system CPU time of the step's process and the
	// processes it waited for, nil when the executor does not measure it.
	CPU *time.Duration
}

// Ran is what really ran a training command: the executor and, under the
// local executor, the program it started (train.image is not used there),
// or, under the Dagger executor, the image. It is cached with the training
// result, since a cached result may come from another executor.
type Ran struct {
	// Executor is "local" or "dagger".
	Executor string `json:"executor"`
	// Image is the container image, by digest when the engine resolved it
	// (dagger only).
	Image string `json:"image,omitempty"`
	// Program is the file started for command[0] (local only).
	Program string `json:"program,omitempty"`
	// ProgramVersion is the program's own account of its version, when
	// it is a known interpreter that answered at once (local only).
	ProgramVersion string `json:"programVersion,omitempty"`
}

// StepError is a failed attempt of a step command: the command ran and
// exited non-zero, or could not start. It carries what the step report
// needs.
type StepError struct {
	// ExitCode is the command's exit code; -1 when it never ran.
	ExitCode int
	// Stderr is the tail of the command's standard error.
	Stderr string
	// Retryable is false for failures a retry cannot fix (a command that
	// does not exist, a missing GPU).
	Retryable bool
	// Infra marks a failure of the environment rather than of the step's
	// definition (a missing GPU): exit 3, not 2.
	Infra bool
	// CPU is the attempt's CPU time, as StepResult.CPU, when its process ran.
	CPU *time.Duration
	Err error
}

func (e *StepError) Error() string { return e.Err.Error() }
func (e *StepError) Unwrap() error { return e.Err }

// ErrTimeout marks an attempt that ran past the step's timeout.
var ErrTimeout = errors.New("timed out")

// Environment variables every executor sets for a step. The README lists
// them; a training script reads them to find its data and where to write.
const (
	EnvInputDir      = "CTGIT_INPUT_DIR"      // directory with reference.<ext> and current.<ext>
	EnvReferenceFile = "CTGIT_REFERENCE_FILE" // the reference data file
	EnvCurrentFile   = "CTGIT_CURRENT_FILE"   // the current data file
	EnvReferenceDir  = "CTGIT_REFERENCE_DIR"  // the reference's parts, for a dataset of many
	EnvCurrentDir    = "CTGIT_CURRENT_DIR"    // the current data's parts, for a dataset of many
	EnvOutputDir     = "CTGIT_OUTPUT_DIR"     // write the model and metrics here
	EnvModelPath     = "CTGIT_MODEL_PATH"     // the model file or directory to write (train.model)
	EnvMetricsFile   = "CTGIT_METRICS_FILE"   // the metrics JSON to write (evaluate.metrics)
	EnvBaselineDir   = "CTGIT_BASELINE_DIR"   // the current model's artifact, when there is one
	EnvPipeline      = "CTGIT_PIPELINE"
	EnvModel         = "CTGIT_MODEL"
	EnvRunID         = "CTGIT_RUN_ID"
	EnvAttempt       = "CTGIT_ATTEMPT"
	EnvGPUs          = "CTGIT_GPUS" // the number of GPUs the step asked for
	EnvStep          = "CTGIT_STEP" // the step's name
)

// InputEnv is the variable that holds a named input's path,
// CTGIT_INPUT_<NAME>.
func InputEnv(name string) string { return "CTGIT_INPUT_" + strings.ToUpper(name) }

// OutputEnv is the variable that holds a declared output's path,
// CTGIT_OUTPUT_<NAME>.
func OutputEnv(name string) string { return "CTGIT_OUTPUT_" + strings.ToUpper(name) }

// inputName is the name a step sees a data file under: its role and
// format, and the compression suffix the file has in the repository
// ("current.csv.gz"), so that the step's reader knows to decompress it.
func inputName(role, format, src string) string {
	ext := "csv"
	if format == "parquet" {
		ext = "parquet"
	}
	src = table.URLPath(src)
	return role + "." + ext + src[len(table.TrimCompressed(src)):]
}

// stepEnv is the CTGIT_* environment of a training step, with directories
// as the step sees them (host paths locally, mount points in containers).
func stepEnv(req StepRequest, inputDir, outputDir, baselineDir string) map[string]string {
	env := map[string]string{
		EnvInputDir:  inputDir,
		EnvOutputDir: outputDir,
		EnvPipeline:  req.Pipeline,
		EnvModel:     req.Model,
		EnvRunID:     req.RunID,
		EnvAttempt:   fmt.Sprint(req.Attempt),
		EnvGPUs:      fmt.Sprint(req.Container.GPUs),
		EnvStep:      string(req.Step.Name),
	}
	if req.ModelPath != "" {
		env[EnvModelPath] = outputDir + "/" + req.ModelPath
	}
	if req.MetricsFile != "" {
		env[EnvMetricsFile] = outputDir + "/" + req.MetricsFile
	}
	if baselineDir != "" {
		env[EnvBaselineDir] = baselineDir
	}
	for _, in := range req.Inputs {
		env[InputEnv(in.Name)] = inputDir + "/" + in.Name + "/" + in.Base
		if in.Base == "" {
			env[InputEnv(in.Name)] = inputDir + "/" + in.Name
		}
	}
	for name, rel := range req.Outputs {
		env[OutputEnv(name)] = outputDir + "/" + rel
	}
	// A dataset handed as its parts only (train.data: "parts") has no
	// file.
	if req.Reference != "" {
		env[EnvReferenceFile] = inputDir + "/" + inputName("reference", req.Format, req.Reference)
	}
	if req.Current != "" {
		env[EnvCurrentFile] = inputDir + "/" + inputName("current", req.Format, req.Current)
	}
	if len(req.RefParts) > 0 {
		env[EnvReferenceDir] = inputDir + "/reference"
	}
	if len(req.CurParts) > 0 {
		env[EnvCurrentDir] = inputDir + "/current"
	}
	return env
}

// InputPart is one part of a dataset of many handed to a step: its local
// file, and its key, the path it has under the dataset's directory in the
// step ("dt=2026-11-29/part-0.parquet").
type InputPart struct {
	File, Key string
}
