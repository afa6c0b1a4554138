package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/ctgit/ctgit/internal/drift"
)

// Drift renders a drift report in format: text (a table for terminals),
// json (the versioned DriftReport shape) or markdown (the table that goes
// into pull request bodies and step summaries).
func Drift(w io.Writer, r *drift.Report, format string) error {
	switch format {
	case FormatJSON:
		return writeJSON(w, r)
	case FormatMarkdown:
		return driftMarkdown(w, r)
	case FormatText:
		return driftText(w, r)
	}
	return fmt.Errorf("unknown format %q", format)
}

func driftCount(r *drift.Report) int {
	n := 0
	for _, c := range r.Columns {
		if c.Drifted {
			n++
		}
	}
	return n
}

func driftVerdict(r *drift.Report) string {
	v := "no drift"
	if r.Drifted {
		v = "DRIFTED"
	}
	return fmt.Sprintf("%s: %d of %d columns drifted (%s; dataset threshold %s)",
		v, driftCount(r), len(r.Columns), pct(r.DriftShare), pct(r.ShareThreshold))
}

// driftCoverage says how many columns were tested and names those left
// out, grouped by reason, with name formatting each column's name; "" when
// every column was tested. A reason shared by more than leftOutNames
// columns names the first few and counts the rest (the report's JSON has
// them all).
func driftCoverage(r *drift.Report, name func(string) string) string {
	if len(r.LeftOut) == 0 {
		return ""
	}
	var reasons []string
	byReason := map[string][]string{}
	for _, l := range r.LeftOut {
		if _, ok := byReason[l.Reason]; !ok {
			reasons = append(reasons, l.Reason)
		}
		byReason[l.Reason] = append(byReason[l.Reason], name(l.Name))
	}
	parts := make([]string, len(reasons))
	for i, why := range reasons {
		names := byReason[why]
		list := strings.Join(names, ", ")
		if len(names) > leftOutNames {
			list = fmt.Sprintf("%s and %d more", strings.Join(names[:leftOutNames], ", "), len(names)-leftOutNames)
		}
		parts[i] = fmt.Sprintf("%s (%s)", list, why)
	}
	return fmt.Sprintf("drift tested %d of %d columns; left out: %s",
		len(r.Columns), len(r.Columns)+len(r.LeftOut), strings.Join(parts, ", "))
}

// leftOutNames is the most column names one reason lists.
const leftOutNames = 5

func plainName(s string) string { return s }

// codeName sets a column name in code style in markdown prose.
func codeName(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

// Percent formats a share (0.2258…) for people: "22.6%". JSON views keep
// the full value.
func Percent(x float64) string { return pct(x) }

func pct(x float64) string {
	return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", 100*x), "0"), ".") + "%"
}

func num(p *float64) string {
	if p == nil {
		return "-"
	}
	if math.IsInf(*p, 0) {
		return "inf"
	}
	return fmt.Sprintf("%.4g", *p)
}

// driftResults is every result of a column: its Results, or the column's
// own fields when one method tested it.
func driftResults(c drift.ColumnReport) []drift.MethodResult {
	if len(c.Results) > 0 {
		return c.Results
	}
	return []drift.MethodResult{{Method: c.Method, Score: c.Score, Statistic: c.Statistic, Threshold: c.Threshold, AdjustedScore: c.AdjustedScore}}
}

// resultSep separates a column's results within one cell of the text and
// markdown tables: a column keeps one line however many methods tested it,
// each cell listing its results in the METHOD cell's order.
const resultSep = " · "

// perResult joins f of each of c's results.
func perResult(c drift.ColumnReport, f func(drift.MethodResult) string) string {
	rs := driftResults(c)
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = f(r)
	}
	return strings.Join(out, resultSep)
}

func driftMethod(c drift.ColumnReport) string {
	return perResult(c, func(r drift.MethodResult) string { return string(r.Method) })
}

func driftScore(c drift.ColumnReport) string {
	return perResult(c, func(r drift.MethodResult) string {
		s := num(r.Score)
		if r.AdjustedScore != nil {
			s += " (adj " + num(r.AdjustedScore) + ")"
		}
		return s
	})
}

