package config

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Built-in step names. A step of the user's may not take one of them, nor
// "data", which names the pipeline's datasets in inputs.
const (
	StepValidate = "validate"
	StepDrift    = "drift"
	StepTrain    = "train"
	StepEvaluate = "evaluate"
	StepPromote  = "promote"
	sourceData   = "data"
)

// Outputs of the training step that other steps can read.
const (
	TrainOutputModel   = "model"   // train.model: the model file or directory
	TrainOutputMetrics = "metrics" // train.metrics: the metrics file
	TrainOutputAll     = "outputs" // train.outputs: the whole output directory
)

// Source is what a step's input reads: a dataset ("data.current") or
// another step's output ("features.table", "train.model").
type Source struct {
	// Step is "data" for a dataset, else the step whose output it is.
	Step string `json:"step"`
	// Output is "current" or "reference" for a dataset, else the name
	// of the step's output.
	Output string `json:"output"`
}

// IsData reports whether the source is one of the pipeline's datasets.
func (s Source) IsData() bool { return s.Step == sourceData }

func (s Source) String() string { return s.Step + "." + s.Output }

// ParseSource reads an input's source, "<step>.<output>".
func ParseSource(s string) (Source, error) {
	step, out, ok := strings.Cut(s, ".")
	if !ok || step == "" || out == "" || strings.Contains(out, ".") {
		return Source{}, fmt.Errorf("input %q is not <step>.<output>: name data.current, data.reference, train.model, train.metrics, train.outputs or a step's output", s)
	}
	return Source{Step: step, Output: out}, nil
}

// EdgeKind says why one step waits for another.
type EdgeKind string

// Edge kinds. Data, needs, chain and gate edges carry the upstream step's
// key into the dependant's: its result depends on what came first. An
// order edge only orders (data is validated before a step reads it; a
// step that feeds training waits for the drift decision; a promotion waits
// for every step).
const (
	EdgeData  EdgeKind = "data"
	EdgeNeeds EdgeKind = "needs"
	EdgeChain EdgeKind = "chain"
	EdgeGate  EdgeKind = "gate"
	EdgeOrder EdgeKind = "order"
)

// Keyed reports whether the upstream step's key enters the dependant's.
func (k EdgeKind) Keyed() bool { return k != EdgeOrder }

// Edge is one dependency of the pipeline's graph: To waits for From.
type Edge struct {
	From string   `json:"from"`
	To   string   `json:"to"`
	Kind EdgeKind `json:"kind"`
	// Input names the input of To that reads From's output, and Source
	// is what it reads ("features.table"): data edges only.
	Input  string `json:"input,omitempty"`
	Source string `json:"source,omitempty"`
}

// StepNames returns the pipeline's steps in the order a plan lists them:
// the built-in steps it has, in their order, with the user's steps placed
// after every step they depend on and before the first that depends on
// them, ties by name. Edges must form no cycle (check rejects one).
func (p *Pipeline) StepNames() []string {
	var builtin []string
	if p.Checks != nil {
		builtin = append(builtin, StepValidate)
		if p.Checks.Drift != nil {
			builtin = append(builtin, StepDrift)
		}
	}
	if p.Train != nil {
		builtin = append(builtin, StepTrain)
		if p.Evaluate != nil {
			builtin = append(builtin, StepEvaluate)
		}
		builtin = append(builtin, StepPromote)
	}
	if len(p.Steps) == 0 {
		return builtin
	}
	// A topological order (Kahn's), taking among the ready steps the
	// earliest built-in, else the smallest user step's name, so that the
	// built-in chain keeps its order.
	edges := p.Edges()
	all := append(slices.Clone(builtin), sortedStepNames(p)...)
	indeg := map[string]int{}
	out := map[string][]string{}
	for _, e := range edges {
		indeg[e.To]++
		out[e.From] = append(out[e.From], e.To)
	}
	rank := map[string]int{}
	for i, b := range builtin {
		rank[b] = i
	}
	// Among the ready steps, the user's come first (they feed what
	// follows), by name; built-in steps keep their order.
	before := func(a, b string) bool {
		ra, ab := rank[a]
		rb, bb := rank[b]
		switch {
		case ab && bb:
			return ra < rb
		case ab != bb:
			return !ab
		}
		return a < b
	}
	var order []string
	done := map[string]bool{}
	for len(order) < len(all) {
		next := ""
		for _, n := range all {
			if done[n] || indeg[n] > 0 {
				continue
			}
			if next == "" || before(n, next) {
				next = n
			}
		}
		if next == "" {
			return all // a cycle: check reports it
		}
		done[next] = true
		order = append(order, next)
		for _, m := range out[next] {
			indeg[m]--
		}
	}
	return order
}

