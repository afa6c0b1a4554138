package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/gitops"
)

// Rollback describes a pull request that returns a model to an earlier
// version.
type Rollback struct {
	Pipeline string
	Model    string
	// From is the version deployed now; To the earlier one restored.
	From, To string
	// Reason says why, in the requester's words.
	Reason string
	// ToArtifact and ToRunID identify the restored model, when known.
	ToArtifact string
	ToRunID    string
	// RequestedBy is who asked (a GitHub login or "ctgit").
	RequestedBy string
	// Channel is the stage rolled back ("" for the model's own target).
	Channel string
	// Evidence is what `ctgit watch` saw: the SLIs that breached, with
	// their queries and values; empty for a rollback asked for by hand.
	Evidence []SLIEvidence
	// Introduced is the promotion that brought the version rolled back,
	// when known.
	Introduced *Introduced
}

// SLIEvidence is one SLI as watch judged it.
type SLIEvidence struct {
	Name string
	// Query is the PromQL as sent (rendered).
	Query string
	// Status is "breach", "ok", "pending" or "nodata"; Reason in words.
	Status, Reason string
	// Bound is the bound in words ("min 0.85").
	Bound string
	// Threshold is the bound drawn on the chart, when there is one.
	Threshold *float64
	// Values are the samples over the judged window, oldest first.
	Values []Sample
	// Pos is where the SLI is declared.
	Pos string
}

// Sample is one value of an SLI at a time.
type Sample struct {
	Time  time.Time
	Value float64
}

// Introduced is the promotion commit of a version: who, when, and the run
// that trained it.
type Introduced struct {
	Commit, Subject, Author string
	Time                    time.Time
	RunID                   string
}

// RollbackTitle is the title of a rollback pull request.
func RollbackTitle(rb Rollback) string {
	if rb.Channel != "" {
		return fmt.Sprintf("ctgit: roll back %s %s → %s (%s)", rb.Model, rb.From, rb.To, rb.Channel)
	}
	return fmt.Sprintf("ctgit: roll back %s %s → %s", rb.Model, rb.From, rb.To)
}

// RollbackPullRequest writes the body of a rollback pull request.
func RollbackPullRequest(w io.Writer, rb Rollback, links Links) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## ⏪ %s\n\n", mdEscape(RollbackTitle(rb)))
	fmt.Fprintf(&b, "**Model** `%s` · **version** %s → %s · **verdict** **rollback**\n\n", mdEscape(rb.Model), rb.From, rb.To)
	reason := rb.Reason
	if reason == "" {
		reason = "no reason given"
	}
	fmt.Fprintf(&b, "Reason: %s\n\n", mdEscape(reason))
	b.WriteString("| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| Pipeline | `%s` |\n", mdEscape(rb.Pipeline))
	if rb.ToArtifact != "" {
		fmt.Fprintf(&b, "| Restored artifact | `%s` |\n", mdEscape(rb.ToArtifact))
	}
	if rb.ToRunID != "" {
		fmt.Fprintf(&b, "| Trained by run | `%s` |\n", mdEscape(rb.ToRunID))
	}
	if rb.RequestedBy != "" {
		fmt.Fprintf(&b, "| Requested by | %s |\n", mdEscape(rb.RequestedBy))
	}
	if u := links.RunURL(); u != "" {
		fmt.Fprintf(&b, "| Run | %s |\n", u)
	}
	if in := rb.Introduced; in != nil {
		fmt.Fprintf(&b, "| %s was promoted by | commit `%s` (%s), %s, %s |\n", rb.From, gitops.ShortCommit(in.Commit), mdEscape(in.Subject), mdEscape(in.Author), in.Time.UTC().Format("2006-01-02 15:04 UTC"))
		if in.RunID != "" {
			fmt.Fprintf(&b, "| %s was trained by run | `%s` (`ctgit report` its record from the artifact store) |\n", rb.From, mdEscape(in.RunID))
		}
	}
	if len(rb.Evidence) > 0 {
		b.WriteString("\n### What the SLIs showed\n\n")
		for _, e := range rb.Evidence {
			mark := map[string]string{"breach": "❌", "ok": "✅", "pending": "⏳", "nodata": "❔"}[e.Status]
			fmt.Fprintf(&b, "%s **%s** (%s, declared at `%s`): %s\n\n", mark, mdEscape(e.Name), mdEscape(e.Bound), e.Pos, mdEscape(e.Reason))
			fmt.Fprintf(&b, "```promql\n%s\n```\n\n", e.Query)
			sliChart(&b, e)
		}
	}
	b.WriteString("\nMerging this pull request deploys the earlier version; no model is retrained.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// sliChart draws an SLI's values over the judged window, with its bound,
// as a mermaid line chart; at most 60 points, evenly picked.
func sliChart(b *strings.Builder, e SLIEvidence) {
	vals := e.Values
	if len(vals) < 2 {
		return
	}
	if len(vals) > 60 {
		picked := make([]Sample, 0, 60)
		for i := range 60 {
			picked = append(picked, vals[i*(len(vals)-1)/59])
		}
		vals = picked
	}
	labels := make([]string, len(vals))
	ys := make([]string, len(vals))
	line := make([]string, len(vals))
	for i, v := range vals {
		labels[i] = mermaidString(v.Time.UTC().Format("15:04:05"))
		ys[i] = mermaidNum(v.Value)
		if e.Threshold != nil {
			line[i] = mermaidNum(*e.Threshold)
		}
	}
	b.WriteString("```mermaid\nxychart-beta\n")
	fmt.Fprintf(b, "    title %s\n", mermaidString(e.Name+" of the deployed version"))
	fmt.Fprintf(b, "    x-axis [%s]\n", strings.Join(labels, ", "))
	fmt.Fprintf(b, "    y-axis %s\n", mermaidString(e.Name))
	fmt.Fprintf(b, "    line [%s]\n", strings.Join(ys, ", "))
	if e.Threshold != nil {
		fmt.Fprintf(b, "    line [%s]\n", strings.Join(line, ", "))
	}
	b.WriteString("```\n\n")
}
