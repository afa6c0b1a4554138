// Package record defines the run record: the one JSON document each
// `ctgit run` of a pipeline writes, from which every view (terminal, pull
// request body, step summary, annotations, metrics) is rendered. It is the
// versioned contract between the executor that writes it and internal/report
// that reads it; the README documents it.
package record

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/ctgit/ctgit/internal/dataset"
	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/pos"
	"github.com/ctgit/ctgit/internal/version"
)

// Kind is the record's "kind".
const Kind = "Run"

// Outcome is a run's result in one word.
type Outcome string

// Outcomes, from best to worst. A run that kept the current model for a
// good reason (no drift, a guardrail) succeeded.
const (
	// OutcomePromoted: the candidate passed its gates and a promotion was
	// opened or updated.
	OutcomePromoted Outcome = "promoted"
	// OutcomePassed: the candidate passed its gates; promotion was
	// disabled (--promote none).
	OutcomePassed Outcome = "passed"
	// OutcomeUnchanged: the target already holds the candidate version.
	OutcomeUnchanged Outcome = "unchanged"
	// OutcomeAlreadyDeployed: the candidate is the deployed model (the
	// same artifact digest): there is nothing to promote.
	OutcomeAlreadyDeployed Outcome = "already-deployed"
	// OutcomeSuperseded: another promotion moved the branch first; this
	// run's candidate is not in a pull request.
	OutcomeSuperseded Outcome = "superseded"
	// OutcomeDrifted: drift was found and the pipeline has no training.
	OutcomeDrifted Outcome = "drifted"
	// OutcomeNoDrift: no drift was found, the current model is kept.
	OutcomeNoDrift Outcome = "no-drift"
	// OutcomeNoNewData: trigger.onDataArrival found no object of the
	// current data that arrived or changed since the last run that acted
	// on its data; nothing ran.
	OutcomeNoNewData Outcome = "no-new-data"
	// OutcomeHeld: a guardrail held training (too soon, too many retrains,
	// labels lagging).
	OutcomeHeld Outcome = "held"
	// OutcomeGatesFailed: the candidate failed a gate, or a gate could not
	// be evaluated (fail closed); it is not promoted.
	OutcomeGatesFailed Outcome = "gates-failed"
	// OutcomeRefused: the candidate passed its gates but ctgit refused to
	// promote it: a human took over the branch or closed its pull request.
	OutcomeRefused Outcome = "refused"
	// OutcomeInvalidData: the current data failed a check.
	OutcomeInvalidData Outcome = "invalid-data"
	// OutcomeFailed: a step failed (training crashed, timed out); the
	// current model is kept.
	OutcomeFailed Outcome = "failed"
	// OutcomeCanceled: the run was interrupted.
	OutcomeCanceled Outcome = "canceled"
)