func sortedStepNames(p *Pipeline) []string {
	names := make([]string, 0, len(p.Steps))
	for n := range p.Steps {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// has reports whether the pipeline has the built-in or user step name.
func (p *Pipeline) has(name string) bool {
	switch name {
	case StepValidate:
		return p.Checks != nil
	case StepDrift:
		return p.Checks != nil && p.Checks.Drift != nil
	case StepTrain, StepPromote:
		return p.Train != nil
	case StepEvaluate:
		return p.Train != nil && p.Evaluate != nil
	}
	_, ok := p.Steps[name]
	return ok
}

// Edges returns the pipeline's dependencies, sorted by To, then From: the
// built-in chain (validate → drift → train → evaluate → promote, as the
// steps exist), each input's and need's step, validate before a step that
// reads data, drift before a step that training needs (such a step runs
// only when training would), the steps whose metrics a gate names before
// evaluate, and every step of the user's before promote. References to
// steps that do not exist are left out: check reports them.
func (p *Pipeline) Edges() []Edge {
	// One edge between two steps, but one per input where a step reads
	// several outputs of another.
	seen := map[[3]string]bool{}
	var edges []Edge
	add := func(e Edge) {
		k := [3]string{e.From, e.To, e.Input}
		if e.From == e.To || !p.has(e.From) || !p.has(e.To) || seen[k] || (e.Input == "" && seen[[3]string{e.From, e.To, ""}]) {
			return
		}
		seen[k], seen[[3]string{e.From, e.To, ""}] = true, true
		edges = append(edges, e)
	}
	chain := []string{StepValidate, StepDrift, StepTrain, StepEvaluate, StepPromote}
	prev := ""
	for _, b := range chain {
		if !p.has(b) {
			continue
		}
		if prev != "" {
			add(Edge{From: prev, To: b, Kind: EdgeChain})
		}
		prev = b
	}
	type node struct {
		name string
		c    *Container
	}
	var nodes []node
	if p.Train != nil {
		nodes = append(nodes, node{StepTrain, &p.Train.Container})
	}
	for _, n := range sortedStepNames(p) {
		nodes = append(nodes, node{n, &p.Steps[n].Container})
	}
	for _, n := range nodes {
		inputs := make([]string, 0, len(n.c.Inputs))
		for in := range n.c.Inputs {
			inputs = append(inputs, in)
		}
		sort.Strings(inputs)
		for _, in := range inputs {
			src, err := ParseSource(n.c.Inputs[in])
			if err != nil {
				continue
			}
			if src.IsData() {
				if n.name != StepTrain {
					add(Edge{From: StepValidate, To: n.name, Kind: EdgeOrder})
				}
				continue
			}
			add(Edge{From: src.Step, To: n.name, Kind: EdgeData, Input: in, Source: src.String()})
		}
		for _, need := range n.c.Needs {
			add(Edge{From: need, To: n.name, Kind: EdgeNeeds})
		}
	}
	// What training needs runs only when training would.
	if p.Train != nil && p.has(StepDrift) && p.Trigger.OnDrift {
		for _, a := range ancestors(edges, StepTrain) {
			if _, user := p.Steps[a]; user {
				add(Edge{From: StepDrift, To: a, Kind: EdgeOrder})
			}
		}
	}
	if e := p.Evaluate; e != nil && p.Train != nil {
		for _, g := range e.Gates {
			if step, _, ok := p.GateStep(g.Metric); ok {
				add(Edge{From: step, To: StepEvaluate, Kind: EdgeGate})
			}
		}
	}
	if p.Train != nil {
		for _, n := range sortedStepNames(p) {
			add(Edge{From: n, To: StepPromote, Kind: EdgeOrder})
		}
	}
	// An ordering edge that other edges imply already says nothing: drop
	// it, so the graph drawn is the one to read.
	for i := 0; i < len(edges); i++ {
		e := edges[i]
		if e.Kind != EdgeOrder {
			continue
		}
		rest := append(slices.Clone(edges[:i]), edges[i+1:]...)
		if slices.Contains(ancestors(rest, e.To), e.From) {
			edges = rest
			i--
		}
	}
	sort.SliceStable(edges, func(i, j int) bool {
		if edges[i].To != edges[j].To {
			return edges[i].To < edges[j].To
		}
		if edges[i].From != edges[j].From {
			return edges[i].From < edges[j].From
		}
		return edges[i].Input < edges[j].Input
	})
	return edges
}

// ancestors returns every node from which n can be reached.
func ancestors(edges []Edge, n string) []string {
	seen := map[string]bool{}
	queue := []string{n}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		for _, e := range edges {
			if e.To == x && !seen[e.From] {
				seen[e.From] = true
				queue = append(queue, e.From)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// GateStep splits a gate's metric into the step whose metrics file holds
// it and the key there, when its first element names a step of the user's
// that declares metrics ("robustness.auc"); ok is false for the training
// metrics.
func (p *Pipeline) GateStep(metric string) (step, key string, ok bool) {
	first, rest, dotted := strings.Cut(metric, ".")
	if !dotted {
		return "", "", false
	}
	if s, found := p.Steps[first]; found && s.Metrics != "" {
		return first, rest, true
	}
	return "", "", false
}
