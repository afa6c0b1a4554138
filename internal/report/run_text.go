package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ctgit/ctgit/internal/record"
)

func runText(w io.Writer, r *record.Run) error {
	fmt.Fprintf(w, "%s (%s): %s — %s\n", r.Pipeline, r.Model, strings.ToUpper(Verdict(r.Outcome)), versionChange(r))
	if r.Reason != "" {
		fmt.Fprintf(w, "  %s\n", r.Reason)
	}
	fmt.Fprintf(w, "  run %s · trigger %s · %s · %s executor\n", r.ID, trigger(r), duration(r.DurationSeconds), r.Executor)
	if p := r.Promotion; p != nil {
		line := "  promotion " + string(p.Status)
		if p.URL != "" {
			line += ": " + p.URL
		}
		switch {
		case p.Reason == "" || strings.Contains(r.Reason, p.Reason):
			// said by the line above already
		case strings.HasPrefix(p.Reason, strings.TrimSpace(line)):
			line = "  " + p.Reason // "promotion disabled (--promote none)", not that inside "promotion disabled (…)"
		default:
			line += " (" + p.Reason + ")"
		}
		fmt.Fprintln(w, line)
	}

	if len(r.Steps) > 0 {
		fmt.Fprintln(w, "\nSteps:")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, s := range r.Steps {
			note := s.Reason
			if s.Attempts > 1 {
				note = strings.TrimPrefix(note+fmt.Sprintf("; %d attempts", s.Attempts), "; ")
			}
			if s.ExitCode != nil && *s.ExitCode != 0 {
				note = strings.TrimPrefix(note+fmt.Sprintf("; exit code %d", *s.ExitCode), "; ")
			}
			if note != "" {
				note = "\t" + note
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s%s\n", s.Name, s.Status, duration(s.DurationSeconds), note)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, s := range r.Steps {
			if s.Status == record.StepFailed && s.Stderr != "" {
				fmt.Fprintf(w, "\n%s stderr (last lines):\n", s.Name)
				for _, l := range strings.Split(strings.TrimRight(s.Stderr, "\n"), "\n") {
					fmt.Fprintf(w, "  | %s\n", l)
				}
			}
		}
	}

	var failedChecks []record.Check
	for _, c := range r.Checks {
		if !c.Passed {
			failedChecks = append(failedChecks, c)
		}
	}
	if len(r.Checks) > 0 {
		fmt.Fprintf(w, "\nData checks: %d of %d passed\n", len(r.Checks)-len(failedChecks), len(r.Checks))
		for _, c := range failedChecks {
			fmt.Fprintf(w, "  ✗ %s: %s%s\n", checkName(c), c.Detail, at(c.Pos.String()))
		}
	}
	if a := r.Arrival; a != nil {
		fmt.Fprintf(w, "\nData arrival: %s\n", a.Detail)
	}
	if line := CostLine(r); line != "" {
		fmt.Fprintf(w, "\nCost: %s\n", line)
	}
	if line := BudgetLine(r); line != "" {
		fmt.Fprintf(w, "Budget: %s\n", line)
	}
	for _, g := range r.Guardrails {
		if g.Held {
			fmt.Fprintf(w, "\nGuardrail %s held training: %s\n", g.Name, g.Reason)
		}
	}
	if l := r.LabelLag; l != nil {
		fmt.Fprintf(w, "\nLabels: %s labeled%s (column %s)\n", pct(l.LabeledShare), labelLagText(l), l.Column)
	}

	if d := r.Drift; d != nil {
		fmt.Fprintf(w, "\nDrift: %s\n", driftVerdict(d))
		if c := driftCoverage(d, plainName); c != "" {
			fmt.Fprintf(w, "  %s\n", c)
		}
		const most = 10
		n := 0
		for _, c := range d.Columns {
			if !c.Drifted {
				continue
			}
			if n == most {
				fmt.Fprintf(w, "  … and %d more drifted columns (--format markdown shows all)\n", driftCount(d)-most)
				break
			}
			fmt.Fprintf(w, "  %s: %s\n", c.Name, c.Reason)
			n++
		}
	}

	if len(r.Gates) > 0 {
		fmt.Fprintf(w, "\nGates: %s\n", gateSummary(r.Gates))
		if r.Baseline == nil {
			fmt.Fprintln(w, "  no current model: relative gates skipped")
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, g := range r.Gates {
			mark := "✓"
			switch {
			case g.Skipped:
				mark = "-"
			case !g.Passed:
				mark = "✗"
			}
			fmt.Fprintf(tw, "  %s %s\t%s\t%s\n", mark, gateName(g), g.Reason, g.Pos)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}

	if t := r.Training; t != nil {
		fmt.Fprintf(w, "\nTraining: %s, %s on %s\n", ran(r, func(s string) string { return s }), duration(t.DurationSeconds), gpus(t))
	}
	if c := r.Candidate; c != nil {
		fmt.Fprintf(w, "Candidate: %s (%s, %d bytes)\n", c.URI, shortDigest(c.Digest), c.Size)
	}
	if r.SourceCommit != "" {
		fmt.Fprintf(w, "Source commit: %s\n", r.SourceCommit)
	}
	return nil
}

func at(pos string) string {
	if pos == "" {
		return ""
	}
	return " (" + pos + ")"
}
