package config

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ctgit/ctgit/internal/dag"
)

// checkContainer checks what a container step declares (train, or a step
// of the user's at steps.<name>) and decodes its timeout.
func checkContainer(root string, p *Pipeline, c *Container, at ...string) Diagnostics {
	var ds Diagnostics
	field := func(f ...string) (Pos, string) {
		full := append(slices.Clone(at), f...)
		return p.FieldPos(full...), "pipelines." + p.Name + "." + strings.Join(full, ".")
	}
	if c.Code != "" {
		if err := RepoFile(root, c.Code, true); err != nil {
			pos, f := field("code")
			ds = append(ds, diagAt(pos, f, "%v", err))
		}
	}
	if d, err := ParseDuration(c.Timeout); err != nil {
		pos, f := field("timeout")
		ds = append(ds, diagAt(pos, f, "%v", err))
	} else {
		c.TimeoutDuration = d
	}
	for i, s := range c.Secrets {
		if _, clash := c.Env[s]; clash {
			pos, f := field("secrets", strconv.Itoa(i))
			ds = append(ds, diagAt(pos, f, "%q is both in env and in secrets: a secret's value comes from the runner's environment only", s))
		}
	}
	for i, cc := range c.Caches {
		if !strings.HasPrefix(cc, "/") {
			pos, f := field("caches", strconv.Itoa(i))
			ds = append(ds, diagAt(pos, f, "cache directory %q must be an absolute path inside the container", cc))
		}
	}
	return ds
}

// checkGraph checks the pipeline's steps as a graph: names, inputs that
// name what exists, outputs that stay in their directory, gates that name
// metrics a step declares, and no cycle.
func checkGraph(root string, p *Pipeline) Diagnostics {
	var ds Diagnostics
	pp := "pipelines." + p.Name
	for _, name := range sortedStepNames(p) {
		s := p.Steps[name]
		sp := pp + ".steps." + name
		switch name {
		case StepValidate, StepDrift, StepTrain, StepEvaluate, StepPromote, sourceData:
			ds = append(ds, diagAt(s.Pos, sp, "%q names a built-in step (or, for data, the pipeline's datasets): give the step another name", name))
			continue
		case "slices", "baseline":
			// Gates name a step's metrics as "<step>.<key>", and these
			// two are sections of the training metrics.
			ds = append(ds, diagAt(s.Pos, sp, "%q is a section of the training metrics that gates name (%s.<key>): give the step another name", name, name))
			continue
		}
		ds = append(ds, checkContainer(root, p, &s.Container, "steps", name)...)
		outs := make([]string, 0, len(s.Outputs))
		for o := range s.Outputs {
			outs = append(outs, o)
		}
		sort.Strings(outs)
		for i, o := range outs {
			rel := s.Outputs[o]
			if err := cleanRel(rel); err != nil {
				ds = append(ds, diagAt(p.FieldPos("steps", name, "outputs", o), sp+".outputs."+o, "output %q leaves the step's output directory: an output is a relative path of a file or directory under $CTGIT_OUTPUT_DIR", rel))
				continue
			}
			// Outputs are per step; within one, two names for one path,
			// or one inside another, would hand the same bytes twice.
			for _, other := range outs[:i] {
				a, b := path.Clean(s.Outputs[other]), path.Clean(rel)
				if a == b || strings.HasPrefix(b, a+"/") || strings.HasPrefix(a, b+"/") {
					ds = append(ds, diagAt(p.FieldPos("steps", name, "outputs", o), sp+".outputs."+o,
						"output %s (%s) overlaps output %s (%s) of the same step: give each output its own path", o, rel, other, s.Outputs[other]))
				}
			}
		}
		if s.Metrics != "" {
			if err := cleanRel(s.Metrics); err != nil {
				ds = append(ds, diagAt(p.FieldPos("steps", name, "metrics"), sp+".metrics", "%v", err))
			}
		}
	}
	type node struct {
		at []string
		c  *Container
	}
	var nodes []node
	if p.Train != nil {
		nodes = append(nodes, node{[]string{"train"}, &p.Train.Container})
	}
	for _, name := range sortedStepNames(p) {
		nodes = append(nodes, node{[]string{"steps", name}, &p.Steps[name].Container})
	}
	for _, n := range nodes {
		names := make([]string, 0, len(n.c.Inputs))
		for in := range n.c.Inputs {
			names = append(names, in)
		}
		sort.Strings(names)
		for _, in := range names {
			at := append(slices.Clone(n.at), "inputs", in)
			field := pp + "." + strings.Join(at, ".")
			if n.at[0] == "train" && (in == "reference" || in == "current") {
				ds = append(ds, diagAt(p.FieldPos(at...), field, "input %q would take the place of the training data's own directory $CTGIT_INPUT_DIR/%s: name it otherwise", in, in))
				continue
			}
			if msg := p.checkSource(n.at[len(n.at)-1], n.c.Inputs[in]); msg != "" {
				ds = append(ds, diagAt(p.FieldPos(at...), field, "%s", msg))
			}
		}
		for i, need := range n.c.Needs {
			at := append(slices.Clone(n.at), "needs", strconv.Itoa(i))
			if !p.has(need) {
				ds = append(ds, diagAt(p.FieldPos(at...), pp+"."+strings.Join(n.at, ".")+".needs", "needs unknown step %q; %s", need, p.stepsHere()))
			}
		}
	}
	if e := p.Evaluate; e != nil {
		for i, g := range e.Gates {
			first, _, dotted := strings.Cut(g.Metric, ".")
			if s, ok := p.Steps[first]; dotted && ok && s.Metrics == "" {
				ds = append(ds, diagAt(g.Pos, fmt.Sprintf("%s.evaluate.gates[%d]", pp, i),
					"metric %q names step %s, which declares no metrics file: add metrics: \"metrics.json\" to the step", g.Metric, first))
			}
		}
	}
	if len(ds) > 0 {
		return ds // a cycle among names that do not exist would only confuse
	}
	if cycle := p.cycle(); cycle != nil {
		first := cycle[0]
		pos := p.FieldPos("steps", first)
		for _, c := range cycle {
			if _, user := p.Steps[c]; user {
				first, pos = c, p.FieldPos("steps", c)
				break
			}
		}
		ds = append(ds, diagAt(pos, pp+".steps."+first, "steps form a cycle: %s", strings.Join(cycle, " → ")))
	}
	return ds
}

