package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/record"
)

// Run renders a run record in format: text (the terminal summary), json (the
// record itself) or markdown (the pull request body, see PullRequest).
// history holds earlier records of any pipelines, for the metric chart.
func Run(w io.Writer, r *record.Run, format string, history []*record.Run, links Links) error {
	switch format {
	case FormatJSON:
		return writeJSON(w, r)
	case FormatMarkdown:
		return PullRequest(w, r, history, links)
	case FormatText:
		return runText(w, r)
	}
	return fmt.Errorf("unknown format %q", format)
}

// Verdict is a run's outcome in one word, as reviewers read it.
func Verdict(o record.Outcome) string {
	switch o {
	case record.OutcomePromoted:
		return "promote"
	case record.OutcomeUnchanged:
		return "unchanged"
	case record.OutcomeAlreadyDeployed:
		return "already deployed"
	case record.OutcomeSuperseded:
		return "superseded"
	case record.OutcomeRefused:
		return "refused"
	case record.OutcomeNoDrift:
		return "keep"
	case record.OutcomeHeld:
		return "held"
	case record.OutcomeNoNewData:
		return "no new data"
	case record.OutcomeGatesFailed:
		return "rejected"
	case record.OutcomeInvalidData:
		return "invalid"
	case record.OutcomeFailed:
		return "failed"
	case record.OutcomeCanceled:
		return "canceled"
	}
	return string(o)
}

var verdictIcon = map[record.Outcome]string{
	record.OutcomePromoted:        "✅",
	record.OutcomePassed:          "✅",
	record.OutcomeDrifted:         "⚠️",
	record.OutcomeUnchanged:       "➖",
	record.OutcomeAlreadyDeployed: "➖",
	record.OutcomeSuperseded:      "➖",
	record.OutcomeRefused:         "🚫",
	record.OutcomeNoDrift:         "✅",
	record.OutcomeHeld:            "⏸️",
	record.OutcomeNoNewData:       "➖",
	record.OutcomeGatesFailed:     "❌",
	record.OutcomeInvalidData:     "❌",
	record.OutcomeFailed:          "💥",
	record.OutcomeCanceled:        "⏹️",
}

func icon(o record.Outcome) string {
	if i, ok := verdictIcon[o]; ok {
		return i
	}
	return "❔"
}

// versions returns the current and the candidate version of a run; either
// may be "".
func versions(r *record.Run) (from, to string) {
	if r.Baseline != nil {
		from = r.Baseline.Version
	}
	if r.Candidate != nil {
		to = r.Candidate.Version
	}
	if p := r.Promotion; p != nil {
		if p.From != "" {
			from = p.From
		}
		if p.To != "" {
			to = p.To
		}
	}
	return from, to
}

// versionChange says what happens to the model's version: "1.2.0 → 1.3.0",
// "none → 0.1.0", "1.3.0 kept", or "no version yet".
func versionChange(r *record.Run) string {
	from, to := versions(r)
	switch {
	case to != "" && from == "":
		return "none → " + to
	case to != "" && to != from && r.Outcome == record.OutcomePromoted:
		return from + " → " + to
	case from != "":
		return from + " kept"
	}
	return "no version yet"
}

func trigger(r *record.Run) string {
	t := r.Trigger.Kind
	if t == "" {
		t = "unknown"
	}
	if r.Trigger.Detail != "" {
		t += " (" + r.Trigger.Detail + ")"
	}
	return t
}

// PullRequestTitle is the title of the pull request a run opens or, for a
// run that promotes nothing, a one-line headline.
func PullRequestTitle(r *record.Run) string {
	from, to := versions(r)
	if r.Outcome == record.OutcomePromoted && to != "" {
		if from == "" {
			return fmt.Sprintf("ctgit: promote %s to %s (first version)", r.Model, to)
		}
		return fmt.Sprintf("ctgit: promote %s %s → %s", r.Model, from, to)
	}
	return fmt.Sprintf("ctgit: %s %s (%s, run %s)", r.Model, Verdict(r.Outcome), versionChange(r), r.ID)
}

