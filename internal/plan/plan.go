package plan

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/ctgit/ctgit/internal/cache"
	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/dag"
	"github.com/ctgit/ctgit/internal/dataset"
	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/version"
)

// StepSemantics is part of every step key. Bump it when what a step does
// with the same inputs changes, so old cache entries stop matching.
const StepSemantics = "ctgit-step/1"

// Plan is what ctgit would do: per pipeline, a DAG of steps, each with its
// content key and the action that key implies against the step cache. It is
// plain data: executors consume it and never re-read CUE, and its JSON form
// ("kind": "Plan") is documented in the README.
type Plan struct {
	APIVersion string `json:"apiVersion"` // always version.APIVersion
	Kind       string `json:"kind"`       // always "Plan"
	// Root is the repository root, absolute; every path is relative to it.
	Root string `json:"-"`
	// Commit is the HEAD commit the plan was made at ("" outside Git).
	Commit string `json:"commit,omitempty"`
	// ChangedSince is the --changed-since revision, when given.
	ChangedSince string `json:"changedSince,omitempty"`
	// Changed are the files that changed since ChangedSince, sorted.
	Changed []string `json:"changed,omitempty"`
	// Settings are the repository's settings.
	Settings config.Settings `json:"settings"`
	// Pipelines are sorted by name; unselected ones have no steps.
	Pipelines []*PipelinePlan `json:"pipelines"`
}

// PipelinePlan is the plan of one pipeline.
type PipelinePlan struct {
	Name  string     `json:"name"`
	Model string     `json:"model"`
	Pos   config.Pos `json:"pos"`
	// Selected is false when --changed-since found nothing of the pipeline
	// changed (or it was not named); Reason then says why.
	Selected bool   `json:"selected"`
	Reason   string `json:"reason,omitempty"`
	// Steps are in execution order; Steps[i].Needs names earlier steps.
	Steps []*Step `json:"steps,omitempty"`
	// Edges are the graph's dependencies between Steps, by step ID, with
	// why each is there (config.EdgeKind).
	Edges []Edge `json:"edges,omitempty"`
	// Arrival is what trigger.onDataArrival would decide, when `ctgit
	// plan` could read the run records: what arrived since the last run
	// that acted on the data, or that nothing did (every step is then
	// planned as skipped); "" when not known.
	Arrival string `json:"arrival,omitempty"`
	// Pipeline is the decoded definition the steps were made from.
	Pipeline *config.Pipeline `json:"definition"`
}

// Edge is one dependency of a pipeline's graph: To waits for From.
type Edge struct {
	From string          `json:"from"`
	To   string          `json:"to"`
	Kind config.EdgeKind `json:"kind"`
	// Input and Source say, for a data edge, which input of To reads
	// which output ("features" reads "prep.table").
	Input  string `json:"input,omitempty"`
	Source string `json:"source,omitempty"`
}