// checkSource returns what is wrong with an input's source, or "".
func (p *Pipeline) checkSource(step, src string) string {
	s, err := ParseSource(src)
	if err != nil {
		return err.Error()
	}
	switch {
	case s.IsData():
		if s.Output != "current" && s.Output != "reference" {
			return fmt.Sprintf("input %q: the pipeline's datasets are data.current and data.reference", src)
		}
		if s.Output == "reference" && p.Data.ReferenceDeployed {
			return fmt.Sprintf("input %q: the reference is the deployed model's training data, known only when the run starts; a step reads data.current, or a dataset of its own", src)
		}
	case s.Step == step:
		return fmt.Sprintf("input %q reads the step's own output", src)
	case s.Step == StepTrain:
		if p.Train == nil {
			return fmt.Sprintf("input %q: the pipeline has no train step", src)
		}
		switch s.Output {
		case TrainOutputModel, TrainOutputMetrics, TrainOutputAll:
		default:
			return fmt.Sprintf("input %q: train's outputs are train.model, train.metrics and train.outputs", src)
		}
	default:
		st, ok := p.Steps[s.Step]
		if !ok {
			if p.has(s.Step) {
				return fmt.Sprintf("input %q: step %s has no outputs to read; to run after it, use needs: [%q]", src, s.Step, s.Step)
			}
			return fmt.Sprintf("input %q names unknown step %q; %s", src, s.Step, p.stepsHere())
		}
		if _, ok := st.Outputs[s.Output]; !ok {
			outs := make([]string, 0, len(st.Outputs))
			for o := range st.Outputs {
				outs = append(outs, s.Step+"."+o)
			}
			sort.Strings(outs)
			if len(outs) == 0 {
				return fmt.Sprintf("input %q: step %s declares no outputs", src, s.Step)
			}
			return fmt.Sprintf("input %q: step %s has no output %q; it has %s", src, s.Step, s.Output, strings.Join(outs, ", "))
		}
	}
	return ""
}

// stepsHere lists the pipeline's steps for a message.
func (p *Pipeline) stepsHere() string {
	names := p.StepNames()
	if len(names) == 0 {
		return "the pipeline has no steps"
	}
	return "steps here: " + strings.Join(names, ", ")
}

// cycle returns a cycle of the pipeline's graph as the path that starts
// and ends at the same step, or nil.
func (p *Pipeline) cycle() []string {
	needs := map[string][]string{}
	for _, e := range p.Edges() {
		needs[e.To] = append(needs[e.To], e.From)
	}
	var nodes []string
	for _, b := range []string{StepValidate, StepDrift, StepTrain, StepEvaluate, StepPromote} {
		if p.has(b) {
			nodes = append(nodes, b)
		}
	}
	nodes = append(nodes, sortedStepNames(p)...)
	_, err := dag.New(nodes, needs)
	var ce *dag.CycleError
	if err == nil || !errors.As(err, &ce) {
		return nil
	}
	return ce.Cycle
}

// UnusedSteps warns about steps of the user's whose outputs and metrics
// nothing reads, that nothing needs, and that are not marked wanted: work
// that runs for nobody, or a reference that was meant and mistyped.
func UnusedSteps(cfg *Config) Diagnostics {
	var ds Diagnostics
	for _, p := range cfg.Pipelines {
		used := map[string]bool{}
		for _, e := range p.Edges() {
			if e.Kind != EdgeOrder {
				used[e.From] = true
			}
		}
		for _, name := range sortedStepNames(p) {
			if s := p.Steps[name]; !used[name] && !s.Wanted {
				ds = append(ds, diagAt(s.Pos, "pipelines."+p.Name+".steps."+name,
					"nothing reads step %s's outputs or metrics, and nothing needs it: mark it wanted: true if it runs for its own sake (an export, a report), or remove it", name))
			}
		}
	}
	return ds
}
