package report

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/record"
)

// MaxPullRequestBody is the largest pull request body GitHub accepts, in
// characters. Bodies are kept below it in bytes, which is stricter.
const MaxPullRequestBody = 65536

// collapseRows is the table length above which a table is put in a
// collapsed <details> block.
const collapseRows = 20

// chartColumns is the most columns one drift chart shows; more bars than
// this are unreadable.
const chartColumns = 40

// historyPoints is the most earlier promotions the metric chart shows.
const historyPoints = 10

// Links are the places a run's views link to. The caller fills them from
// the CI environment (see LinksFromEnv); renderers never read it.
type Links struct {
	// ServerURL, Repository and RunID are GITHUB_SERVER_URL,
	// GITHUB_REPOSITORY and GITHUB_RUN_ID.
	ServerURL  string
	Repository string
	RunID      string
}

// LinksFromEnv reads GitHub Actions' variables through getenv (os.Getenv,
// or a map's lookup in tests).
func LinksFromEnv(getenv func(string) string) Links {
	return Links{
		ServerURL:  getenv("GITHUB_SERVER_URL"),
		Repository: getenv("GITHUB_REPOSITORY"),
		RunID:      getenv("GITHUB_RUN_ID"),
	}
}

// RunURL is the Actions run page,
// GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID, or "" when
// any part is unknown.
func (l Links) RunURL() string {
	if l.ServerURL == "" || l.Repository == "" || l.RunID == "" {
		return ""
	}
	return strings.TrimSuffix(l.ServerURL, "/") + "/" + l.Repository + "/actions/runs/" + l.RunID
}