// Run is the record of one pipeline's run.
type Run struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// ID is unique per run: "20261126T160203Z-3f9a1c".
	ID       string `json:"id"`
	Pipeline string `json:"pipeline"`
	Model    string `json:"model"`
	// Pos is where the pipeline is declared (file:line:col).
	Pos pos.Pos `json:"pos,omitzero"`

	Trigger Trigger `json:"trigger"`
	// SLIs are the SLIs of trigger.onSLIBreach as the run read them on
	// the deployed version; a breach among them trains as drift would.
	SLIs []SLIReading `json:"slis,omitempty"`
	// SourceCommit is the repository's HEAD when the run started.
	SourceCommit string `json:"sourceCommit,omitempty"`
	// Executor is "local" or "dagger".
	Executor string `json:"executor"`
	// Runner is the label of the runner the run ran on (ctgit run
	// --runner, CTGIT_RUNNER), which settings.prices may price apart;
	// empty when none was given.
	Runner string `json:"runner,omitempty"`
	// CI describes the CI run, when there is one.
	CI *CI `json:"ci,omitempty"`

	StartedAt       time.Time `json:"startedAt"`
	FinishedAt      time.Time `json:"finishedAt"`
	DurationSeconds float64   `json:"durationSeconds"`

	Outcome Outcome `json:"outcome"`
	// Reason explains the outcome in a sentence.
	Reason string `json:"reason"`

	Steps []Step `json:"steps"`

	Data       Data          `json:"data"`
	Checks     []Check       `json:"checks,omitempty"`
	Drift      *drift.Report `json:"drift,omitempty"`
	Guardrails []Guardrail   `json:"guardrails,omitempty"`
	// Arrival is what trigger.onDataArrival found: the objects of the
	// current data that arrived or changed since the last run that acted
	// on its data.
	Arrival  *Arrival  `json:"arrival,omitempty"`
	LabelLag *LabelLag `json:"labelLag,omitempty"`
	Training *Training `json:"training,omitempty"`
	Gates    []Gate    `json:"gates,omitempty"`
	// DriftRanIn is what ran the drift step under the Dagger executor:
	// the ctgit image by digest, or the uploaded static binary; empty
	// under the local executor (in ctgit's own process) and for a drift
	// result from the cache.
	DriftRanIn string `json:"driftRanIn,omitempty"`
	// Candidate is the model trained in this run.
	Candidate *Artifact `json:"candidate,omitempty"`
	// Baseline is the current (deployed) model the candidate is compared
	// with; in a run that stopped before evaluate, only its version, as
	// the target holds it; nil when the target holds none.
	Baseline  *Baseline  `json:"baseline,omitempty"`
	Promotion *Promotion `json:"promotion,omitempty"`
	// Cost is what the steps that ran in this run cost, when the
	// repository declares prices; Budget is the pipeline's budget as the
	// run left it, when it has one.
	Cost   *Cost   `json:"cost,omitempty"`
	Budget *Budget `json:"budget,omitempty"`
}

// Marshal is a run record's stored form, the same bytes wherever it is
// kept (the artifact store, .ctgit/runs): indented JSON and a newline.
func Marshal(r *Run) ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// SLIReading is one production SLI as a run read it
// (trigger.onSLIBreach): on which version, what Prometheus said, and the
// verdict.
type SLIReading struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	Status  string   `json:"status"`
	Reason  string   `json:"reason"`
	Query   string   `json:"query"`
	Value   *float64 `json:"value,omitempty"`
}

// Trigger says why the run happened.
type Trigger struct {
	// Kind is "manual", "push", "schedule", "pull_request" or
	// "workflow_dispatch".
	Kind string `json:"kind"`
	// Detail is e.g. "changed since 1a2b3c: data/current.csv".
	Detail string `json:"detail,omitempty"`
	// At is when the trigger fired (the run's start unless known better).
	At time.Time `json:"at"`
}

// CI identifies the CI run (GitHub Actions).
type CI struct {
	Provider string `json:"provider"`
	RunURL   string `json:"runUrl,omitempty"`
	Ref      string `json:"ref,omitempty"`
	Actor    string `json:"actor,omitempty"`
}

// StepStatus is what happened to a step.
type StepStatus string

// Step statuses.
const (
	StepSucceeded StepStatus = "succeeded"
	StepCached    StepStatus = "cached"
	StepFailed    StepStatus = "failed"
	StepSkipped   StepStatus = "skipped"
	StepCanceled  StepStatus = "canceled"
)