// Step returns the step named name ("train"), or nil.
func (pp *PipelinePlan) Step(name StepName) *Step {
	for _, s := range pp.Steps {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// StepName is the kind of a step.
type StepName string

// The steps of a pipeline, in order.
const (
	StepValidate StepName = "validate"
	StepDrift    StepName = "drift"
	StepTrain    StepName = "train"
	StepEvaluate StepName = "evaluate"
	StepPromote  StepName = "promote"
)

// Action is what the plan expects to do with a step.
type Action string

// Actions. A conditional step's running depends on an earlier step's result
// (training on the drift decision, promotion on the gates).
const (
	ActionRun         Action = "run"
	ActionCached      Action = "cached"
	ActionConditional Action = "conditional"
	ActionSkip        Action = "skip"
)

// Step is one node of a pipeline's DAG.
type Step struct {
	// ID is "<pipeline>/<step>", unique in the plan.
	ID       string   `json:"id"`
	Pipeline string   `json:"pipeline"`
	Name     StepName `json:"name"`
	// Needs are the IDs of the steps that must finish first.
	Needs []string `json:"needs,omitempty"`
	// Pos is where the step's definition starts.
	Pos config.Pos `json:"pos"`
	// Key is the content key: the digest of Parts. Equal keys mean equal
	// results, so a cached result with this key is reused.
	Key   string   `json:"key"`
	Parts KeyParts `json:"parts"`
	// Action and Reason say what the plan expects and why, in words.
	Action Action `json:"action"`
	Reason string `json:"reason"`
	// Scope says what the step covers where its name does not: for drift,
	// the columns it tests and those it leaves out, and why.
	Scope string `json:"scope,omitempty"`
	// Inputs are the repository files the step reads.
	Inputs []Input `json:"inputs,omitempty"`
	// User marks a step of the user's own (steps:); Name is then its name.
	User bool `json:"user,omitempty"`
}

// Input is a repository file or directory a step reads.
type Input struct {
	// Role says what the input is for; it names the input in reasons and
	// keys it in KeyParts.Inputs.
	Role   InputRole `json:"role"`
	Path   string    `json:"path"`
	Digest string    `json:"digest"`
	Size   int64     `json:"size,omitempty"`
	// Objects is how many objects a dataset consists of, and Window
	// which partitions its window kept; both only for datasets of more
	// than one file.
	Objects int    `json:"objects,omitempty"`
	Window  string `json:"window,omitempty"`
	// Deployed marks the reference that is the deployed model's training
	// data (data.reference.deployed), found in the run records when the
	// pipeline runs; its digest stands for it by the deployed version's
	// and the first-run location's digests.
	Deployed bool `json:"deployed,omitempty"`
	// snapshot is the dataset's resolved snapshot, for the run.
	snapshot *dataset.Snapshot
}

// Snapshot is the resolved dataset of a data input; nil for other inputs.
func (in Input) Snapshot() *dataset.Snapshot { return in.snapshot }

// InputRole is what a step's input is for, in words a reason can use.
type InputRole string

// Input roles.
const (
	RoleReferenceData   InputRole = "reference data"
	RoleCurrentData     InputRole = "current data"
	RoleDeployedVersion InputRole = "deployed version"
	RoleTrainingCode    InputRole = "training code"
	// RoleCode is the code directory of a step of the user's.
	RoleCode InputRole = "code"
)

// KeyParts is everything that determines a step's result. Its canonical JSON
// is hashed into the step key. Secret values are never part of it; only
// their names are.
type KeyParts struct {
	Semantics  string               `json:"semantics"`
	Step       StepName             `json:"step"`
	Definition string               `json:"definition"` // digest of the step's definition
	Image      string               `json:"image,omitempty"`
	Command    []string             `json:"command,omitempty"`
	Env        map[string]string    `json:"env,omitempty"`
	Secrets    []string             `json:"secrets,omitempty"` // names only
	Inputs     map[InputRole]string `json:"inputs,omitempty"`  // role → digest
	Upstream   map[string]string    `json:"upstream,omitempty"`
}

// Key returns the digest of the parts' canonical JSON (encoding/json sorts
// map keys, and the struct's field order is fixed).
func (k KeyParts) Key() string {
	b, err := json.Marshal(k)
	if err != nil {
		panic(err) // only strings and maps of strings: cannot fail
	}
	return digest.Bytes(b)
}

// Options tune Build.
type Options struct {
	// Pipelines restricts the plan to these names (all when empty).
	Pipelines []string
	// Changed, when not nil, selects only pipelines affected by these
	// repository paths; ChangedSince is the revision they came from.
	Changed      []string
	ChangedSince string
	// Commit is recorded in the plan.
	Commit string
	// Cache decides cached steps and explains changes; nil plans every
	// step as run.
	Cache *cache.Store
	// Memo remembers file digests; nil hashes everything.
	Memo *digest.Memo
	// ForceTrain plans training even without drift.
	ForceTrain bool
	// Context bounds listing remote data (context.Background when nil).
	Context context.Context
	// Data resolves the pipelines' datasets; nil resolves repository
	// paths only, with Memo.
	Data *dataset.Resolver
}

// Build makes the plan of cfg.
func Build(cfg *config.Config, opt Options) (*Plan, error) {
	if opt.Memo == nil {
		opt.Memo = digest.NewMemo()
	}
	if opt.Context == nil {
		opt.Context = context.Background()
	}
	if opt.Data == nil {
		opt.Data = &dataset.Resolver{Root: cfg.Root, Memo: opt.Memo}
	}
	known := map[string]bool{}
	for _, p := range cfg.Pipelines {
		known[p.Name] = true
	}
	var unknown []string
	for _, n := range opt.Pipelines {
		if !known[n] {
			unknown = append(unknown, fmt.Sprintf("%q", n))
		}
	}
	if len(unknown) > 0 {
		names := make([]string, 0, len(known))
		for n := range known {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, config.Diagnostics{{Message: fmt.Sprintf("no pipeline named %s; pipelines here: %s", strings.Join(unknown, ", "), strings.Join(names, ", "))}}
	}

	pl := &Plan{
		APIVersion:   version.APIVersion,
		Kind:         "Plan",
		Root:         cfg.Root,
		Commit:       opt.Commit,
		ChangedSince: opt.ChangedSince,
		Settings:     cfg.Settings,
	}
	if opt.Changed != nil {
		pl.Changed = append([]string{}, opt.Changed...)
		sort.Strings(pl.Changed)
	}

	// Pipelines are independent: hash and plan them in parallel. Hashing
	// dominates, and the memo makes shared files cost once.
	pl.Pipelines = make([]*PipelinePlan, len(cfg.Pipelines))
	errs := make([]error, len(cfg.Pipelines))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, p := range cfg.Pipelines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			pl.Pipelines[i], errs[i] = planPipeline(cfg, p, opt)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return pl, nil
}

func planPipeline(cfg *config.Config, p *config.Pipeline, opt Options) (*PipelinePlan, error) {
	pp := &PipelinePlan{Name: p.Name, Model: p.Model.Name, Pos: p.Pos, Pipeline: p, Selected: true}
	if len(opt.Pipelines) > 0 && !contains(opt.Pipelines, p.Name) {
		pp.Selected, pp.Reason = false, "not named on the command line"
		return pp, nil
	}
	if opt.Changed != nil {
		if why := affectedBy(p, opt.Changed); why != "" {
			pp.Reason = why
		} else {
			pp.Selected, pp.Reason = false, fmt.Sprintf("nothing it reads changed since %s", shortRev(opt.ChangedSince))
			for _, loc := range []string{p.Data.Current, p.Data.Reference} {
				if strings.Contains(loc, "://") {
					pp.Reason += fmt.Sprintf(" in the repository; its data %s is outside it, so a change there is seen by a scheduled run (trigger.onDataArrival runs it when objects arrive), not by --changed-since", loc)
					break
				}
			}
			return pp, nil
		}
	}

	in := inputHasher{root: cfg.Root, pipeline: p.Name, memo: opt.Memo}
	target := in.file(RoleDeployedVersion, p.Model.Target.File)
	var ref *Input
	if p.Data.ReferenceDeployed {
		ref = in.deployedData(opt, p, target)
	} else {
		ref = in.data(opt, RoleReferenceData, p.Data.Reference, p.Data.ReferenceWindow, p.Data.ReferencePos, "data.reference")
	}
	cur := in.data(opt, RoleCurrentData, p.Data.Current, p.Data.CurrentWindow, p.Data.CurrentPos, "data.current")
	var code *Input
	if p.Train != nil && p.Train.Code != "" {
		code = in.dir(RoleTrainingCode, p.Train.Code)
	}
	userCode := map[string]*Input{}
	for name, u := range p.Steps {
		if u.Code != "" {
			userCode[name] = in.dir(RoleCode, u.Code)
		}
	}
	if in.err != nil {
		return nil, in.err
	}

	// The graph: which steps wait for which, and which of those edges
	// carry the upstream step's key into the dependant's.
	names := p.StepNames()
	needs := map[string][]config.Edge{}
	for _, e := range p.Edges() {
		needs[e.To] = append(needs[e.To], e)
	}
	byName := map[string]*Step{}
	var steps []*Step
	add := func(name StepName, pos config.Pos, def any, inputs []*Input, k KeyParts) *Step {
		s := &Step{
			ID:       p.Name + "/" + string(name),
			Pipeline: p.Name,
			Name:     name,
			Pos:      pos,
		}
		k.Semantics, k.Step = StepSemantics, name
		k.Definition = definitionDigest(def)
		if len(inputs) > 0 {
			k.Inputs = map[InputRole]string{}
		}
		for _, i := range inputs {
			s.Inputs = append(s.Inputs, *i)
			k.Inputs[i.Role] = i.Digest
		}
		// The chain's predecessor first, as a pipeline without steps of
		// its own has always listed it.
		edges := needs[string(name)]
		sort.SliceStable(edges, func(i, j int) bool { return edges[i].Kind == config.EdgeChain && edges[j].Kind != config.EdgeChain })
		for _, e := range edges {
			up := byName[e.From]
			if !slices.Contains(s.Needs, up.ID) {
				s.Needs = append(s.Needs, up.ID)
			}
			pp.Edges = append(pp.Edges, Edge{From: up.ID, To: s.ID, Kind: e.Kind, Input: e.Input, Source: e.Source})
			if e.Kind.Keyed() {
				if k.Upstream == nil {
					k.Upstream = map[string]string{}
				}
				k.Upstream[e.From] = up.Key
			}
		}
		s.Parts = k
		s.Key = k.Key()
		steps = append(steps, s)
		byName[string(name)] = s
		return s
	}
	// data is the dataset input a step of the user's names.
	data := func(src config.Source) *Input {
		if src.Output == "reference" {
			return ref
		}
		return cur
	}

	for _, name := range names {
		switch name {
		case config.StepValidate:
			def := *p.Checks
			def.Drift = nil
			add(StepValidate, p.Checks.Pos, def, []*Input{cur}, KeyParts{})
		case config.StepDrift:
			s := add(StepDrift, p.Checks.Drift.Pos, driftDefinition(p), []*Input{ref, cur}, KeyParts{})
			s.Scope = driftScope(p)
		case config.StepTrain:
			t := p.Train
			inputs := []*Input{ref, cur}
			if code != nil {
				inputs = append(inputs, code)
			}
			def := *t
			def.Timeout, def.Retries, def.Caches = "", 0, nil // change how, not what, is trained
			add(StepTrain, t.Pos, def, inputs, KeyParts{
				Image:   t.Image,
				Command: t.Command,
				Env:     t.Env,
				Secrets: t.Secrets,
			})
		case config.StepEvaluate:
			add(StepEvaluate, p.Evaluate.Pos, p.Evaluate, []*Input{target}, KeyParts{})
		case config.StepPromote:
			add(StepPromote, p.Promote.Pos, struct {
				Promote config.Promote `json:"promote"`
				Target  config.Target  `json:"target"`
			}{p.Promote, p.Model.Target}, []*Input{target}, KeyParts{})
		default:
			u := p.Steps[name]
			var inputs []*Input
			seen := map[InputRole]bool{}
			for _, in := range sortedKeys(u.Inputs) {
				if src, err := config.ParseSource(u.Inputs[in]); err == nil && src.IsData() {
					if d := data(src); !seen[d.Role] {
						seen[d.Role] = true
						inputs = append(inputs, d)
					}
				}
			}
			if c := userCode[name]; c != nil {
				inputs = append(inputs, c)
			}
			def := *u
			def.Timeout, def.Retries, def.Caches, def.Description = "", 0, nil, ""
			s := add(StepName(name), u.Pos, def, inputs, KeyParts{
				Image:   u.Image,
				Command: u.Command,
				Env:     u.Env,
				Secrets: u.Secrets,
			})
			s.User = true
		}
	}

	decideActions(steps, p, opt)
	pp.Steps = steps
	return pp, nil
}

// driftDefinition is what decides the drift step's result: the policy, the
// per-column types and overrides, the label-lag column (left out), and
// which columns drift covers by default. Covers changed from "declared"
// (every declared column, once one was skipped) to "both files": results
// cached under the old meaning may have tested fewer columns, so they must
// not be reused.
func driftDefinition(p *config.Pipeline) any {
	c := p.Checks
	type col struct {
		Type  string              `json:"type"`
		Drift *config.ColumnDrift `json:"drift,omitempty"`
	}
	cols := map[string]col{}
	for n, c := range c.Columns {
		cols[n] = col{c.Type, c.Drift}
	}
	labelLag := ""
	if ll := p.Trigger.LabelLag; ll != nil {
		labelLag = ll.Column
	}
	return struct {
		Policy   *config.DriftPolicy `json:"policy"`
		Columns  map[string]col      `json:"columns"`
		LabelLag string              `json:"labelLagColumn,omitempty"`
		Covers   string              `json:"covers"`
	}{c.Drift, cols, labelLag, "every column in both files"}
}

// definitionDigest hashes a step's definition without the positions that
// locate it: moving a block in its file does not change what it does.
func definitionDigest(def any) string {
	b, err := json.Marshal(def)
	if err != nil {
		panic(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		panic(err)
	}
	b, _ = json.Marshal(stripPositions(v))
	return digest.Bytes(b)
}

func stripPositions(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if k == "pos" || strings.HasSuffix(k, "Pos") {
				delete(x, k)
				continue
			}
			x[k] = stripPositions(e)
		}
	case []any:
		for i, e := range x {
			x[i] = stripPositions(e)
		}
	}
	return v
}

// inputHasher hashes repository inputs, keeping the first error.
type inputHasher struct {
	root     string
	pipeline string
	memo     *digest.Memo
	err      error
}

func (h *inputHasher) file(role InputRole, rel string) *Input {
	in := &Input{Role: role, Path: rel}
	if h.err != nil {
		return in
	}
	d, n, err := h.memo.File(filepath.Join(h.root, filepath.FromSlash(rel)))
	if err != nil {
		h.err = fmt.Errorf("hashing %s %s: %w", role, rel, err)
	}
	in.Digest, in.Size = d, n
	return in
}

// data resolves a dataset: its objects and their identities, listed from
// the store for a remote one. An error names the field that declares it.
func (h *inputHasher) data(opt Options, role InputRole, loc string, w *config.Window, pos config.Pos, field string) *Input {
	in := &Input{Role: role, Path: dataset.Redact(loc)}
	if h.err != nil {
		return in
	}
	spec := dataset.Spec{Location: loc}
	if w != nil {
		spec.Window = w.Spec
	}
	snap, err := opt.Data.Resolve(opt.Context, spec)
	if err != nil {
		h.err = fmt.Errorf("%s: pipelines.%s.%s: %w", pos, h.pipeline, field, err)
		return in
	}
	in.Digest, in.Size, in.snapshot = snap.Digest, snap.Size, snap
	if len(snap.Objects) > 1 || strings.Contains(loc, "://") || snap.Window != "" {
		in.Objects, in.Window = len(snap.Objects), snap.Window
	}
	return in
}

// deployedData is the reference that is the deployed model's training
// data. Which objects those are is in the run record that promoted the
// deployed version, read when the pipeline runs; the plan keys it by the
// target file, which names that version, and by the first-run location
// (data.reference.from) when there is one.
func (h *inputHasher) deployedData(opt Options, p *config.Pipeline, target *Input) *Input {
	in := &Input{Role: RoleReferenceData, Path: DeployedReference, Deployed: true}
	first := ""
	if p.Data.Reference != "" {
		fb := h.data(opt, RoleReferenceData, p.Data.Reference, p.Data.ReferenceWindow, p.Data.ReferencePos, "data.reference")
		in.snapshot, in.Objects, in.Window, first = fb.snapshot, fb.Objects, fb.Window, fb.Digest
		in.Path += " (first run: " + p.Data.Reference + ")"
	}
	in.Digest = digest.Bytes([]byte("ctgit deployed training data\n" + target.Digest + "\n" + first))
	return in
}

// DeployedReference names the reference that is the deployed model's
// training data.
const DeployedReference = "the deployed model's training data"

func (h *inputHasher) dir(role InputRole, rel string) *Input {
	in := &Input{Role: role, Path: rel + "/"}
	if h.err != nil {
		return in
	}
	d, err := h.memo.Dir(filepath.Join(h.root, filepath.FromSlash(rel)))
	if err != nil {
		h.err = fmt.Errorf("hashing %s %s: %w", role, rel, err)
	}
	in.Digest = d
	return in
}

// Graph returns the DAG of the pipeline's steps.
func (pp *PipelinePlan) Graph() (*dag.Graph, error) {
	ids := make([]string, len(pp.Steps))
	needs := map[string][]string{}
	for i, s := range pp.Steps {
		ids[i] = s.ID
		needs[s.ID] = s.Needs
	}
	return dag.New(ids, needs)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func shortRev(rev string) string {
	if len(rev) == 40 && strings.Trim(rev, "0123456789abcdef") == "" {
		return rev[:12]
	}
	return rev
}