// runURL prefers the links given by the caller, then the record's own.
func runURL(r *record.Run, l Links) string {
	if u := l.RunURL(); u != "" {
		return u
	}
	if r.CI != nil {
		return r.CI.RunURL
	}
	return ""
}

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
// gate's own, else the baseline's recorded metrics.
func baselineValue(r *record.Run, g record.Gate) *float64 {
	if g.Baseline != nil {
		return g.Baseline
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

func runText(w io.Writer, r *record.Run) error {
	fmt.Fprintf(w, "%s (%s): %s — %s\n", r.Pipeline, r.Model, strings.ToUpper(Verdict(r.Outcome)), versionChange(r))
	if r.Reason != "" {
		fmt.Fprintf(w, "  %s\n", r.Reason)
	}
	fmt.Fprintf(w, "  run %s · trigger %s · %s · %s executor\n", r.ID, trigger(r), duration(r.DurationSeconds), r.Executor)
	if p := r.Promotion; p != nil {
		line := "  promotion " + p.Status
		if p.URL != "" {
			line += ": " + p.URL
		}
		if p.Reason != "" {
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
			fmt.Fprintf(w, "  ✗ %s: %s%s\n", checkName(c), c.Detail, at(c.Pos))
		}
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

// PullRequest writes the markdown body of the pull request a run opens:
// summary line, gates, data checks, drift with charts, the gated metric
// over earlier promotions (from history), steps and provenance. history may
// hold any records; only earlier promotions of the same pipeline are used.
// The body always stays under MaxPullRequestBody: long drift tables lose
// their undrifted rows first, then the body is cut with a note.
func PullRequest(w io.Writer, r *record.Run, history []*record.Run, links Links) error {
	_, err := io.WriteString(w, fitBody(r, history, links, false, MaxPullRequestBody-1))
	return err
}

// fitBody renders the body within limit bytes, headed by the title when
// heading (a step summary has no title of its own; a pull request has).
func fitBody(r *record.Run, history []*record.Run, links Links, heading bool, limit int) string {
	body := renderBody(r, history, links, heading, false)
	if len(body) <= limit {
		return body
	}
	if body = renderBody(r, history, links, heading, true); len(body) <= limit {
		return body
	}
	return truncate(body, limit)
}

const truncatedNote = "\n\n> [!WARNING]\n> This text was cut to fit GitHub's size limit. " +
	"`ctgit report RUN.json --format markdown` renders the whole run record.\n"

// truncate cuts body at a line boundary so that it and the closing tags and
// note fit in limit bytes, closing any open code fence and <details>.
func truncate(body string, limit int) string {
	budget := limit - len(truncatedNote) - 64
	for budget > 0 {
		cut := body[:budget]
		if i := strings.LastIndexByte(cut, '\n'); i >= 0 {
			cut = cut[:i+1]
		}
		var closing strings.Builder
		if strings.Count(cut, "```")%2 == 1 {
			closing.WriteString("```\n")
		}
		for range strings.Count(cut, "<details>") - strings.Count(cut, "</details>") {
			closing.WriteString("\n</details>\n")
		}
		out := cut + closing.String() + truncatedNote
		if len(out) <= limit {
			return out
		}
		budget -= len(out) - limit
	}
	return truncatedNote[2:]
}

func renderBody(r *record.Run, history []*record.Run, links Links, heading, trimDrift bool) string {
	var b strings.Builder
	// A pull request shows its title above the body; the body does not
	// repeat it, and carries the verdict's icon on its first line instead.
	lead := icon(r.Outcome) + " "
	if heading {
		fmt.Fprintf(&b, "## %s %s\n\n", icon(r.Outcome), mdEscape(PullRequestTitle(r)))
		lead = ""
	}
	fmt.Fprintf(&b, "%s**Model** `%s` · **version** %s · **trigger** %s · **verdict** **%s**\n\n",
		lead, mdEscape(r.Model), versionChange(r), mdEscape(trigger(r)), Verdict(r.Outcome))
	if r.Reason != "" {
		fmt.Fprintf(&b, "%s\n\n", sentence(mdEscape(r.Reason)))
	}
	if p := r.Promotion; p != nil && p.Reason != "" {
		fmt.Fprintf(&b, "Promotion %s: %s\n\n", p.Status, mdEscape(p.Reason))
	}
	writeGates(&b, r)
	writeMetrics(&b, r)
	writeChecks(&b, r)
	writeGuardrails(&b, r)
	writeDrift(&b, r.Drift, trimDrift)
	writeHistoryChart(&b, r, history)
	writeSteps(&b, r)
	writeProvenance(&b, r, links)
	fmt.Fprintf(&b, "---\n<sub>Rendered by ctgit from run record `%s` (%s %s).</sub>\n", mdEscape(r.ID), r.APIVersion, r.Kind)
	return b.String()
}

func writeGates(b *strings.Builder, r *record.Run) {
	if len(r.Gates) == 0 {
		return
	}
	_, failed, _ := gateCounts(r.Gates)
	mark := "✅"
	if failed > 0 {
		mark = "❌"
	}
	fmt.Fprintf(b, "### %s Gates — %s\n\n", mark, gateSummary(r.Gates))
	if r.Baseline == nil {
		b.WriteString("> No current model: relative gates skipped.\n\n")
	}
	b.WriteString("| Gate | Metric | Candidate | Current model | Threshold | Result | Why |\n")
	b.WriteString("|---|---|---:|---:|---:|---|---|\n")
	for _, g := range r.Gates {
		res := "✅ pass"
		switch {
		case g.Skipped:
			res = "⏭️ skipped"
		case !g.Passed:
			res = "❌ **fail**"
		}
		metric := "-"
		if g.Metric != "" {
			metric = "`" + mdEscape(g.Metric) + "`"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", g.Kind, metric, valuep(g.Candidate),
			valuep(baselineValue(r, g)), value(g.Threshold), res, mdEscape(g.Reason))
	}
	b.WriteString("\n")
}

// writeMetrics lists every numeric metric the candidate reported, the gated
// ones with the kinds of gate on them, next to the current model's value
// when its run recorded one; metrics that are not numbers are named.
func writeMetrics(b *strings.Builder, r *record.Run) {
	if r.Training == nil || len(r.Training.Metrics) == 0 {
		return
	}
	var names, other []string
	for k, v := range r.Training.Metrics {
		if _, ok := v.(float64); ok {
			names = append(names, k)
		} else {
			other = append(other, "`"+mdEscape(k)+"`")
		}
	}
	sort.Strings(names)
	sort.Strings(other)
	gated := map[string][]string{}
	for _, g := range r.Gates {
		if g.Metric != "" {
			gated[g.Metric] = append(gated[g.Metric], g.Kind)
		}
	}
	b.WriteString("### Metrics\n\n")
	if len(names) > 0 {
		b.WriteString("| Metric | Candidate | Current model | Gates |\n|---|---:|---:|---|\n")
		for _, k := range names {
			cur := "-"
			if r.Baseline != nil {
				if v, ok := r.Baseline.Metrics[k]; ok {
					cur = value(v)
				}
			}
			gates := "-"
			if len(gated[k]) > 0 {
				gates = strings.Join(gated[k], ", ")
			}
			fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", mdEscape(k), value(r.Training.Metrics[k].(float64)), cur, gates)
		}
		b.WriteString("\n")
	}
	if len(other) > 0 {
		fmt.Fprintf(b, "Not numbers, left out: %s.\n\n", strings.Join(other, ", "))
	}
}

func writeChecks(b *strings.Builder, r *record.Run) {
	if len(r.Checks) == 0 {
		return
	}
	var failed []record.Check
	for _, c := range r.Checks {
		if !c.Passed {
			failed = append(failed, c)
		}
	}
	if len(failed) == 0 {
		fmt.Fprintf(b, "### ✅ Data checks — all %d passed\n\n", len(r.Checks))
		return
	}
	fmt.Fprintf(b, "### ❌ Data checks — %d of %d failed\n\n", len(failed), len(r.Checks))
	b.WriteString("| Check | Found | Declared at |\n|---|---|---|\n")
	for _, c := range failed {
		fmt.Fprintf(b, "| %s | %s | `%s` |\n", mdEscape(checkName(c)), mdEscape(c.Detail), mdEscape(c.Pos))
	}
	b.WriteString("\n")
}

func writeGuardrails(b *strings.Builder, r *record.Run) {
	for _, g := range r.Guardrails {
		if g.Held {
			fmt.Fprintf(b, "> [!NOTE]\n> Guardrail `%s` held training: %s\n\n", g.Name, mdEscape(g.Reason))
		}
	}
	if l := r.LabelLag; l != nil {
		fmt.Fprintf(b, "Labels: %s of the current rows are labeled%s (column `%s`).\n\n",
			pct(l.LabeledShare), labelLagText(l), mdEscape(l.Column))
	}
}

func writeDrift(b *strings.Builder, d *drift.Report, trim bool) {
	if d == nil {
		return
	}
	driftMarkdownHead(b, d)
	if len(d.Columns) == 0 {
		b.WriteString("No columns were compared.\n\n")
		return
	}
	writeDriftCharts(b, d)
	cols := d.Columns
	if trim {
		cols = nil
		for _, c := range d.Columns {
			if c.Drifted {
				cols = append(cols, c)
			}
		}
	}
	collapse := len(cols) > collapseRows
	if collapse {
		fmt.Fprintf(b, "<details><summary>Drift per column (%d columns)</summary>\n\n", len(cols))
	}
	if len(cols) > 0 {
		_ = driftMarkdownTable(b, cols)
		b.WriteString("\n")
	}
	if trim {
		fmt.Fprintf(b, "%d columns without drift are left out to fit GitHub's size limit; the run record has them all.\n\n",
			len(d.Columns)-len(cols))
	}
	if collapse {
		b.WriteString("</details>\n\n")
	}
}

// writeDriftCharts draws one bar chart per kind of score (p-values drift
// below their threshold, distances above it), each bar a column and the
// line its threshold. Past chartColumns, the columns nearest to or furthest
// past their threshold are shown.
func writeDriftCharts(b *strings.Builder, d *drift.Report) {
	var pvals, dists []drift.ColumnReport
	for _, c := range d.Columns {
		if c.Score == nil || math.IsInf(*c.Score, 0) || math.IsNaN(*c.Score) {
			continue
		}
		if c.Method.PValue() {
			pvals = append(pvals, c)
		} else {
			dists = append(dists, c)
		}
	}
	driftChart(b, pvals, len(d.Columns), "p-value per column (drift below the line)", "p-value", true)
	driftChart(b, dists, len(d.Columns), "Distance per column (drift above the line)", "distance", false)
}

// severity is how far a column is towards drift: 1 at its threshold.
func severity(c drift.ColumnReport, pvalue bool) float64 {
	s := *c.Score
	if pvalue {
		if s == 0 {
			return math.Inf(1)
		}
		return c.Threshold / s
	}
	if c.Threshold == 0 {
		return math.Inf(1)
	}
	return s / c.Threshold
}

func driftChart(b *strings.Builder, cols []drift.ColumnReport, total int, title, axis string, pvalue bool) {
	if len(cols) == 0 {
		return
	}
	if len(cols) > chartColumns {
		idx := make([]int, len(cols))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(i, j int) bool { return severity(cols[idx[i]], pvalue) > severity(cols[idx[j]], pvalue) })
		idx = idx[:chartColumns]
		sort.Ints(idx)
		kept := make([]drift.ColumnReport, len(idx))
		for i, k := range idx {
			kept[i] = cols[k]
		}
		title += fmt.Sprintf(", the %d of %d nearest to drift", chartColumns, len(cols))
		cols = kept
	}
	names := make([]string, len(cols))
	scores := make([]string, len(cols))
	thresholds := make([]string, len(cols))
	for i, c := range cols {
		names[i] = mermaidLabel(c.Name)
		scores[i] = mermaidNum(*c.Score)
		thresholds[i] = mermaidNum(c.Threshold)
	}
	b.WriteString("```mermaid\nxychart-beta\n")
	fmt.Fprintf(b, "    title %s\n", mermaidString(title))
	fmt.Fprintf(b, "    x-axis [%s]\n", strings.Join(names, ", "))
	if pvalue {
		fmt.Fprintf(b, "    y-axis %s 0 --> 1\n", mermaidString(axis))
	} else {
		fmt.Fprintf(b, "    y-axis %s\n", mermaidString(axis))
	}
	fmt.Fprintf(b, "    bar [%s]\n", strings.Join(scores, ", "))
	fmt.Fprintf(b, "    line [%s]\n", strings.Join(thresholds, ", "))
	b.WriteString("```\n\n")
}

// mermaidString quotes s for a mermaid chart, which has no escape for
// quotes.
func mermaidString(s string) string {
	return `"` + strings.NewReplacer(`"`, "'", "\n", " ", "\r", " ").Replace(s) + `"`
}

// mermaidLabel is mermaidString shortened so axis labels stay legible.
func mermaidLabel(s string) string {
	if utf8.RuneCountInString(s) > 32 {
		s = string([]rune(s)[:31]) + "…"
	}
	return mermaidString(s)
}

// sentence capitalizes s and ends it with a full stop.
func sentence(s string) string {
	s = capitalize(s)
	if s != "" && !strings.ContainsAny(s[len(s)-1:], ".!?") {
		s += "."
	}
	return s
}

// mermaidNum writes a plain decimal (mermaid does not read exponents).
func mermaidNum(v float64) string {
	s := strconv.FormatFloat(v, 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// gatedMetric is the metric the chart follows: the first gate's with an
// absolute or relative threshold on a named metric.
func gatedMetric(r *record.Run) (metric string, threshold *float64) {
	for _, g := range r.Gates {
		if g.Metric == "" || g.Kind == "maxSliceGap" {
			continue
		}
		if metric == "" {
			metric = g.Metric
		}
		if g.Metric == metric && (g.Kind == "min" || g.Kind == "max") && threshold == nil {
			t := g.Threshold
			threshold = &t
		}
	}
	return metric, threshold
}

// metricValue is a run's candidate value of metric, from its gates or its
// training metrics.
func metricValue(r *record.Run, metric string) (float64, bool) {
	for _, g := range r.Gates {
		if g.Metric == metric && g.Candidate != nil {
			return *g.Candidate, true
		}
	}
	if r.Training != nil {
		if v, ok := r.Training.Metrics[metric].(float64); ok {
			return v, true
		}
	}
	return 0, false
}

func runLabel(r *record.Run) string {
	if _, to := versions(r); to != "" {
		return to
	}
	return r.StartedAt.UTC().Format("2006-01-02")
}

// writeHistoryChart draws the gated metric of the last promotions of the
// same pipeline, then this run's candidate, against the absolute threshold.
func writeHistoryChart(b *strings.Builder, r *record.Run, history []*record.Run) {
	metric, threshold := gatedMetric(r)
	if metric == "" {
		return
	}
	var earlier []*record.Run
	for _, h := range history {
		if h == nil || h.ID == r.ID || h.Pipeline != r.Pipeline || h.Outcome != record.OutcomePromoted ||
			!h.StartedAt.Before(r.StartedAt) {
			continue
		}
		if _, ok := metricValue(h, metric); ok {
			earlier = append(earlier, h)
		}
	}
	sort.SliceStable(earlier, func(i, j int) bool { return earlier[i].StartedAt.Before(earlier[j].StartedAt) })
	if len(earlier) > historyPoints {
		earlier = earlier[len(earlier)-historyPoints:]
	}
	var labels, values []string
	for _, h := range earlier {
		v, _ := metricValue(h, metric)
		labels = append(labels, mermaidLabel(runLabel(h)))
		values = append(values, mermaidNum(v))
	}
	if v, ok := metricValue(r, metric); ok {
		labels = append(labels, mermaidLabel(runLabel(r)+" (this run)"))
		values = append(values, mermaidNum(v))
	}
	if len(values) < 2 {
		return
	}
	fmt.Fprintf(b, "### `%s` over the last promotions\n\n", mdEscape(metric))
	b.WriteString("```mermaid\nxychart-beta\n")
	title := fmt.Sprintf("%s of the last %d promotions and this candidate", metric, len(earlier))
	if threshold != nil {
		title += fmt.Sprintf(" (line: gate at %s)", value(*threshold))
	}
	fmt.Fprintf(b, "    title %s\n", mermaidString(title))
	fmt.Fprintf(b, "    x-axis [%s]\n", strings.Join(labels, ", "))
	fmt.Fprintf(b, "    y-axis %s\n", mermaidString(metric))
	fmt.Fprintf(b, "    bar [%s]\n", strings.Join(values, ", "))
	if threshold != nil {
		t := make([]string, len(values))
		for i := range t {
			t[i] = mermaidNum(*threshold)
		}
		fmt.Fprintf(b, "    line [%s]\n", strings.Join(t, ", "))
	}
	b.WriteString("```\n\n")
}

func writeSteps(b *strings.Builder, r *record.Run) {
	if len(r.Steps) == 0 {
		return
	}
	fmt.Fprintf(b, "<details><summary>Steps (%d) — %s</summary>\n\n", len(r.Steps), elapsed(r))
	b.WriteString("| Step | Status | Attempts | Duration | Note |\n|---|---|---:|---:|---|\n")
	for _, s := range r.Steps {
		note := s.Reason
		if s.ExitCode != nil && *s.ExitCode != 0 {
			note = strings.TrimPrefix(note+fmt.Sprintf("; exit code %d", *s.ExitCode), "; ")
		}
		fmt.Fprintf(b, "| %s | %s | %d | %s | %s |\n", mdEscape(s.Name), s.Status, s.Attempts, duration(s.DurationSeconds), mdEscape(note))
	}
	for _, s := range r.Steps {
		if s.Status == record.StepFailed && s.Stderr != "" {
			fmt.Fprintf(b, "\n`%s` stderr (last lines):\n\n```text\n%s\n```\n", mdEscape(s.Name),
				strings.ReplaceAll(strings.TrimRight(s.Stderr, "\n"), "```", "ʼʼʼ"))
		}
	}
	b.WriteString("\n</details>\n\n")
}

func writeProvenance(b *strings.Builder, r *record.Run, links Links) {
	b.WriteString("### Provenance\n\n| | |\n|---|---|\n")
	row := func(k, v string) { fmt.Fprintf(b, "| %s | %s |\n", k, v) }
	code := func(s string) string { return "`" + mdEscape(s) + "`" }
	if u := runURL(r, links); u != "" {
		row("Run", fmt.Sprintf("[%s](%s)", mdEscape(r.ID), u))
	} else {
		row("Run", code(r.ID))
	}
	if r.SourceCommit != "" {
		row("Source commit", code(r.SourceCommit))
	}
	pipeline := code(r.Pipeline)
	if r.Pos != "" {
		pipeline += " declared at " + code(r.Pos)
	}
	row("Pipeline", pipeline)
	dataset := func(d record.Dataset) string {
		s := code(d.Path)
		if d.Digest != "" {
			s += " " + code(d.Digest)
		}
		return s + fmt.Sprintf(", %d rows", d.Rows)
	}
	if r.Data.Reference.Path != "" {
		row("Reference data", dataset(r.Data.Reference))
	}
	if r.Data.Current.Path != "" {
		row("Current data", dataset(r.Data.Current))
	}
	if t := r.Training; t != nil {
		row("Training", fmt.Sprintf("%s, %s, %s", ran(r, code), duration(t.DurationSeconds), mdEscape(gpus(t))))
	}
	if c := r.Candidate; c != nil {
		row("Candidate artifact", fmt.Sprintf("%s %s, %d bytes", code(c.URI), code(c.Digest), c.Size))
	}
	if bl := r.Baseline; bl != nil {
		s := code(bl.Version)
		if bl.Artifact != "" {
			s += " " + code(bl.Artifact)
		}
		if bl.RunID != "" {
			s += ", trained by run " + code(bl.RunID)
		}
		if bl.PromotedAt != nil {
			s += ", promoted " + bl.PromotedAt.UTC().Format(time.RFC3339)
		}
		row("Current model", s)
	}
	if p := r.Promotion; p != nil && (p.Branch != "" || p.Commit != "") {
		// A pull request body is rendered before its commit exists: say only
		// what is known.
		s := strings.TrimSpace(p.Status + " on branch " + code(p.Branch))
		if p.Commit != "" {
			s += ", commit " + code(p.Commit)
		}
		row("Promotion", s)
	}
	row("Timing", fmt.Sprintf("triggered %s, started %s, %s, %s executor",
		r.Trigger.At.UTC().Format(time.RFC3339), r.StartedAt.UTC().Format(time.RFC3339), elapsed(r), mdEscape(r.Executor)))
	b.WriteString("\n")
}

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
