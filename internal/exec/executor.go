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
	"time"

	"github.com/ctgit/ctgit/internal/table"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/plan"
)

// Executor runs the steps that need a runtime: drift detection and
// training. The local executor runs them on the host; the Dagger executor
// in containers. Both give steps the same CTGIT_* environment, so one
// training script runs unchanged under either.
type Executor interface {
	// Name is "local" or "dagger".
	Name() string
	// Drift compares the reference and current data of a drift step.
	Drift(ctx context.Context, req DriftRequest) (*drift.Report, error)
	// Train runs one attempt of a training step. Its outputs are in
	// req.OutputDir when it returns nil.
	Train(ctx context.Context, req TrainRequest) (*TrainResult, error)
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
}

// TrainRequest is one attempt of a training step.
type TrainRequest struct {
	Step  *plan.Step
	Train *config.Train
	// Pipeline and Model name what is trained.
	Pipeline, Model string
	RunID           string
	// Attempt counts from 1.
	Attempt int
	// CodeDir is the absolute path of train.code ("" when none).
	CodeDir string
	// Reference and Current are absolute paths of the data files; Format
	// their format ("csv" or "parquet"). For a dataset of many parts they
	// are the one CSV ctgit assembled, and RefParts or CurParts list the
	// parts themselves, handed as a directory in their layout.
	Reference, Current, Format string
	RefParts, CurParts         []InputPart
	// OutputDir is where the step's outputs go; it exists and is empty.
	OutputDir string
	// BaselineDir holds the current model's artifact, when known.
	BaselineDir string
	// WorkDir is a fresh scratch directory for the attempt.
	WorkDir string
	// MetricsFile and ModelPath are relative to OutputDir.
	MetricsFile, ModelPath string
	// Secrets are the values of train.secrets, read from the runner's
	// environment. They must never be logged or recorded.
	Secrets map[string]string
	// Log receives the step's stdout and stderr as they come.
	Log io.Writer
}

// TrainResult is what one training attempt produced.
type TrainResult struct {
	// GPUs are the devices the executor gave the step.
	GPUs []string
	// Duration is the command's wall time.
	Duration time.Duration
	// Ran is what ran the command, for the record and the promotion's
	// provenance.
	Ran Ran
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
	Err   error
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
)

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
func stepEnv(req TrainRequest, inputDir, outputDir, baselineDir string) map[string]string {
	env := map[string]string{
		EnvInputDir:    inputDir,
		EnvOutputDir:   outputDir,
		EnvModelPath:   outputDir + "/" + req.ModelPath,
		EnvMetricsFile: outputDir + "/" + req.MetricsFile,
		EnvBaselineDir: baselineDir,
		EnvPipeline:    req.Pipeline,
		EnvModel:       req.Model,
		EnvRunID:       req.RunID,
		EnvAttempt:     fmt.Sprint(req.Attempt),
		EnvGPUs:        fmt.Sprint(req.Train.GPUs),
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
