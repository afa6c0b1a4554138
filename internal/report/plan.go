// Package report renders every view ctgit shows: plans, diagnostics, drift
// reports, run records and status, pull request bodies with their metric
// charts, and the step summary, annotations and outputs of a run in GitHub
// Actions (written by internal/ghactions). Nothing else in ctgit formats
// output for people.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ctgit/ctgit/internal/bytesize"
	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/version"
)

// Formats are the values of --format.
const (
	FormatText     = "text"
	FormatJSON     = "json"
	FormatMarkdown = "markdown"
)

// PlanCommentMarker is the hidden marker that finds ctgit's one plan comment
// on a pull request, so later runs edit it instead of adding another.
const PlanCommentMarker = "<!-- ctgit:plan -->"

// Plan renders a plan in format.
func Plan(w io.Writer, p *plan.Plan, format string) error {
	switch format {
	case FormatJSON:
		return writeJSON(w, p)
	case FormatMarkdown:
		return planMarkdown(w, p)
	case FormatText:
		return planText(w, p)
	}
	return fmt.Errorf("unknown format %q", format)
}

// WriteJSON writes v as indented JSON, the form of every --format json.
func WriteJSON(w io.Writer, v any) error { return writeJSON(w, v) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

var actionMark = map[plan.Action]string{
	plan.ActionRun:         "+",
	plan.ActionCached:      "=",
	plan.ActionConditional: "?",
	plan.ActionSkip:        "-",
}

// PlanCounts counts the selected steps of a plan by action.
func PlanCounts(p *plan.Plan) map[plan.Action]int {
	n := map[plan.Action]int{}
	for _, pp := range p.Pipelines {
		for _, s := range pp.Steps {
			n[s.Action]++
		}
	}
	return n
}

func planSummary(p *plan.Plan) string {
	n := PlanCounts(p)
	return fmt.Sprintf("%d to run, %d cached, %d conditional, %d skipped",
		n[plan.ActionRun], n[plan.ActionCached], n[plan.ActionConditional], n[plan.ActionSkip])
}

func planHeader(p *plan.Plan) string {
	selected := 0
	for _, pp := range p.Pipelines {
		if pp.Selected {
			selected++
		}
	}
	h := fmt.Sprintf("%d of %d pipelines", selected, len(p.Pipelines))
	if p.Commit != "" {
		h += " at " + p.Commit[:min(12, len(p.Commit))]
	}
	if p.ChangedSince != "" {
		h += fmt.Sprintf(", %d files changed since %s", len(p.Changed), shortRev(p.ChangedSince))
	}
	return h
}

func planText(w io.Writer, p *plan.Plan) error {
	fmt.Fprintf(w, "Plan: %s\n", planHeader(p))
	for _, pp := range p.Pipelines {
		fmt.Fprintln(w)
		if !pp.Selected {
			fmt.Fprintf(w, "%s (%s): not planned: %s\n", pp.Name, pp.Model, pp.Reason)
			continue
		}
		fmt.Fprintf(w, "%s (%s)  %s\n", pp.Name, pp.Model, pp.Pos)
		if pp.Reason != "" {
			fmt.Fprintf(w, "  selected: %s\n", pp.Reason)
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, s := range pp.Steps {
			fmt.Fprintf(tw, "  %s %s\t%s\t%s\n", actionMark[s.Action], s.Name, s.Action, s.Reason)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if err := graphText(w, pp); err != nil {
			return err
		}
		for _, s := range pp.Steps {
			if s.Scope != "" {
				fmt.Fprintf(w, "  %s %s\n", s.Name, s.Scope)
			}
		}
		for _, in := range planDatasets(pp) {
			fmt.Fprintf(w, "  %s %s: %s\n", in.Role, in.Path, datasetText(in))
		}
		if pp.Pipeline != nil && pp.Pipeline.Trigger.OnDataArrival {
			if pp.Arrival != "" {
				fmt.Fprintf(w, "  data arrival: %s\n", pp.Arrival)
			} else {
				fmt.Fprintln(w, "  runs only if objects of the current data arrived or changed since the last run that acted on its data (trigger.onDataArrival; checked when it runs)")
			}
		}
	}
	fmt.Fprintf(w, "\n%s.\n", capitalize(planSummary(p)))
	_, err := fmt.Fprintln(w, "Legend: + run, = cached, ? depends on an earlier result, - skipped.")
	return err
}

func planMarkdown(w io.Writer, p *plan.Plan) error {
	var b strings.Builder
	b.WriteString(PlanCommentMarker + "\n")
	fmt.Fprintf(&b, "### ctgit plan: %s\n\n", planHeader(p))
	for _, pp := range p.Pipelines {
		if !pp.Selected {
			fmt.Fprintf(&b, "**%s** (`%s`): not planned: %s\n\n", pp.Name, pp.Model, mdEscape(pp.Reason))
			continue
		}
		fmt.Fprintf(&b, "**%s** (`%s`), declared at `%s`", pp.Name, pp.Model, pp.Pos)
		if pp.Reason != "" {
			fmt.Fprintf(&b, "; selected: %s", mdEscape(pp.Reason))
		}
		b.WriteString("\n\n| step | action | why |\n|---|---|---|\n")
		for _, s := range pp.Steps {
			fmt.Fprintf(&b, "| %s | %s %s | %s |\n", s.Name, actionEmoji[s.Action], s.Action, mdEscape(s.Reason))
		}
		b.WriteString("\n")
		graphMermaid(&b, pp)
		for _, s := range pp.Steps {
			if s.Scope != "" {
				fmt.Fprintf(&b, "%s %s.\n\n", capitalize(string(s.Name)), s.Scope)
			}
		}
		for _, in := range planDatasets(pp) {
			fmt.Fprintf(&b, "%s `%s`: %s.\n\n", capitalize(string(in.Role)), mdCell(in.Path), mdEscape(datasetText(in)))
		}
		if pp.Arrival != "" {
			fmt.Fprintf(&b, "Data arrival: %s.\n\n", mdEscape(pp.Arrival))
		}
	}
	fmt.Fprintf(&b, "%s.\n", capitalize(planSummary(p)))
	_, err := io.WriteString(w, b.String())
	return err
}

var actionEmoji = map[plan.Action]string{
	plan.ActionRun:         "▶️",
	plan.ActionCached:      "✅",
	plan.ActionConditional: "⏸️",
	plan.ActionSkip:        "⏭️",
}

// mdEscape keeps user text from breaking a markdown table cell.
func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	return s
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func shortRev(rev string) string {
	if len(rev) == 40 && strings.Trim(rev, "0123456789abcdef") == "" {
		return rev[:12]
	}
	return rev
}

// Diagnostics renders vet's problems and warnings: text (one per line,
// file:line:col first, as compilers print them, warnings marked
// "warning:"), or JSON ("kind": "VetResult"). Warnings do not make the
// result invalid.
func Diagnostics(w io.Writer, problems, warnings config.Diagnostics, format string) error {
	switch format {
	case FormatJSON:
		if problems == nil {
			problems = config.Diagnostics{}
		}
		if warnings == nil {
			warnings = config.Diagnostics{}
		}
		return writeJSON(w, struct {
			APIVersion string             `json:"apiVersion"`
			Kind       string             `json:"kind"`
			Valid      bool               `json:"valid"`
			Problems   config.Diagnostics `json:"problems"`
			Warnings   config.Diagnostics `json:"warnings"`
		}{version.APIVersion, "VetResult", len(problems) == 0, problems, warnings})
	case FormatText, FormatMarkdown:
		for _, d := range problems {
			if _, err := fmt.Fprintln(w, d.String()); err != nil {
				return err
			}
		}
		for _, d := range warnings {
			d.Message = "warning: " + d.Message
			if _, err := fmt.Fprintln(w, d.String()); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown format %q", format)
}

// planDatasets are the data inputs of a pipeline's plan that are more
// than one repository file, once each.
func planDatasets(pp *plan.PipelinePlan) []plan.Input {
	var out []plan.Input
	seen := map[plan.InputRole]bool{}
	for _, s := range pp.Steps {
		for _, in := range s.Inputs {
			if in.Objects > 0 && !seen[in.Role] {
				seen[in.Role] = true
				out = append(out, in)
			}
		}
	}
	return out
}

// datasetText says what a dataset is: its objects, size, window and
// digest.
func datasetText(in plan.Input) string {
	s := fmt.Sprintf("%d objects, %s", in.Objects, bytesize.Format(in.Size))
	if in.Objects == 1 {
		s = fmt.Sprintf("1 object, %s", bytesize.Format(in.Size))
	}
	if in.Window != "" {
		s += ", window " + in.Window
	}
	return s + ", " + shortDigest(in.Digest)
}