// Step is the result of one step.
type Step struct {
	ID     string     `json:"id"`
	Name   string     `json:"name"`
	Key    string     `json:"key"`
	Pos    pos.Pos    `json:"pos,omitzero"`
	Status StepStatus `json:"status"`
	// Reason explains a skip, a cache hit or a failure.
	Reason          string    `json:"reason,omitempty"`
	Attempts        int       `json:"attempts"`
	ExitCode        *int      `json:"exitCode,omitempty"`
	StartedAt       time.Time `json:"startedAt,omitempty"`
	DurationSeconds float64   `json:"durationSeconds"`
	// Stderr is the tail of a failed attempt's standard error.
	Stderr string `json:"stderr,omitempty"`
	// For a step of the user's: what ran it (the executor and, under
	// Dagger, the image), the GPUs it had, and the metrics it wrote when
	// it declares a metrics file (gates name them "<step>.<key>").
	Executor string         `json:"executor,omitempty"`
	Image    string         `json:"image,omitempty"`
	GPUs     []string       `json:"gpus,omitempty"`
	Metrics  map[string]any `json:"metrics,omitempty"`
	// Resources and Cost are what a container step (train, a step of the
	// user's) used and cost when it ran in this run (see cost.go).
	Resources *Resources `json:"resources,omitempty"`
	Cost      *StepCost  `json:"cost,omitempty"`
}

// Data describes the datasets of the run.
type Data struct {
	Reference Dataset `json:"reference"`
	Current   Dataset `json:"current"`
}

// Dataset is one data file.
type Dataset struct {
	Path   string `json:"path"`
	Digest string `json:"digest"`
	Rows   int    `json:"rows"`
	// Objects counts the objects of a dataset that is more than one
	// repository file, Window says which partitions its window kept, and
	// Manifest lists them with their identities: the snapshot a later
	// run can reproduce.
	Objects  int              `json:"objects,omitempty"`
	Window   string           `json:"window,omitempty"`
	Manifest []dataset.Object `json:"manifest,omitempty"`
	// Note says where a reference that is the deployed model's training
	// data came from ("what run … trained version 1.2.0 on").
	Note string `json:"note,omitempty"`
}

// Check is one data check on the current data.
type Check struct {
	// Column is "" for dataset checks (minRows).
	Column string `json:"column,omitempty"`
	// Check is "minRows", "type", "min", "max", "allowed", "maxNullShare",
	// "required" or "strict".
	Check  string `json:"check"`
	Passed bool   `json:"passed"`
	// Detail says what was found: "37 of 2000 values below 0 (first: -3 at line 18)".
	Detail string `json:"detail"`
	// Pos is the CUE line that declared the check.
	Pos pos.Pos `json:"pos,omitzero"`
}

// Guardrail is one guardrail's decision.
type Guardrail struct {
	// Name is "minRows", "minInterval", "maxRetrains", "budget" or
	// "labelLag".
	Name   string `json:"name"`
	Held   bool   `json:"held"`
	Reason string `json:"reason"`
}

// LabelLag describes how far labels trail the current data.
type LabelLag struct {
	Column       string     `json:"column"`
	LabeledShare float64    `json:"labeledShare"`
	NewestLabel  *time.Time `json:"newestLabel,omitempty"`
	// LagSeconds is the time from the newest label to the run's start.
	LagSeconds *float64 `json:"lagSeconds,omitempty"`
}

// Training describes the training step, and what really ran it.
type Training struct {
	// Executor is what ran the command: "local" (a process on the host)
	// or "dagger" (a container). Empty in records and cached results
	// from before ctgit recorded it.
	Executor string `json:"executor,omitempty"`
	// Image is the container image the command ran in under the Dagger
	// executor, with its digest when the engine resolved one. Empty under
	// the local executor, which runs no image whatever train.image says.
	Image   string   `json:"image,omitempty"`
	Command []string `json:"command"`
	// EngineCached is true when the Dagger engine answered the training
	// from its own cache: the command did not run in this run, and
	// DurationSeconds is the time the answer took, not a training's.
	EngineCached bool `json:"engineCached,omitempty"`
	// Program is the file the local executor started for command[0]: the
	// absolute path found in the step's PATH, or a path under train.code
	// for a relative command.
	Program string `json:"program,omitempty"`
	// ProgramVersion is what the program says its version is ("Python
	// 3.11.2"), asked only of known interpreters and only when it answers
	// at once; empty otherwise.
	ProgramVersion string `json:"programVersion,omitempty"`
	// GPUs are the device names the training reported or the executor saw.
	GPUs            []string       `json:"gpus,omitempty"`
	DurationSeconds float64        `json:"durationSeconds"`
	Metrics         map[string]any `json:"metrics,omitempty"`
}

