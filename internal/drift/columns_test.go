package drift

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/table"
)

func TestSelectColumns(t *testing.T) {
	ref := header{"ref.csv", []string{"a", "b", "target", "label_ts", "gone"}}
	cur := header{"cur.csv", []string{"a", "new", "b", "target", "label_ts"}}
	exclude := []LeftOut{{Name: "label_ts", Reason: "a label"}, {Name: "target", Reason: "drift.skip at x.cue:3:4"}, {Name: "absent", Reason: "ignored"}}
	for _, tc := range []struct {
		name       string
		p          Policy
		wantTested []string
		wantLeft   []LeftOut
		wantErr    string
	}{{
		name:       "every column in both files; the others named",
		wantTested: []string{"a", "b", "target", "label_ts"},
		wantLeft:   []LeftOut{{"gone", ReasonOnlyReference}, {"new", ReasonOnlyCurrent}},
	}, {
		name:       "exclusions remove only their columns",
		p:          Policy{Exclude: exclude},
		wantTested: []string{"a", "b"},
		wantLeft:   []LeftOut{{"target", "drift.skip at x.cue:3:4"}, {"label_ts", "a label"}, {"gone", ReasonOnlyReference}, {"new", ReasonOnlyCurrent}},
	}, {
		name:       "a subset narrows, and exclusions win over it",
		p:          Policy{Subset: []string{"b", "target"}, SubsetFrom: "--columns", Exclude: exclude},
		wantTested: []string{"b"},
		wantLeft:   []LeftOut{{"a", "not in --columns"}, {"target", "drift.skip at x.cue:3:4"}, {"label_ts", "a label"}, {"gone", "not in --columns"}, {"new", "not in --columns"}},
	}, {
		name:    "a subset column missing from the current data",
		p:       Policy{Subset: []string{"gone"}},
		wantErr: `cur.csv: column "gone": missing from the current data (present in the reference)`,
	}, {
		name:    "a subset column missing from the reference data",
		p:       Policy{Subset: []string{"new"}},
		wantErr: `ref.csv: column "new": no such column in the reference data`,
	}, {
		name:       "categories of a column in one file only are fine",
		p:          Policy{Categorical: []string{"new"}},
		wantTested: []string{"a", "b", "target", "label_ts"},
		wantLeft:   []LeftOut{{"gone", ReasonOnlyReference}, {"new", ReasonOnlyCurrent}},
	}, {
		name:    "a column override in neither file",
		p:       Policy{Columns: map[string]ColumnPolicy{"zz": {Method: MethodList{MethodKS}}}},
		wantErr: `ref.csv: column "zz": no such column in either data file`,
	}, {
		name:    "nothing left to test",
		p:       Policy{Subset: []string{"target"}, Exclude: exclude},
		wantErr: `cur.csv: no column left to compare: a (not among the columns to compare), b (not among the columns to compare), target (drift.skip at x.cue:3:4), label_ts (a label), gone (not among the columns to compare) and 1 more`,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			tested, left, err := selectColumns(ref, cur, tc.p)
			if tc.wantErr != "" {
				var ie *table.InputError
				if !errors.As(err, &ie) || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want the input error %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.wantTested, tested); d != "" {
				t.Errorf("tested (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantLeft, left); d != "" {
				t.Errorf("left out (-want +got):\n%s", d)
			}
		})
	}
}

// writeWide writes a CSV file of n numeric columns c00…, and the extra
// columns given, with the columns in shift scaled by 1.15.
func writeWide(t *testing.T, path string, seed uint64, n int, extra []string, shift ...string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	var names []string
	for i := range n {
		names = append(names, fmt.Sprintf("c%02d", i))
	}
	names = append(names, extra...)
	var b strings.Builder
	b.WriteString(strings.Join(names, ",") + "\n")
	for range 1500 {
		for i, name := range names {
			if i > 0 {
				b.WriteByte(',')
			}
			f := 1.0
			for _, s := range shift {
				if s == name {
					f = 1.15
				}
			}
			fmt.Fprintf(&b, "%.2f", f*(100+10*rng.NormFloat64()))
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCompareFilesLeavesOutTheSameColumnsWhateverTheBudget checks the
// three ways CompareFiles reads (whole, in column groups, from a table)
// agree on what they test and what they leave out.
func TestCompareFilesLeavesOutTheSameColumnsWhateverTheBudget(t *testing.T) {
	dir := t.TempDir()
	ref, cur := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cur.csv")
	writeWide(t, ref, 1, 20, []string{"target", "old"})
	writeWide(t, cur, 2, 20, []string{"target", "new"}, "c00", "c19")
	threshold := 0.001
	p := Policy{Method: MethodList{MethodKS}, Threshold: &threshold, Exclude: []LeftOut{{Name: "target", Reason: "drift.skip"}}}
	wantLeft := []LeftOut{{"target", "drift.skip"}, {"old", ReasonOnlyReference}, {"new", ReasonOnlyCurrent}}
	for _, budget := range []int64{0, 1 << 20, 64 << 10} {
		rep, err := CompareFiles(ref, cur, table.ReadOptions{}, p, budget)
		if err != nil {
			t.Fatalf("budget %d: %v", budget, err)
		}
		if len(rep.Columns) != 20 {
			t.Errorf("budget %d: tested %d columns, want 20", budget, len(rep.Columns))
		}
		var drifted []string
		for _, c := range rep.Columns {
			if c.Drifted {
				drifted = append(drifted, c.Name)
			}
		}
		if d := cmp.Diff([]string{"c00", "c19"}, drifted); d != "" {
			t.Errorf("budget %d: drifted (-want +got):\n%s", budget, d)
		}
		if d := cmp.Diff(wantLeft, rep.LeftOut); d != "" {
			t.Errorf("budget %d: left out (-want +got):\n%s", budget, d)
		}
	}
}

func TestPolicyJSONKeepsExclusions(t *testing.T) {
	p := Policy{Subset: []string{"a", "b"}, SubsetFrom: "checks.drift.columns at x.cue:1:2",
		Exclude: []LeftOut{{Name: "b", Reason: "drift.skip at x.cue:3:4"}}}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var got Policy
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(p, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
