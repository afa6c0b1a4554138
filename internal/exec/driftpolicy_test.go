package exec

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/pos"
	"github.com/ctgit/ctgit/internal/table"
)

// wideTables builds a reference and a current table of n numeric feature
// columns f01…fNN plus a target, with the columns in shifted scaled by 1.15
// in the current table.
func wideTables(n, rows int, shifted ...string) (ref, cur *table.Table) {
	rng := rand.New(rand.NewPCG(1, 2))
	ref, cur = &table.Table{Path: "ref.csv", Rows: rows}, &table.Table{Path: "cur.csv", Rows: rows}
	names := []string{}
	for i := 1; i <= n; i++ {
		names = append(names, fmt.Sprintf("f%02d", i))
	}
	names = append(names, "target")
	for _, name := range names {
		r, c := make([]float64, rows), make([]float64, rows)
		scale := 1.0
		if slices.Contains(shifted, name) {
			scale = 1.15
		}
		for i := range rows {
			r[i] = 100 + 10*rng.NormFloat64()
			c[i] = scale * (100 + 10*rng.NormFloat64())
			if name == "target" {
				r[i], c[i] = float64(rng.IntN(2)), float64(rng.IntN(2))
			}
		}
		ref.Columns = append(ref.Columns, table.NewNumericColumn(name, r))
		cur.Columns = append(cur.Columns, table.NewNumericColumn(name, c))
	}
	return ref, cur
}

// TestDriftPolicyCoversUndeclaredColumns is issue 12's first finding: a
// pipeline that declares a few columns and skips its target must still test
// every other column present in both files.
func TestDriftPolicyCoversUndeclaredColumns(t *testing.T) {
	ref, cur := wideTables(30, 2000, "f01", "f02", "f03", "f04", "f29", "f30")
	p := &config.Pipeline{Checks: &config.Checks{
		Columns: map[string]config.Column{
			"f01": {Type: "number"}, "f02": {Type: "number"}, "f03": {Type: "number"}, "f04": {Type: "number"},
			"target": {Type: "integer", Drift: &config.ColumnDrift{Skip: true}, FieldPos: config.ColumnFieldPos{DriftSkip: pos.Parse("pipelines/x.cue:12:5")}},
		},
		Drift: &config.DriftPolicy{Method: drift.MethodList{drift.MethodAuto}, Share: 0.5, NullShare: 0.1, Correction: "none"},
	}}
	rep, err := drift.Compare(ref, cur, DriftPolicy(p))
	if err != nil {
		t.Fatal(err)
	}
	var tested, drifted []string
	for _, c := range rep.Columns {
		tested = append(tested, c.Name)
		if c.Drifted {
			drifted = append(drifted, c.Name)
		}
	}
	if len(tested) != 30 || slices.Contains(tested, "target") {
		t.Errorf("tested %d columns %v, want the 30 features without target", len(tested), tested)
	}
	if diff := cmp.Diff([]string{"f01", "f02", "f03", "f04", "f29", "f30"}, drifted); diff != "" {
		t.Errorf("drifted columns (-want +got):\n%s", diff)
	}
	want := []drift.LeftOut{{Name: "target", Reason: "drift.skip at pipelines/x.cue:12:5"}}
	if diff := cmp.Diff(want, rep.LeftOut); diff != "" {
		t.Errorf("left out (-want +got):\n%s", diff)
	}
}

func TestDriftPolicy(t *testing.T) {
	labelLag := config.Trigger{LabelLag: &config.LabelLag{Column: "label_ts"}, Pos: pos.Parse("pipelines/x.cue:30:2")}
	skip := config.Column{Type: "integer", Drift: &config.ColumnDrift{Skip: true}, FieldPos: config.ColumnFieldPos{DriftSkip: pos.Parse("pipelines/x.cue:12:5")}}
	for _, tc := range []struct {
		name        string
		p           config.Pipeline
		wantSubset  []string
		wantExclude []drift.LeftOut
		wantFrom    string
	}{{
		name: "no exclusions: every column",
		p:    config.Pipeline{Checks: &config.Checks{Columns: map[string]config.Column{"a": {Type: "number"}}, Drift: &config.DriftPolicy{}}},
	}, {
		name:        "skip and label lag leave out only those columns",
		p:           config.Pipeline{Trigger: labelLag, Checks: &config.Checks{Columns: map[string]config.Column{"a": {Type: "number"}, "target": skip}, Drift: &config.DriftPolicy{}}},
		wantExclude: []drift.LeftOut{{Name: "label_ts", Reason: "trigger.labelLag column: a label, not a feature"}, {Name: "target", Reason: "drift.skip at pipelines/x.cue:12:5"}},
	}, {
		name:        "drift.columns narrows, skip still applies",
		p:           config.Pipeline{Checks: &config.Checks{Columns: map[string]config.Column{"target": skip}, Drift: &config.DriftPolicy{Columns: []string{"a", "target"}, ColumnsPos: pos.Parse("pipelines/x.cue:20:3")}}},
		wantSubset:  []string{"a", "target"},
		wantExclude: []drift.LeftOut{{Name: "target", Reason: "drift.skip at pipelines/x.cue:12:5"}},
		wantFrom:    "checks.drift.columns at pipelines/x.cue:20:3",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			pol := DriftPolicy(&tc.p)
			if diff := cmp.Diff(tc.wantSubset, pol.Subset); diff != "" {
				t.Errorf("subset (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantExclude, pol.Exclude); diff != "" {
				t.Errorf("exclude (-want +got):\n%s", diff)
			}
			if pol.SubsetFrom != tc.wantFrom {
				t.Errorf("subset from %q, want %q", pol.SubsetFrom, tc.wantFrom)
			}
		})
	}
}

// TestDriftPolicyMethodList: a pipeline's list of methods, and a column's,
// reach the drift step as they were written, and its report carries one
// result per method that fits each column.
func TestDriftPolicyMethodList(t *testing.T) {
	ref, cur := wideTables(2, 500, "f01")
	p := &config.Pipeline{Checks: &config.Checks{
		Columns: map[string]config.Column{
			"target": {Type: "category"},
			"f02":    {Type: "number", Drift: &config.ColumnDrift{Method: drift.MethodList{drift.MethodWasserstein}}},
		},
		Drift: &config.DriftPolicy{Method: drift.MethodList{drift.MethodKS, drift.MethodChiSquare, drift.MethodPSI}, Share: 0.5, NullShare: 0.1, Correction: "bonferroni"},
	}}
	pol := DriftPolicy(p)
	rep, err := drift.Compare(ref, cur, pol)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]drift.Method{}
	for _, c := range rep.Columns {
		if len(c.Results) == 0 {
			got[c.Name] = []drift.Method{c.Method}
		}
		for _, r := range c.Results {
			got[c.Name] = append(got[c.Name], r.Method)
		}
	}
	want := map[string][]drift.Method{
		"f01":    {drift.MethodKS, drift.MethodPSI},
		"f02":    {drift.MethodWasserstein},
		"target": {drift.MethodChiSquare, drift.MethodPSI},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("methods per column (-want +got):\n%s", diff)
	}
}