// TrainingExecutor is the executor that ran the training: the one the
// training recorded, else (a record from before ctgit recorded it) the
// run's; "" without training.
func (r *Run) TrainingExecutor() string {
	if r.Training == nil {
		return ""
	}
	if r.Training.Executor != "" {
		return r.Training.Executor
	}
	return r.Executor
}

// TrainingImage is the image the training ran in, or "" when it ran in
// none: under the local executor train.image is not used, whatever an
// older record says.
func (r *Run) TrainingImage() string {
	if r.Training == nil || r.TrainingExecutor() == "local" {
		return ""
	}
	return r.Training.Image
}

// TrainingProgram is the program the local executor started, with its
// version when known: "/usr/bin/python3 (Python 3.11.2)"; "" when not
// recorded.
func (r *Run) TrainingProgram() string {
	if r.Training == nil || r.Training.Program == "" {
		return ""
	}
	if v := r.Training.ProgramVersion; v != "" {
		return r.Training.Program + " (" + v + ")"
	}
	return r.Training.Program
}

// Gate is one gate's verdict.
type Gate struct {
	// Kind is "min", "max", "maxDropFromBaseline", "maxRiseFromBaseline",
	// "maxSliceGap" or "maxModelBytes".
	Kind      string   `json:"kind"`
	Metric    string   `json:"metric,omitempty"`
	Candidate *float64 `json:"candidate,omitempty"`
	Baseline  *float64 `json:"baseline,omitempty"`
	Threshold float64  `json:"threshold"`
	Passed    bool     `json:"passed"`
	// Skipped is true for relative gates without a current model.
	Skipped bool `json:"skipped,omitempty"`
	// BaselineSource says where Baseline came from, for relative gates
	// that were evaluated; empty for the others.
	BaselineSource BaselineSource `json:"baselineSource,omitempty"`
	// Rows is how many evaluation rows both models were scored on, for a
	// same-data comparison.
	Rows int `json:"rows,omitempty"`
	// Reason in words: "auc 0.871 ≥ 0.85", "auc dropped 0.004 from 0.875,
	// allowed 0.01".
	Reason string `json:"reason"`
	// Pos is the CUE line that declared the gate.
	Pos pos.Pos `json:"pos,omitzero"`
}

// Artifact is a stored model.
type Artifact struct {
	URI    string `json:"uri"`
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
	// Version is the version it is promoted as.
	Version string `json:"version,omitempty"`
}

// Baseline is the current model a candidate is compared with.
type Baseline struct {
	Version  string             `json:"version"`
	Artifact string             `json:"artifact,omitempty"`
	Metrics  map[string]float64 `json:"metrics,omitempty"`
	// RunID is the run that trained it, when its record is known.
	RunID string `json:"runId,omitempty"`
	// PromotedAt is when its version reached the target (from Git history).
	PromotedAt *time.Time `json:"promotedAt,omitempty"`
	// SameData is the deployed model scored by this run's training step on
	// the candidate's evaluation rows; nil when it was not.
	SameData *SameData `json:"sameData,omitempty"`
	// Unscored says why the deployed model was not scored on the same rows,
	// when a version is deployed and SameData is nil.
	Unscored string `json:"unscored,omitempty"`
}

// SameData is the deployed model's metrics on the candidate's evaluation
// rows: the "baseline" section of the metrics file.
type SameData struct {
	// Digest is the artifact ctgit handed the step in CTGIT_BASELINE_DIR.
	Digest string `json:"digest"`
	// Rows is how many rows both models were scored on; it equals the
	// candidate's "rows".
	Rows    int                `json:"rows"`
	Metrics map[string]float64 `json:"metrics"`
}

