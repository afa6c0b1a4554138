package config

// This file holds the Go form of the CUE schema (schema/pipeline.cue). The
// types are decoded from unified CUE values and carry no CUE themselves, so
// they are safe to share across goroutines and to serialise. Field comments
// live in the schema; here they only say what Go adds.

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/dataset"
	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/semver"
)

// Pipeline is one decoded pipeline with the positions of what it declares.
type Pipeline struct {
	Name        string  `json:"name"`
	Description string  `json:"description,omitempty"`
	Model       Model   `json:"model"`
	Data        Data    `json:"data"`
	Checks      *Checks `json:"checks,omitempty"`
	// Steps are the user's own steps, by name.
	Steps    map[string]*Step `json:"steps,omitempty"`
	Train    *Train           `json:"train,omitempty"`
	Evaluate *Evaluate        `json:"evaluate,omitempty"`
	Promote  Promote          `json:"promote"`
	Trigger  Trigger          `json:"trigger"`
	// SLIs are the model's production indicators, by name.
	SLIs  map[string]*SLI `json:"slis,omitempty"`
	Watch *Watch          `json:"watch,omitempty"`
	// Budget bounds what training spends (see cost.go); nil without one.
	Budget *Budget `json:"budget,omitempty"`

	// Pos is where the pipeline is declared, as file:line:col relative to
	// the repository root.
	Pos Pos `json:"pos"`
	// Files are the CUE files of the package that declares the pipeline,
	// repository-relative and sorted: a change to any of them may change it.
	Files []string `json:"files"`

	// fields locates every field the user declared (see FieldPos).
	fields fieldPositions
}

// Model names the model and where its deployed version lives.
type Model struct {
	Name   string `json:"name"`
	Target Target `json:"target"`
	// Pos is where the model's name is declared.
	Pos Pos `json:"pos,omitzero"`
}

// The forms a target's artifact field receives (Target.ArtifactFormat).
const (
	ArtifactURIDigest = "uri@digest"
	ArtifactURI       = "uri"
	ArtifactOCIImage  = "oci-image"
)

// Target is a field in a CUE or YAML file of the repository.
type Target struct {
	File     string `json:"file"`
	Path     string `json:"path"`
	Artifact string `json:"artifact,omitempty"`
	// ArtifactFormat is the form Artifact receives: ArtifactURIDigest,
	// ArtifactURI or ArtifactOCIImage.
	ArtifactFormat string `json:"artifactFormat,omitempty"`
	// Pos is where the target is declared.
	Pos Pos `json:"pos,omitzero"`
}

// Data names the reference and current datasets. Each is a location (a
// repository file, directory or glob, or a URL), written alone or as
// {from: location, window: {...}}.
type Data struct {
	Reference string `json:"reference"`
	Current   string `json:"current"`
	Format    string `json:"format"`
	// ReferenceWindow and CurrentWindow keep only the newest partitions of
	// a partitioned dataset; nil without a window.
	ReferenceWindow *Window `json:"referenceWindow,omitempty"`
	CurrentWindow   *Window `json:"currentWindow,omitempty"`
	// ReferenceDeployed makes the reference the data the deployed model
	// was trained on (reference: {deployed: true}); Reference, when set,
	// is what a first run compares with.
	ReferenceDeployed bool `json:"referenceDeployed,omitempty"`
	// Pos is where the data block is declared; ReferencePos and CurrentPos
	// where each location is named.
	Pos          Pos `json:"pos,omitzero"`
	ReferencePos Pos `json:"referencePos,omitzero"`
	CurrentPos   Pos `json:"currentPos,omitzero"`
}

// Window is a data window as written: the partition column, and how many
// partitions (a count) or how much time (a duration such as "7d") to keep
// counting back from the newest, after skipping Skip of them.
type Window struct {
	Partition string `json:"partition"`
	Last      Span   `json:"last"`
	Skip      *Span  `json:"skip,omitempty"`
	// Spec is the window decoded by Load.
	Spec *dataset.Window `json:"-"`
}