// duration formats seconds for people: "0.4s", "12.1s", "7m12s", and
// "<0.1s" for a time too short to show, which is not none.
func duration(sec float64) string {
	if sec > 0 && sec < 0.05 {
		return "<0.1s"
	}
	if sec < 60 {
		return strconv.FormatFloat(math.Round(sec*10)/10, 'f', -1, 64) + "s"
	}
	return (time.Duration(sec * float64(time.Second))).Round(time.Second).String()
}

// value formats a metric or threshold: integers in full, others with six
// significant digits.
func value(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

func valuep(p *float64) string {
	if p == nil {
		return "-"
	}
	return value(*p)
}

// shortDigest keeps the algorithm and 12 hex digits: "sha256:dddd00000000".
func shortDigest(d string) string {
	alg, hex, ok := strings.Cut(d, ":")
	if !ok {
		return d[:min(12, len(d))]
	}
	return alg + ":" + hex[:min(12, len(hex))]
}

// gateName is how a gate is named in tables and annotations: "auc min".
func gateName(g record.Gate) string {
	if g.Metric == "" {
		return g.Kind
	}
	return g.Metric + " " + g.Kind
}

func gateCounts(gs []record.Gate) (passed, failed, skipped int) {
	for _, g := range gs {
		switch {
		case g.Skipped:
			skipped++
		case g.Passed:
			passed++
		default:
			failed++
		}
	}
	return
}

func gateSummary(gs []record.Gate) string {
	p, f, s := gateCounts(gs)
	out := fmt.Sprintf("%d passed, %d failed", p, f)
	if s > 0 {
		out += fmt.Sprintf(", %d skipped", s)
	}
	return out
}

// baselineValue is the current model's value of the gate's metric: the
// gate's own, else the current model's on the same rows, else its
// recorded metrics.
func baselineValue(r *record.Run, g record.Gate) *float64 {
	if g.Baseline != nil {
		return g.Baseline
	}
	if r.Baseline != nil && r.Baseline.SameData != nil && g.Metric != "" {
		if v, ok := r.Baseline.SameData.Metrics[g.Metric]; ok {
			return &v
		}
	}
	if r.Baseline != nil && g.Metric != "" {
		if v, ok := r.Baseline.Metrics[g.Metric]; ok {
			return &v
		}
	}
	return nil
}

// elapsed is how long a run took: "10.2s in all" once it finished, else
// (a pull request body is rendered while the run is still promoting) the
// time its finished steps took, "9.8s so far".
func elapsed(r *record.Run) string {
	if !r.FinishedAt.IsZero() {
		return duration(r.DurationSeconds) + " in all"
	}
	var sum float64
	for _, s := range r.Steps {
		sum += s.DurationSeconds
	}
	return duration(sum) + " so far"
}

// ran says what ran the training: "local executor: `/usr/bin/python3`
// (Python 3.11.2)", "dagger executor: image `python:3.12@sha256:…`". code
// quotes a value for the view.
func ran(r *record.Run, code func(string) string) string {
	s := ranBy(r, code)
	if r.Training != nil && r.Training.EngineCached {
		s += ", answered by the engine's cache (the training command did not run in this run)"
	}
	return s
}

func ranBy(r *record.Run, code func(string) string) string {
	t := r.Training
	switch ex := r.TrainingExecutor(); {
	case ex == "":
		return "executor not recorded"
	case ex == "local" && t.Program != "":
		s := "local executor: " + code(t.Program)
		if t.ProgramVersion != "" {
			s += " (" + t.ProgramVersion + ")"
		}
		return s
	case r.TrainingImage() != "":
		return ex + " executor: image " + code(r.TrainingImage())
	default:
		return ex + " executor"
	}
}

func checkName(c record.Check) string {
	if c.Column == "" {
		return c.Check
	}
	return c.Column + " " + c.Check
}

func gpus(t *record.Training) string {
	if len(t.GPUs) == 0 {
		return "CPU only"
	}
	return strings.Join(t.GPUs, ", ")
}

func labelLagText(l *record.LabelLag) string {
	if l.LagSeconds == nil {
		return ""
	}
	return ", newest label " + (time.Duration(*l.LagSeconds) * time.Second).Round(time.Minute).String() + " before the run"
}

// sentence capitalizes s and ends it with a full stop.
func sentence(s string) string {
	s = capitalize(s)
	if s != "" && !strings.ContainsAny(s[len(s)-1:], ".!?") {
		s += "."
	}
	return s
}
