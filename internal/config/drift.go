package config

import (
	"slices"
	"sort"

	"github.com/ctgit/ctgit/internal/drift"
)

// ReasonLabelLag is why the trigger.labelLag column is never tested for
// drift.
const ReasonLabelLag = "trigger.labelLag column: a label, not a feature"

// DriftExclusions are the columns the drift step leaves out whatever the
// data holds, each with the reason reports print: the trigger.labelLag
// column first, then each column with drift.skip, by name.
func (p *Pipeline) DriftExclusions() []drift.LeftOut {
	var out []drift.LeftOut
	if ll := p.Trigger.LabelLag; ll != nil {
		out = append(out, drift.LeftOut{Name: ll.Column, Reason: ReasonLabelLag})
	}
	// A window's partition column holds other values in each window by
	// design (the newest days against earlier ones): it always "drifts".
	for _, w := range []struct {
		field string
		w     *Window
	}{{"current", p.Data.CurrentWindow}, {"reference", p.Data.ReferenceWindow}} {
		if w.w != nil && !slices.ContainsFunc(out, func(l drift.LeftOut) bool { return l.Name == w.w.Partition }) {
			out = append(out, drift.LeftOut{Name: w.w.Partition, Reason: "the partition column of data." + w.field + ".window"})
		}
	}
	if p.Checks == nil {
		return out
	}
	names := make([]string, 0, len(p.Checks.Columns))
	for n, c := range p.Checks.Columns {
		if c.Drift != nil && c.Drift.Skip && (p.Trigger.LabelLag == nil || n != p.Trigger.LabelLag.Column) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		reason := "drift.skip"
		if pos := p.Checks.Columns[n].FieldPos.DriftSkip; !pos.IsZero() {
			reason += " at " + pos.String()
		}
		out = append(out, drift.LeftOut{Name: n, Reason: reason})
	}
	return out
}

// DriftColumnsFrom names where checks.drift.columns is set, for the reason
// given to the columns it leaves out.
func (p *Pipeline) DriftColumnsFrom() string {
	if p.Checks == nil || p.Checks.Drift == nil || len(p.Checks.Drift.Columns) == 0 {
		return ""
	}
	d := p.Checks.Drift
	if d.ColumnsPos.IsZero() {
		return "checks.drift.columns"
	}
	return "checks.drift.columns at " + d.ColumnsPos.String()
}

// checkDrift finds what the schema cannot say of the drift policy: a
// threshold above 1 where one of the methods it applies to (a list's, or
// auto) compares p-values. The drift step would refuse it; here the
// refusal points at the threshold's line before any step runs.
func checkDrift(p *Pipeline) Diagnostics {
	c := p.Checks
	if c == nil {
		return nil
	}
	var ds Diagnostics
	var policy drift.MethodList
	if c.Drift != nil {
		policy = c.Drift.Method
		if err := (drift.Policy{Method: policy, Threshold: c.Drift.Threshold}).Validate(); err != nil {
			ds = append(ds, diagAt(p.FieldPos("checks", "drift", "threshold"), "pipelines."+p.Name+".checks.drift.threshold", "%v", err))
		}
	}
	names := make([]string, 0, len(c.Columns))
	for n := range c.Columns {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		d := c.Columns[n].Drift
		if d == nil || d.Threshold == nil {
			continue
		}
		m := d.Method
		if len(m) == 0 {
			m = policy
		}
		if err := (drift.Policy{Method: m, Threshold: d.Threshold}).Validate(); err != nil {
			ds = append(ds, diagAt(p.FieldPos("checks", "columns", n, "drift", "threshold"), "pipelines."+p.Name+".checks.columns."+n+".drift.threshold", "%v", err))
		}
	}
	return ds
}
