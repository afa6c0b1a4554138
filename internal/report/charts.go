package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/record"
)

// chartColumns is the most columns one drift chart shows; more bars than
// this are unreadable.
const chartColumns = 40

// historyPoints is the most earlier promotions the metric chart shows.
const historyPoints = 10

// writeDriftCharts draws one bar chart per kind of score (p-values drift
// below their threshold, distances above it), each bar a column and the
// line its threshold. Past chartColumns, the columns nearest to or furthest
// past their threshold are shown.
func writeDriftCharts(b *strings.Builder, d *drift.Report) {
	var pvals, dists []drift.ColumnReport
	for _, c := range d.Columns {
		// A column tested by several methods has a bar per result, in
		// the chart of its kind of score, named with its method.
		for _, r := range driftResults(c) {
			if r.Score == nil || math.IsInf(*r.Score, 0) || math.IsNaN(*r.Score) {
				continue
			}
			bar := drift.ColumnReport{Name: c.Name, Method: r.Method, Score: r.Score, Threshold: r.Threshold}
			if len(c.Results) > 1 {
				bar.Name += " (" + string(r.Method) + ")"
			}
			if r.Method.PValue() {
				pvals = append(pvals, bar)
			} else {
				dists = append(dists, bar)
			}
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