// BaselineSource is where a relative gate's baseline value came from.
type BaselineSource string

// Baseline sources.
const (
	// BaselineSameData is the deployed model scored on the candidate's
	// evaluation rows in this run.
	BaselineSameData BaselineSource = "same-data"
	// BaselineRecorded is the value the run that promoted the deployed
	// model recorded, on that run's own evaluation data.
	BaselineRecorded BaselineSource = "recorded"
)

// PromotionStatus is what a run's promotion did, in one word.
type PromotionStatus string

// Promotion statuses.
const (
	PromotionOpened          PromotionStatus = "opened"
	PromotionUpdated         PromotionStatus = "updated"
	PromotionUnchanged       PromotionStatus = "unchanged"
	PromotionAlreadyDeployed PromotionStatus = "already-deployed"
	PromotionDryRun          PromotionStatus = "dry-run"
	PromotionDisabled        PromotionStatus = "disabled"
	PromotionSuperseded      PromotionStatus = "superseded"
	PromotionRefused         PromotionStatus = "refused"
)

// PromotionStatuses lists every promotion status, for views and tests that
// must know them all.
var PromotionStatuses = []PromotionStatus{PromotionOpened, PromotionUpdated, PromotionUnchanged, PromotionAlreadyDeployed,
	PromotionDryRun, PromotionDisabled, PromotionSuperseded, PromotionRefused}

// Outcomes lists every outcome, best first, for views and metrics that
// must know them all.
var Outcomes = []Outcome{OutcomePromoted, OutcomePassed, OutcomeUnchanged, OutcomeAlreadyDeployed, OutcomeSuperseded,
	OutcomeDrifted, OutcomeNoDrift, OutcomeNoNewData, OutcomeHeld, OutcomeGatesFailed, OutcomeRefused, OutcomeInvalidData, OutcomeFailed, OutcomeCanceled}

// Promotion is what the run did to promote its candidate.
type Promotion struct {
	// Status is one of the Promotion* constants: "opened", "updated",
	// "unchanged", "already-deployed", "dry-run", "disabled", "superseded"
	// or "refused".
	Status  PromotionStatus `json:"status"`
	Channel string          `json:"channel,omitempty"`
	From    string          `json:"from"`
	To      string          `json:"to"`
	Branch  string          `json:"branch,omitempty"`
	Commit  string          `json:"commit,omitempty"`
	// URL is the pull request's URL, or the local PR file's path.
	URL    string `json:"url,omitempty"`
	Reason string `json:"reason,omitempty"`
	// OpenedAt is when the pull request was opened or last updated by this
	// run; the time from Trigger.At to it is the time to promotion.
	OpenedAt *time.Time `json:"openedAt,omitempty"`
}

// New returns a record with its identity set.
func New(id, pipeline, model string, started time.Time) *Run {
	return &Run{APIVersion: version.APIVersion, Kind: Kind, ID: id, Pipeline: pipeline, Model: model, StartedAt: started}
}

// Read loads a record from a file, checking its kind and version.
func Read(path string) (*Run, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: not a run record: %w", path, err)
	}
	if r.Kind != Kind || r.APIVersion != version.APIVersion {
		return nil, fmt.Errorf("%s: kind %q apiVersion %q, want %s %s", path, r.Kind, r.APIVersion, Kind, version.APIVersion)
	}
	return &r, nil
}

// Arrival is the data-arrival trigger's account of a run.
type Arrival struct {
	// Since is the run compared with ("" for a pipeline's first run).
	Since string `json:"since,omitempty"`
	// Objects counts the objects that arrived or changed since.
	Objects int `json:"objects"`
	// Detail says which, by partition where they have one: "3 new
	// objects: dt=2026-11-28 … dt=2026-11-30 since run …".
	Detail string `json:"detail"`
}
