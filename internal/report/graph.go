package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/plan"
)

// hasOwnSteps reports whether a pipeline declares steps of its own: only
// then is its graph more than the built-in chain, and worth drawing.
func hasOwnSteps(pp *plan.PipelinePlan) bool {
	for _, s := range pp.Steps {
		if s.User {
			return true
		}
	}
	return false
}

// stepName is a step's name from its ID within pp.
func stepName(pp *plan.PipelinePlan, id string) string {
	return strings.TrimPrefix(id, pp.Name+"/")
}

// edgeText is why a step waits for another, in words for the text view.
func edgeText(pp *plan.PipelinePlan, e plan.Edge) string {
	from := stepName(pp, e.From)
	switch e.Kind {
	case config.EdgeData:
		if e.Input != "" && e.Input != strings.TrimPrefix(e.Source, from+".") {
			return e.Source + " as " + e.Input
		}
		return e.Source
	case config.EdgeOrder:
		switch from {
		case config.StepValidate:
			return from + " (its data is checked first)"
		case config.StepDrift:
			return from + " (it feeds training)"
		}
		if stepName(pp, e.To) == config.StepPromote {
			return from
		}
	case config.EdgeGate:
		return from + " (gated metrics)"
	}
	return from
}

// graphText writes the graph of a pipeline with steps of its own: each
// step and what it waits for.
func graphText(w io.Writer, pp *plan.PipelinePlan) error {
	if !hasOwnSteps(pp) {
		return nil
	}
	fmt.Fprintln(w, "  graph (each step after what it waits for):")
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for _, s := range pp.Steps {
		var from []string
		for _, e := range pp.Edges {
			if e.To == s.ID {
				from = append(from, edgeText(pp, e))
			}
		}
		if len(from) == 0 {
			fmt.Fprintf(tw, "    %s\t(starts the graph)\n", s.Name)
			continue
		}
		fmt.Fprintf(tw, "    %s\t← %s\n", s.Name, strings.Join(from, ", "))
	}
	return tw.Flush()
}

// mermaidClass is the node class of each action in the flowchart.
var mermaidClass = map[plan.Action]string{
	plan.ActionRun:         "run",
	plan.ActionCached:      "cached",
	plan.ActionConditional: "conditional",
	plan.ActionSkip:        "skip",
}

// graphMermaid writes a pipeline's graph as a mermaid flowchart, for the
// plan comment on a pull request: each node its step and action, data
// edges labelled with the output they carry, ordering edges dotted.
func graphMermaid(b *strings.Builder, pp *plan.PipelinePlan) {
	if !hasOwnSteps(pp) {
		return
	}
	ids := map[string]string{}
	b.WriteString("```mermaid\nflowchart LR\n")
	for i, s := range pp.Steps {
		id := fmt.Sprintf("s%d", i)
		ids[s.ID] = id
		fmt.Fprintf(b, "    %s[%s]:::%s\n", id, mermaidString(fmt.Sprintf("%s · %s", s.Name, s.Action)), mermaidClass[s.Action])
	}
	for _, e := range pp.Edges {
		switch e.Kind {
		case config.EdgeData:
			fmt.Fprintf(b, "    %s -- %s --> %s\n", ids[e.From], mermaidString(strings.TrimPrefix(e.Source, stepName(pp, e.From)+".")), ids[e.To])
		case config.EdgeOrder:
			fmt.Fprintf(b, "    %s -.-> %s\n", ids[e.From], ids[e.To])
		default:
			fmt.Fprintf(b, "    %s --> %s\n", ids[e.From], ids[e.To])
		}
	}
	b.WriteString("    classDef run fill:#dbeafe,stroke:#1d4ed8\n")
	b.WriteString("    classDef cached fill:#dcfce7,stroke:#15803d\n")
	b.WriteString("    classDef conditional fill:#fef9c3,stroke:#a16207\n")
	b.WriteString("    classDef skip fill:#f3f4f6,stroke:#6b7280,color:#6b7280\n")
	b.WriteString("```\n\n")
}
