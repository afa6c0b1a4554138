package report

import (
	"fmt"
	"strconv"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/ghactions"
	"github.com/ctgit/ctgit/internal/pos"
	"github.com/ctgit/ctgit/internal/record"
)

// This file renders what ctgit shows on GitHub Actions' surfaces: the
// annotations, the step summary and the step outputs of a run. Writing them
// in the workflow-command protocol is internal/ghactions' job.

// atPos fills an annotation's place from a position in a run record.
func atPos(a ghactions.Annotation, p pos.Pos) ghactions.Annotation {
	a.File, a.Line, a.Col = p.File, p.Line, p.Col
	return a
}

// VetAnnotations are the error annotations for each problem ctgit vet
// found, on the line of the CUE file at fault.
func VetAnnotations(ds config.Diagnostics) []ghactions.Annotation {
	var as []ghactions.Annotation
	for _, d := range ds {
		msg := d.Message
		if d.Path != "" {
			msg = d.Path + ": " + msg
		}
		as = append(as, ghactions.Annotation{Level: "error", File: d.File, Line: d.Line, Col: d.Column,
			Title: "ctgit vet", Message: msg})
	}
	return as
}

// RunAnnotations are the error annotations for each failed step, failed
// data check and failed gate of a run, at the CUE line that declared it.
func RunAnnotations(r *record.Run) []ghactions.Annotation {
	var as []ghactions.Annotation
	for _, s := range r.Steps {
		if s.Status != record.StepFailed {
			continue
		}
		msg := s.Reason
		if msg == "" {
			msg = "the step failed"
		}
		if s.ExitCode != nil {
			msg += fmt.Sprintf(" (exit code %d after %d attempts)", *s.ExitCode, s.Attempts)
		}
		as = append(as, atPos(ghactions.Annotation{Level: "error", Title: fmt.Sprintf("ctgit %s: step %s failed", r.Pipeline, s.Name),
			Message: msg}, s.Pos))
	}
	for _, c := range r.Checks {
		if !c.Passed {
			as = append(as, atPos(ghactions.Annotation{Level: "error", Title: fmt.Sprintf("ctgit %s: data check %s failed", r.Pipeline, checkName(c)),
				Message: c.Detail}, c.Pos))
		}
	}
	for _, g := range r.Gates {
		if !g.Passed && !g.Skipped {
			as = append(as, atPos(ghactions.Annotation{Level: "error", Title: fmt.Sprintf("ctgit %s: gate %s failed", r.Pipeline, gateName(g)),
				Message: g.Reason}, g.Pos))
		}
	}
	return as
}

// StepSummary renders a run's step summary (its pull request body, with a
// link to the pull request) in at most room bytes; ok is false when room
// holds too little for even the note that the text was cut.
func StepSummary(r *record.Run, history []*record.Run, links Links, room int) (markdown string, ok bool) {
	var head string
	if p := r.Promotion; p != nil && p.URL != "" {
		head = fmt.Sprintf("**Pull request:** %s (%s)\n\n", p.URL, p.Status)
	}
	room -= len(head) + 2
	if room <= len(truncatedNote) {
		return "", false
	}
	return head + fitBody(r, history, links, true, room) + "\n", true
}

// RunOutputs are the step outputs of a run: outcome (the record's, such
// as "promoted" or "no-new-data"), drifted, promoted, version (the
// candidate's, else the kept model's) and pr-url.
func RunOutputs(r *record.Run) []ghactions.Output {
	from, to := versions(r)
	version := to
	if r.Outcome != record.OutcomePromoted || version == "" {
		version = from
	}
	var prURL string
	if r.Promotion != nil {
		prURL = r.Promotion.URL
	}
	return []ghactions.Output{
		{Name: "outcome", Value: string(r.Outcome)},
		{Name: "drifted", Value: strconv.FormatBool(r.Drift != nil && r.Drift.Drifted)},
		{Name: "promoted", Value: strconv.FormatBool(r.Outcome == record.OutcomePromoted)},
		{Name: "version", Value: version},
		{Name: "pr-url", Value: prURL},
	}
}
