package report

import (
	"fmt"
	"io"
	"strings"
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
}

// RollbackTitle is the title of a rollback pull request.
func RollbackTitle(rb Rollback) string {
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
	b.WriteString("\nMerging this pull request deploys the earlier version; no model is retrained.\n")
	_, err := io.WriteString(w, b.String())
	return err
}
