package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/record"
)

// MaxPullRequestBody is the largest pull request body GitHub accepts, in
// characters. Bodies are kept below it in bytes, which is stricter.
const MaxPullRequestBody = 65536

// collapseRows is the table length above which a table is put in a
// collapsed <details> block.
const collapseRows = 20

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
	writeCost(&b, r)
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
	b.WriteString("| Gate | Metric | Candidate | Current model | Compared on | Threshold | Result | Why |\n")
	b.WriteString("|---|---|---:|---:|---|---:|---|---|\n")
	intervals := false
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
		cand, cur := valuep(g.Candidate), valuep(baselineValue(r, g))
		if proportion(g) {
			cand, cur, intervals = withInterval(*g.Candidate, g.Rows), withInterval(*g.Baseline, g.Rows), true
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", g.Kind, metric, cand, cur, comparedOn(r, g),
			value(g.Threshold), res, mdEscape(g.Reason))
	}
	b.WriteString("\n")
	if intervals {
		b.WriteString("In parentheses: the Wilson score 95% interval of a proportion over the rows both models were scored on " +
			"(shown for values in [0, 1]). On the same rows the difference between two models usually varies less than their intervals suggest.\n\n")
	}
	if bl := r.Baseline; bl != nil && bl.SameData == nil && bl.Unscored != "" && hasRelative(r.Gates) {
		fmt.Fprintf(b, "> [!NOTE]\n> The current model was not scored on this run's rows: %s. Relative gates compare with the metrics its own run recorded, on other data.\n\n",
			mdEscape(bl.Unscored))
	}
}

// hasRelative says whether a gate compared with the current model.
func hasRelative(gates []record.Gate) bool {
	for _, g := range gates {
		if g.Kind == "maxDropFromBaseline" || g.Kind == "maxRiseFromBaseline" {
			return true
		}
	}
	return false
}

// writeMetrics lists every numeric metric the candidate reported, the gated
// ones with the kinds of gate on them, next to the current model's value:
// scored on the same rows when this run did, else as its run recorded it;
// metrics that are not numbers are named.
func writeMetrics(b *strings.Builder, r *record.Run) {
	if r.Training == nil || len(r.Training.Metrics) == 0 {
		return
	}
	var names, other []string
	for k, v := range r.Training.Metrics {
		if k == "baseline" {
			continue // the current model's column
		}
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
	current := map[string]float64{}
	if bl := r.Baseline; bl != nil {
		current = bl.Metrics
		if sd := bl.SameData; sd != nil {
			current = map[string]float64{"rows": float64(sd.Rows)}
			for k, v := range sd.Metrics {
				current[k] = v
			}
			fmt.Fprintf(b, "Candidate and current model (`%s`) scored on the same %d rows.\n\n", shortDigest(sd.Digest), sd.Rows)
		} else if len(bl.Metrics) > 0 {
			b.WriteString("Current model: as recorded by the run that promoted it, on its own data.\n\n")
		}
	}
	if len(names) > 0 {
		b.WriteString("| Metric | Candidate | Current model | Gates |\n|---|---:|---:|---|\n")
		for _, k := range names {
			cur := "-"
			if v, ok := current[k]; ok {
				cur = value(v)
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
		fmt.Fprintf(b, "| %s | %s | `%s` |\n", mdEscape(checkName(c)), mdEscape(c.Detail), mdEscape(c.Pos.String()))
	}
	b.WriteString("\n")
}

func writeGuardrails(b *strings.Builder, r *record.Run) {
	if a := r.Arrival; a != nil {
		fmt.Fprintf(b, "Data arrival: %s.\n\n", mdEscape(a.Detail))
	}
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
	if !r.Pos.IsZero() {
		pipeline += " declared at " + code(r.Pos.String())
	}
	row("Pipeline", pipeline)
	dataset := func(d record.Dataset) string {
		s := code(d.Path)
		if d.Digest != "" {
			s += " " + code(d.Digest)
		}
		if d.Objects > 0 {
			s += fmt.Sprintf(", %d objects", d.Objects)
		}
		if d.Window != "" {
			s += ", window " + mdEscape(d.Window)
		}
		s += fmt.Sprintf(", %d rows", d.Rows)
		if d.Note != "" {
			s += " (" + mdEscape(d.Note) + ")"
		}
		return s
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
		s := strings.TrimSpace(string(p.Status) + " on branch " + code(p.Branch))
		if p.Commit != "" {
			s += ", commit " + code(p.Commit)
		}
		row("Promotion", s)
	}
	row("Timing", fmt.Sprintf("triggered %s, started %s, %s, %s executor",
		r.Trigger.At.UTC().Format(time.RFC3339), r.StartedAt.UTC().Format(time.RFC3339), elapsed(r), mdEscape(r.Executor)))
	b.WriteString("\n")
}