func driftStatistic(c drift.ColumnReport) string {
	return perResult(c, func(r drift.MethodResult) string {
		if r.Statistic == nil && r.Score != nil && r.Method == drift.MethodChiSquare {
			return "inf"
		}
		return num(r.Statistic)
	})
}

func driftThreshold(c drift.ColumnReport) string {
	return perResult(c, func(r drift.MethodResult) string { return fmt.Sprintf("%g", r.Threshold) })
}

func nulls(c drift.ColumnReport) string {
	s := pct(c.NullShare.Reference) + " → " + pct(c.NullShare.Current)
	if c.NullShareDrifted {
		s += " !"
	}
	return s
}

func driftText(w io.Writer, r *drift.Report) error {
	fmt.Fprintf(w, "reference %s (%d rows), current %s (%d rows)\n", r.Reference.Path, r.Reference.Rows, r.Current.Path, r.Current.Rows)
	fmt.Fprintln(w, driftVerdict(r))
	if c := driftCoverage(r, plainName); c != "" {
		fmt.Fprintln(w, c)
	}
	if r.Correction != drift.CorrectionNone {
		fmt.Fprintf(w, "p-values corrected for %d tests: %s\n", countPValues(r), r.Correction)
	}
	if len(r.Columns) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COLUMN\tKIND\tMETHOD\tSCORE\tSTATISTIC\tTHRESHOLD\tNULLS REF → CUR\tDRIFT")
	for _, c := range r.Columns {
		verdict := "no"
		if c.Drifted {
			verdict = "yes: " + c.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Kind, driftMethod(c), driftScore(c),
			driftStatistic(c), driftThreshold(c), nulls(c), verdict)
	}
	return tw.Flush()
}

// countPValues counts the corrected results: the family the correction
// was over.
func countPValues(r *drift.Report) int {
	n := 0
	for _, c := range r.Columns {
		for _, res := range driftResults(c) {
			if res.AdjustedScore != nil {
				n++
			}
		}
	}
	return n
}

// mdCell escapes what would break a markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

func driftMarkdown(w io.Writer, r *drift.Report) error {
	driftMarkdownHead(w, r)
	if len(r.Columns) == 0 {
		fmt.Fprintln(w, "No columns were compared.")
		return nil
	}
	return driftMarkdownTable(w, r.Columns)
}

// driftMarkdownHead writes the heading with the dataset verdict and the line
// naming both datasets; the pull request body puts charts and a collapsible
// table under it.
func driftMarkdownHead(w io.Writer, r *drift.Report) {
	icon := "✅"
	if r.Drifted {
		icon = "⚠️"
	}
	fmt.Fprintf(w, "### %s Data drift — %s\n\n", icon, driftVerdict(r))
	fmt.Fprintf(w, "Reference `%s` (%d rows) · current `%s` (%d rows)", mdCell(r.Reference.Path), r.Reference.Rows,
		mdCell(r.Current.Path), r.Current.Rows)
	if r.Correction != drift.CorrectionNone {
		fmt.Fprintf(w, " · p-values corrected (%s)", r.Correction)
	}
	fmt.Fprint(w, "\n\n")
	if c := driftCoverage(r, codeName); c != "" {
		fmt.Fprint(w, capitalize(c)+".\n\n")
	}
}

// driftMarkdownTable writes the per-column table for cols, which may be a
// subset of a report's columns (the pull request body drops undrifted ones
// when it must fit GitHub's size limit).
func driftMarkdownTable(w io.Writer, cols []drift.ColumnReport) error {
	fmt.Fprintln(w, "| Column | Kind | Method | Score | Statistic | Threshold | Null share (ref → cur) | Drift |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---|---|")
	for _, c := range cols {
		verdict := "no"
		if c.Drifted {
			verdict = "**yes** — " + mdCell(c.Reason)
		}
		if _, err := fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %s | %s | %s |\n", mdCell(c.Name), c.Kind, driftMethod(c),
			driftScore(c), driftStatistic(c), driftThreshold(c), nulls(c), verdict); err != nil {
			return err
		}
	}
	return nil
}
