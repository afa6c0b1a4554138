package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/ctgit/ctgit/internal/record"
)

// CostLine says what the run cost and, when the candidate was compared
// with the deployed model on the same rows, what that bought: "+0.004 auc
// over the deployed model on the same 2000 rows for 3.2 GPU-hours, $9.60".
// A run with unpriced steps says so: its priced part is not what it cost.
// "" when the repository declares no prices.
func CostLine(r *record.Run) string {
	c := r.Cost
	if c == nil {
		return ""
	}
	var b strings.Builder
	if gain := improvement(r); gain != "" {
		b.WriteString(gain + " for ")
	}
	switch {
	case c.GPUHours > 0:
		fmt.Fprintf(&b, "%s GPU-hours, ", record.Hours(c.GPUHours))
	case c.CPUHours > 0:
		fmt.Fprintf(&b, "%s CPU-hours, ", record.Hours(c.CPUHours))
	}
	switch {
	case c.Complete():
		b.WriteString(record.Money(c.Amount, c.Currency))
	case c.Amount > 0:
		fmt.Fprintf(&b, "%s and unpriced steps (%s)", record.Money(c.Amount, c.Currency), strings.Join(c.Unpriced, "; "))
	default:
		fmt.Fprintf(&b, "unpriced (%s)", strings.Join(c.Unpriced, "; "))
	}
	return b.String()
}

// BudgetLine says where the pipeline's budget stands after the run: "$9.60
// of $100.00 spent in the last 30d (3 runs), $90.40 remaining"; "" without
// a budget.
func BudgetLine(r *record.Run) string {
	bu := r.Budget
	if bu == nil {
		return ""
	}
	m := func(v float64) string { return record.Money(v, bu.Currency) }
	left := m(bu.Remaining) + " remaining"
	if bu.Remaining < 0 {
		left = m(-bu.Remaining) + " over"
	}
	runs := "1 run"
	if bu.Runs != 1 {
		runs = strconv.Itoa(bu.Runs) + " runs"
	}
	return fmt.Sprintf("%s of %s spent in the last %s (%s), %s", m(bu.Spent), m(bu.Max), bu.Window, runs, left)
}

// improvement is the candidate's change over the deployed model on the
// metric of the first relative gate compared on the same rows: "+0.004 auc
// over the deployed model on the same 2000 rows"; "" when none was.
func improvement(r *record.Run) string {
	for _, g := range r.Gates {
		if g.BaselineSource != record.BaselineSameData || g.Candidate == nil || g.Baseline == nil || g.Skipped {
			continue
		}
		d := *g.Candidate - *g.Baseline
		sign := ""
		if d >= 0 {
			sign = "+"
		}
		return fmt.Sprintf("%s%s %s over the deployed model on the same %d rows", sign, strconv.FormatFloat(d, 'g', 3, 64), g.Metric, g.Rows)
	}
	return ""
}

// writeCost writes the cost and budget lines of a pull request body.
func writeCost(b *strings.Builder, r *record.Run) {
	if line := CostLine(r); line != "" {
		fmt.Fprintf(b, "**Cost** %s\n\n", mdEscape(line))
	}
	if line := BudgetLine(r); line != "" {
		fmt.Fprintf(b, "**Budget** %s\n\n", mdEscape(line))
	}
}

// writeSpendText writes the spend table of `ctgit status`.
func writeSpendText(w io.Writer, spend []record.ModelSpend) error {
	if len(spend) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tWINDOW\tSPENT\tRUNS\tBUDGET")
	for _, s := range spend {
		spent, budget := record.Money(s.Amount, s.Currency), "-"
		switch {
		case s.Error != "":
			spent = "?"
		case len(s.Unknown) > 0:
			spent = "at least " + spent
		}
		if s.Budget != nil {
			budget = record.Money(*s.Budget, s.Currency)
			switch left := *s.Budget - s.Amount; {
			case s.Error != "" || len(s.Unknown) > 0:
			case left < 0:
				budget += ", " + record.Money(-left, s.Currency) + " over"
			default:
				budget += ", " + record.Money(left, s.Currency) + " remaining"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", s.Model, s.Window, spent, s.Runs, budget)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range spend {
		if s.Error != "" {
			fmt.Fprintf(w, "%s: spend unknown: %s\n", s.Model, s.Error)
		}
		for _, u := range s.Unknown {
			fmt.Fprintf(w, "%s: the cost of run %s is not known\n", s.Model, u)
		}
	}
	return nil
}
