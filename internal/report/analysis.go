package report

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// AnalysisEvidence is one SLI of a canary analysis, as the promotion's
// pull request and the CLI show it.
type AnalysisEvidence struct {
	SLI string
	// Phase is Successful, Failed, Inconclusive or Error; Message says why.
	Phase, Message string
	// Bound is the SLI's bound in words; Queries the rendered queries
	// (the canary's, then the stable side's).
	Bound   string
	Queries []string
	// Measurements are the measurements taken, oldest first.
	Measurements []Measurement
	// Pos is where the SLI is declared.
	Pos string
}

// Measurement is one measurement of an analysis.
type Measurement struct {
	Time   time.Time
	Phase  string
	Value  *float64
	Stable *float64
	Reason string
}

var phaseMark = map[string]string{"Successful": "✅", "Failed": "❌", "Inconclusive": "❔", "Error": "⚠️"}

// AnalysisMarkdown writes a canary analysis as a pull request section:
// per SLI its verdict, its queries and a table of its measurements.
func AnalysisMarkdown(w io.Writer, into string, evs []AnalysisEvidence) error {
	if len(evs) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Canary analysis before %s\n\n", mdEscape(into))
	for _, e := range evs {
		fmt.Fprintf(&b, "%s **%s** %s (%s; declared at `%s`): %s\n\n", phaseMark[e.Phase], mdEscape(e.SLI), e.Phase, mdEscape(e.Bound), e.Pos, mdEscape(e.Message))
		if len(e.Queries) > 0 {
			fmt.Fprintf(&b, "```promql\n%s\n```\n\n", strings.Join(e.Queries, "\n"))
		}
		if len(e.Measurements) > 0 {
			b.WriteString("| # | time (UTC) | canary | stable | verdict |\n|---|---|---|---|---|\n")
			for i, m := range e.Measurements {
				fmt.Fprintf(&b, "| %d | %s | %s | %s | %s %s |\n", i+1, m.Time.UTC().Format("15:04:05"), optNum(m.Value), optNum(m.Stable), phaseMark[m.Phase], mdEscape(m.Reason))
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// AnalysisText writes a canary analysis for the terminal.
func AnalysisText(w io.Writer, into string, evs []AnalysisEvidence) error {
	for _, e := range evs {
		fmt.Fprintf(w, "canary analysis before %s: %s %s: %s\n", into, e.SLI, e.Phase, e.Message)
		for i, m := range e.Measurements {
			fmt.Fprintf(w, "  %d %s %s: %s\n", i+1, m.Time.UTC().Format("15:04:05"), m.Phase, m.Reason)
		}
	}
	return nil
}

func optNum(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.4g", *v)
}
