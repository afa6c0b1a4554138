package drift

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/table"
)

// multiFile is produced by testdata/gen_multi.py: one table compared under
// policies that list several methods, with SciPy's scores for each result.
type multiFile struct {
	Columns []struct {
		Name string     `json:"name"`
		Kind ColumnKind `json:"kind"`
		Ref  []string   `json:"ref"`
		Cur  []string   `json:"cur"`
	} `json:"columns"`
	Policies []struct {
		Methods MethodList `json:"methods"`
		Columns []struct {
			Name    string `json:"name"`
			Results []struct {
				Method Method `json:"method"`
				referenceScores
				Bonferroni *float64 `json:"bonferroni"`
			} `json:"results"`
		} `json:"columns"`
	} `json:"policies"`
}

func loadMulti(t *testing.T) (f multiFile, ref, cur *table.Table) {
	t.Helper()
	b, err := os.ReadFile("testdata/multi.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	ref, cur = &table.Table{Path: "ref"}, &table.Table{Path: "cur"}
	for _, c := range f.Columns {
		ref.Columns = append(ref.Columns, table.NewColumn(c.Name, c.Ref))
		cur.Columns = append(cur.Columns, table.NewColumn(c.Name, c.Cur))
	}
	ref.Rows, cur.Rows = ref.Columns[0].Len(), cur.Columns[0].Len()
	return f, ref, cur
}

// results is every result of a column: Results, or the column itself.
func results(c ColumnReport) []MethodResult {
	if c.Results != nil {
		return c.Results
	}
	return []MethodResult{{Method: c.Method, Score: c.Score, Statistic: c.Statistic, Threshold: c.Threshold, AdjustedScore: c.AdjustedScore}}
}

// TestMultiMethodAgainstSciPy compares one table under lists of methods in
// one call: every column must carry one result per method that applies to
// it, in the policy's order, each with SciPy's numbers, the p-values
// Bonferroni-adjusted over all the comparison's p-value results.
func TestMultiMethodAgainstSciPy(t *testing.T) {
	f, ref, cur := loadMulti(t)
	for _, pol := range f.Policies {
		t.Run(pol.Methods.String(), func(t *testing.T) {
			one := 1.0
			rep, err := Compare(ref, cur, Policy{Method: pol.Methods, NullShareThreshold: &one, Correction: CorrectionBonferroni})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Columns) != len(pol.Columns) {
				t.Fatalf("%d columns, want %d", len(rep.Columns), len(pol.Columns))
			}
			for i, want := range pol.Columns {
				col := rep.Columns[i]
				if col.Kind != f.Columns[i].Kind {
					t.Errorf("%s: kind %s, want %s", col.Name, col.Kind, f.Columns[i].Kind)
				}
				got := results(col)
				var gotM, wantM []Method
				for _, r := range got {
					gotM = append(gotM, r.Method)
				}
				for _, r := range want.Results {
					wantM = append(wantM, r.Method)
				}
				if d := cmp.Diff(wantM, gotM); d != "" {
					t.Fatalf("%s: methods (-want +got):\n%s", col.Name, d)
				}
				anyDrift := false
				for j, w := range want.Results {
					g := got[j]
					if g.Score == nil {
						t.Fatalf("%s %s: no score", col.Name, g.Method)
					}
					switch {
					case g.Method.PValue():
						if math.Abs(*g.Score-*w.PValue) > absTol {
							t.Errorf("%s %s: p-value %.17g, SciPy %.17g", col.Name, g.Method, *g.Score, *w.PValue)
						}
						if g.AdjustedScore == nil || math.Abs(*g.AdjustedScore-*w.Bonferroni) > absTol {
							t.Errorf("%s %s: adjusted %v, want %.17g", col.Name, g.Method, g.AdjustedScore, *w.Bonferroni)
						}
					default:
						if !relClose(*g.Score, *w.Score, relTol) {
							t.Errorf("%s %s: score %.17g, SciPy %.17g", col.Name, g.Method, *g.Score, *w.Score)
						}
						if g.AdjustedScore != nil {
							t.Errorf("%s %s: a distance was adjusted", col.Name, g.Method)
						}
					}
					anyDrift = anyDrift || g.Drifted
				}
				// The primary result is the first; the verdict is any test's.
				if col.Method != got[0].Method || col.Score != got[0].Score {
					t.Errorf("%s: primary %s, want the first result %s", col.Name, col.Method, got[0].Method)
				}
				if col.Drifted != (anyDrift || col.NullShareDrifted) {
					t.Errorf("%s: drifted %v, tests %v", col.Name, col.Drifted, anyDrift)
				}
			}
		})
	}
}

// TestMultiMethodSameAsOneByOne checks that each result of a list equals,
// bit for bit, the report of that method alone (without correction, whose
// family differs with the list).
func TestMultiMethodSameAsOneByOne(t *testing.T) {
	_, ref, cur := loadMulti(t)
	list := MethodList{MethodKS, MethodWasserstein, MethodChiSquare, MethodJensenShannon, MethodPSI}
	rep, err := Compare(ref, cur, Policy{Method: list})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		one, err := Compare(ref, cur, Policy{Method: MethodList{m}, Categorical: nil})
		if err != nil {
			// ks and wasserstein alone refuse the categorical columns.
			one, err = Compare(ref, cur, Policy{Method: MethodList{m}, Subset: []string{"amount", "ratio", "visits"}})
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, oc := range one.Columns {
			i := slices.IndexFunc(rep.Columns, func(c ColumnReport) bool { return c.Name == oc.Name })
			j := slices.IndexFunc(results(rep.Columns[i]), func(r MethodResult) bool { return r.Method == m })
			if j < 0 {
				continue // m does not fit this column's kind
			}
			got := results(rep.Columns[i])[j]
			want := results(oc)[0]
			want.Drifted = got.Drifted // the column's verdict may include the null share
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s %s: (-alone +in the list):\n%s", oc.Name, m, d)
			}
		}
	}
}