// Span is a count of partitions or a duration.
type Span struct {
	Count    int    `json:"-"`
	Duration string `json:"-"`
}

// MarshalJSON writes a span as it was written.
func (s Span) MarshalJSON() ([]byte, error) {
	if s.Duration != "" {
		return json.Marshal(s.Duration)
	}
	return json.Marshal(s.Count)
}

// UnmarshalJSON reads a count or a duration.
func (s *Span) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &s.Duration)
	}
	return json.Unmarshal(b, &s.Count)
}

func (s Span) String() string {
	if s.Duration != "" {
		return s.Duration
	}
	if s.Count == 1 {
		return "1 partition"
	}
	return strconv.Itoa(s.Count) + " partitions"
}

// dataSource is one of data.reference and data.current in its long form.
type dataSource struct {
	From     string  `json:"from,omitempty"`
	Window   *Window `json:"window,omitempty"`
	Deployed bool    `json:"deployed,omitempty"`
}

// UnmarshalJSON reads each dataset as a location or {from, window}.
func (d *Data) UnmarshalJSON(b []byte) error {
	var raw struct {
		Reference    json.RawMessage `json:"reference"`
		Current      json.RawMessage `json:"current"`
		Format       string          `json:"format"`
		Pos          Pos             `json:"pos"`
		ReferencePos Pos             `json:"referencePos"`
		CurrentPos   Pos             `json:"currentPos"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	d.Format, d.Pos, d.ReferencePos, d.CurrentPos = raw.Format, raw.Pos, raw.ReferencePos, raw.CurrentPos
	for _, f := range []struct {
		in       json.RawMessage
		loc      *string
		win      **Window
		deployed *bool
	}{{raw.Reference, &d.Reference, &d.ReferenceWindow, &d.ReferenceDeployed}, {raw.Current, &d.Current, &d.CurrentWindow, new(bool)}} {
		if len(f.in) == 0 {
			continue
		}
		if f.in[0] == '"' {
			if err := json.Unmarshal(f.in, f.loc); err != nil {
				return err
			}
			continue
		}
		var src dataSource
		if err := json.Unmarshal(f.in, &src); err != nil {
			return err
		}
		*f.loc, *f.win, *f.deployed = src.From, src.Window, src.Deployed
	}
	return nil
}

// MarshalJSON writes the data block in the shape a pipeline writes it.
func (d Data) MarshalJSON() ([]byte, error) {
	src := func(loc string, w *Window, deployed bool) any {
		if w == nil && !deployed {
			return loc
		}
		return dataSource{From: loc, Window: w, Deployed: deployed}
	}
	return json.Marshal(struct {
		Reference    any    `json:"reference"`
		Current      any    `json:"current"`
		Format       string `json:"format"`
		Pos          Pos    `json:"pos,omitzero"`
		ReferencePos Pos    `json:"referencePos,omitzero"`
		CurrentPos   Pos    `json:"currentPos,omitzero"`
	}{src(d.Reference, d.ReferenceWindow, d.ReferenceDeployed), src(d.Current, d.CurrentWindow, false), d.Format, d.Pos, d.ReferencePos, d.CurrentPos})
}

// Checks are data validation rules and the drift policy.
type Checks struct {
	MinRows      int               `json:"minRows"`
	MaxNullShare *float64          `json:"maxNullShare,omitempty"`
	Strict       bool              `json:"strict"`
	Columns      map[string]Column `json:"columns,omitempty"`
	Drift        *DriftPolicy      `json:"drift,omitempty"`
	// Pos is where the checks block is declared; MinRowsPos where minRows is.
	Pos        Pos `json:"pos,omitzero"`
	MinRowsPos Pos `json:"minRowsPos,omitzero"`
}

// Column declares one column of the data.
type Column struct {
	Type         string         `json:"type"`
	Min          *float64       `json:"min,omitempty"`
	Max          *float64       `json:"max,omitempty"`
	Allowed      []any          `json:"allowed,omitempty"`
	MaxNullShare *float64       `json:"maxNullShare,omitempty"`
	Required     bool           `json:"required"`
	Drift        *ColumnDrift   `json:"drift,omitempty"`
	Pos          Pos            `json:"pos,omitzero"`
	FieldPos     ColumnFieldPos `json:"fieldPos,omitempty"`
}

// ColumnFieldPos holds the positions of a column's individual checks, so a
// failed check names the line that declared it.
type ColumnFieldPos struct {
	Type         Pos `json:"type,omitzero"`
	Min          Pos `json:"min,omitzero"`
	Max          Pos `json:"max,omitzero"`
	Allowed      Pos `json:"allowed,omitzero"`
	MaxNullShare Pos `json:"maxNullShare,omitzero"`
	// DriftSkip is where drift.skip is set; reports name it as the reason
	// the column was not tested.
	DriftSkip Pos `json:"driftSkip,omitzero"`
}

// ColumnDrift overrides the drift policy for one column.
type ColumnDrift struct {
	// Method is the column's own list of drift methods; empty inherits.
	Method    drift.MethodList `json:"method,omitempty"`
	Threshold *float64         `json:"threshold,omitempty"`
	Skip      bool             `json:"skip"`
}

// DriftPolicy decides when the current data has drifted.
type DriftPolicy struct {
	// Method is the drift methods for every column without its own: one
	// ("auto" by default) or a list, each applied to the columns it fits.
	// Its JSON form is a string for one, as it always was, so that plan
	// keys of one method do not change.
	Method     drift.MethodList `json:"method"`
	Threshold  *float64         `json:"threshold,omitempty"`
	Share      float64          `json:"share"`
	NullShare  float64          `json:"nullShare"`
	Correction string           `json:"correction"`
	Columns    []string         `json:"columns,omitempty"`
	Pos        Pos              `json:"pos,omitzero"`
	// ColumnsPos is where columns is set, when it is.
	ColumnsPos Pos `json:"columnsPos,omitzero"`
}

// Container is what every container step declares: the training step and
// the user's own steps.
type Container struct {
	Image   string            `json:"image"`
	Command []string          `json:"command"`
	Code    string            `json:"code,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	Secrets []string          `json:"secrets,omitempty"`
	GPUs    int               `json:"gpus"`
	Timeout string            `json:"timeout"`
	// TimeoutDuration is Timeout, decoded by Load.
	TimeoutDuration time.Duration `json:"-"`
	Retries         int           `json:"retries"`
	Caches          []string      `json:"caches,omitempty"`
	// Inputs maps an input's name to what it is: "data.current",
	// "data.reference", or a step's output ("features.table",
	// "train.model"); see ParseSource.
	Inputs map[string]string `json:"inputs,omitempty"`
	// Needs are steps that must finish first without a data edge.
	Needs []string `json:"needs,omitempty"`
	Pos   Pos      `json:"pos,omitzero"`
}

// Train is the training step.
type Train struct {
	Container
	// Data is "parts" to hand a dataset of many parts as its parts only;
	// "" (or "file") also as one assembled CSV.
	Data  string `json:"data,omitempty"`
	Model string `json:"model"`
}

// Step is a step of the user's own: a container with named inputs and
// outputs, placed in the pipeline's graph by what it reads.
type Step struct {
	Container
	// Name is the step's key under steps.
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Outputs maps an output's name to its path under the step's output
	// directory.
	Outputs map[string]string `json:"outputs,omitempty"`
	// Metrics is a JSON file under the output directory whose keys gates
	// name as "<step>.<key>".
	Metrics string `json:"metrics,omitempty"`
	// Wanted marks a step that nothing reads on purpose (an export).
	Wanted bool `json:"wanted,omitempty"`
}

// Evaluate holds the gates.
type Evaluate struct {
	Metrics string `json:"metrics"`
	Gates   []Gate `json:"gates"`
	// FirstRun is "promote", "block" or "" (decided by whether the target
	// holds a version: see FirstRunPolicy).
	FirstRun string `json:"firstRun,omitempty"`
	Pos      Pos    `json:"pos,omitzero"`
}

// FirstRunPolicy is what a run does when a relative gate has no baseline:
// the declared evaluate.firstRun, else "block" when deployed names a
// version and "promote" when it names none.
func (e *Evaluate) FirstRunPolicy(deployed string) string {
	if e.FirstRun != "" {
		return e.FirstRun
	}
	if semver.NoVersionYet(deployed) {
		return "promote"
	}
	return "block"
}

// Gate is one condition on the candidate; exactly one kind is set (Min and
// Max may go together).
type Gate struct {
	Metric              string   `json:"metric,omitempty"`
	Min                 *float64 `json:"min,omitempty"`
	Max                 *float64 `json:"max,omitempty"`
	MaxDropFromBaseline *float64 `json:"maxDropFromBaseline,omitempty"`
	MaxRiseFromBaseline *float64 `json:"maxRiseFromBaseline,omitempty"`
	MaxSliceGap         *float64 `json:"maxSliceGap,omitempty"`
	MaxModelBytes       *int64   `json:"maxModelBytes,omitempty"`
	// Pos is where the gate is declared; failed-gate annotations point here.
	Pos Pos `json:"pos,omitzero"`
}

// Relative reports whether the gate compares with the current model.
func (g Gate) Relative() bool {
	return g.MaxDropFromBaseline != nil || g.MaxRiseFromBaseline != nil
}

// Promote is how a passing candidate becomes a pull request.
type Promote struct {
	Scheme    string    `json:"scheme"`
	Bump      string    `json:"bump"`
	Branch    string    `json:"branch,omitempty"`
	Labels    []string  `json:"labels,omitempty"`
	Reviewers []string  `json:"reviewers,omitempty"`
	Draft     bool      `json:"draft"`
	Channels  []Channel `json:"channels,omitempty"`
	Pos       Pos       `json:"pos,omitzero"`
}

// Channel is one promotion stage.
type Channel struct {
	Name   string `json:"name"`
	Target Target `json:"target"`
	// Analysis must pass on the previous stage's version before a
	// promotion into this channel; nil when none is declared.
	Analysis *Analysis `json:"analysis,omitempty"`
}

// SLI is a production indicator: a PromQL query and its bound.
type SLI struct {
	// Name is the SLI's key under slis.
	Name        string   `json:"name"`
	Query       string   `json:"query"`
	Min         *float64 `json:"min,omitempty"`
	Max         *float64 `json:"max,omitempty"`
	For         string   `json:"for,omitempty"`
	Compare     *Compare `json:"compare,omitempty"`
	Description string   `json:"description,omitempty"`
	// ForDuration is For, decoded by Load (0 when unset).
	ForDuration time.Duration `json:"-"`
	Pos         Pos           `json:"pos,omitzero"`
	// QueryPos is where the query is written.
	QueryPos Pos `json:"queryPos,omitzero"`
}

// Compare bounds canary − stable of an SLI.
type Compare struct {
	MinDelta *float64 `json:"minDelta,omitempty"`
	MaxDelta *float64 `json:"maxDelta,omitempty"`
}

// Analysis is a canary analysis: Count measurements Interval apart.
type Analysis struct {
	SLIs              []string `json:"slis"`
	Count             int      `json:"count"`
	Interval          string   `json:"interval"`
	FailureLimit      int      `json:"failureLimit"`
	InconclusiveLimit int      `json:"inconclusiveLimit"`
	// IntervalDuration is Interval, decoded by Load.
	IntervalDuration time.Duration `json:"-"`
	Pos              Pos           `json:"pos,omitzero"`
}

// Watch is what `ctgit watch` does for the model.
type Watch struct {
	SLIs    []string `json:"slis"`
	Channel string   `json:"channel,omitempty"`
	Pos     Pos      `json:"pos,omitzero"`
}

// Trigger decides when a pipeline runs and trains.
type Trigger struct {
	Paths    []string `json:"paths,omitempty"`
	Schedule string   `json:"schedule,omitempty"`
	OnDrift  bool     `json:"onDrift"`
	// OnDataArrival runs the pipeline only when objects of its current
	// data arrived (or changed) since its last run.
	OnDataArrival bool `json:"onDataArrival,omitempty"`
	// OnSLIBreach trains when one of these SLIs breaches on the deployed
	// version.
	OnSLIBreach []string `json:"onSLIBreach,omitempty"`
	MinInterval string   `json:"minInterval,omitempty"`
	// MinIntervalDuration is MinInterval, decoded by Load (0 when unset).
	MinIntervalDuration time.Duration `json:"-"`
	MaxRetrains         *MaxRetrains  `json:"maxRetrains,omitempty"`
	LabelLag            *LabelLag     `json:"labelLag,omitempty"`
	Pos                 Pos           `json:"pos,omitzero"`
	// PathsPos holds the position of each entry of Paths, index for index.
	PathsPos []Pos `json:"-"`
}

// MaxRetrains is the retrain-rate guardrail.
type MaxRetrains struct {
	Count  int    `json:"count"`
	Window string `json:"window"`
	// WindowDuration is Window, decoded by Load.
	WindowDuration time.Duration `json:"-"`
}

// LabelLag holds training until labels have caught up.
type LabelLag struct {
	Column          string  `json:"column"`
	MinLabeledShare float64 `json:"minLabeledShare"`
	MaxLag          string  `json:"maxLag,omitempty"`
	// MaxLagDuration is MaxLag, decoded by Load (0 when unset).
	MaxLagDuration time.Duration `json:"-"`
}

// Settings are repository-wide settings.
type Settings struct {
	Artifacts string `json:"artifacts"`
	// AllowLocalArtifacts keeps a file:// store under CI.
	AllowLocalArtifacts bool            `json:"allowLocalArtifacts,omitempty"`
	Cache               string          `json:"cache"`
	Forge               string          `json:"forge"`
	BaseBranch          string          `json:"baseBranch,omitempty"`
	GitHub              *GitHubSettings `json:"github,omitempty"`
	Bot                 Bot             `json:"bot"`
	// Prometheus is where SLIs are read from; nil when not declared.
	Prometheus *PrometheusSettings `json:"prometheus,omitempty"`
	// Prices are per executor name (see cost.go); nil when none are declared.
	Prices map[string]*Price `json:"prices,omitempty"`
}

// PrometheusSettings say how to reach the Prometheus server. Credentials
// are named by environment variable; their values never enter ctgit's
// configuration.
type PrometheusSettings struct {
	URL            string `json:"url"`
	BearerTokenEnv string `json:"bearerTokenEnv,omitempty"`
	BasicAuth      *struct {
		UsernameEnv string `json:"usernameEnv"`
		PasswordEnv string `json:"passwordEnv"`
	} `json:"basicAuth,omitempty"`
	Timeout string `json:"timeout"`
	// TimeoutDuration is Timeout, decoded by Load.
	TimeoutDuration time.Duration `json:"-"`
}

// GitHubSettings configure the GitHub forge.
type GitHubSettings struct {
	URL        string `json:"url,omitempty"`
	Repository string `json:"repository,omitempty"`
}

// Bot is the author of promotion commits.
type Bot struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// PromotionBranch is the branch a promotion of this pipeline's model to
// channel uses ("" is the model's own target).
func (p *Pipeline) PromotionBranch(channel string) string {
	b := p.Promote.Branch
	if b == "" {
		b = "ctgit/" + p.Model.Name
	}
	if channel != "" {
		b += "-" + channel
	}
	return b
}

// RollbackBranch is the branch `ctgit rollback` uses for this pipeline's
// model: the promotion branch with "rollback-" before its last path
// element (ctgit/fraud → ctgit/rollback-fraud), so that a rollback never
// replaces a pending promotion. check rejects configurations where it
// would meet another pipeline's branch.
func (p *Pipeline) RollbackBranch() string {
	b := p.PromotionBranch("")
	i := strings.LastIndex(b, "/") + 1
	return b[:i] + "rollback-" + b[i:]
}
