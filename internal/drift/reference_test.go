package drift

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/table"
)

// referenceFile is produced by testdata/gen_reference.py from SciPy 1.10,
// NumPy and pandas; see that script for how each number was computed.
type referenceFile struct {
	SciPy string          `json:"scipy"`
	Cases []referenceCase `json:"cases"`
	KSTwo []struct {
		N  int     `json:"n"`
		X  float64 `json:"x"`
		SF float64 `json:"sf"`
	} `json:"kstwo"`
	Chi2 []struct {
		DF int     `json:"df"`
		X  float64 `json:"x"`
		SF float64 `json:"sf"`
	} `json:"chi2"`
}

type referenceCase struct {
	Name     string                     `json:"name"`
	Kind     ColumnKind                 `json:"kind"`
	Ref      json.RawMessage            `json:"ref"`
	Cur      json.RawMessage            `json:"cur"`
	RefCount int                        `json:"refCount"`
	CurCount int                        `json:"curCount"`
	Scores   map[Method]referenceScores `json:"scores"`
}

type referenceScores struct {
	Statistic    *float64 `json:"statistic"`
	StatisticInf bool     `json:"statistic_inf"`
	PValue       *float64 `json:"pvalue"`
	Score        *float64 `json:"score"`
}

type recipe struct {
	Seed  uint64 `json:"seed"`
	N     int    `json:"n"`
	Mod   uint64 `json:"mod"`
	Terms int    `json:"terms"`
	Shift uint64 `json:"shift"`
	Div   uint64 `json:"div"`
}

// splitmix64 is the generator gen_reference.py uses for large cases.
type splitmix64 uint64

func (s *splitmix64) next() uint64 {
	*s += 0x9E3779B97F4A7C15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func (r recipe) cells() []string {
	g := splitmix64(r.Seed)
	out := make([]string, r.N)
	for i := range out {
		var s uint64
		for range r.Terms {
			s += g.next() % r.Mod
		}
		s += r.Shift
		out[i] = strconv.FormatFloat(float64(s)/float64(r.Div), 'f', -1, 64)
	}
	return out
}

func loadCells(t testing.TB, raw json.RawMessage) []string {
	t.Helper()
	var lit []string
	if err := json.Unmarshal(raw, &lit); err == nil {
		return lit
	}
	var r recipe
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("bad case data: %v", err)
	}
	return r.cells()
}

func loadReference(t testing.TB) referenceFile {
	t.Helper()
	b, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var f referenceFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func relClose(got, want, tol float64) bool {
	if got == want {
		return true
	}
	return math.Abs(got-want) <= tol*math.Abs(want)
}

const (
	relTol = 1e-9 // statistics and distances
	absTol = 1e-6 // p-values
)

// TestAgainstSciPy checks every score of every reference case against the
// numbers SciPy computed from the same cells.
func TestAgainstSciPy(t *testing.T) {
	f := loadReference(t)
	if len(f.Cases) == 0 {
		t.Fatal("no reference cases")
	}
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			ref := &table.Table{Path: "ref", Columns: []*table.Column{table.NewColumn("x", loadCells(t, c.Ref))}}
			cur := &table.Table{Path: "cur", Columns: []*table.Column{table.NewColumn("x", loadCells(t, c.Cur))}}
			ref.Rows, cur.Rows = ref.Columns[0].Len(), cur.Columns[0].Len()
			if n := ref.Rows - ref.Columns[0].Missing(); n != c.RefCount {
				t.Fatalf("reference has %d values, SciPy saw %d", n, c.RefCount)
			}
			if n := cur.Rows - cur.Columns[0].Missing(); n != c.CurCount {
				t.Fatalf("current has %d values, SciPy saw %d", n, c.CurCount)
			}
			if len(c.Scores) == 0 {
				t.Fatal("case has no scores")
			}
			for m, want := range c.Scores {
				one := 1.0
				rep, err := Compare(ref, cur, Policy{Method: MethodList{m}, NullShareThreshold: &one})
				if err != nil {
					t.Fatal(err)
				}
				col := rep.Columns[0]
				if col.Kind != c.Kind {
					t.Errorf("%s: kind %s, want %s", m, col.Kind, c.Kind)
				}
				if col.Score == nil {
					t.Fatalf("%s: no score", m)
				}
				switch {
				case m.PValue() && want.PValue == nil:
					// SciPy's χ² with one category has no degrees of
					// freedom (NaN); ctgit documents p = 1, χ² = 0.
					if *col.Score != 1 || col.Statistic == nil || *col.Statistic != 0 {
						t.Errorf("%s: one category: got score %v, want 1 and χ² 0", m, *col.Score)
					}
					continue
				case m.PValue():
					if math.Abs(*col.Score-*want.PValue) > absTol {
						t.Errorf("%s: p-value %.17g, SciPy %.17g", m, *col.Score, *want.PValue)
					}
				default:
					if !relClose(*col.Score, *want.Score, relTol) {
						t.Errorf("%s: score %.17g, SciPy %.17g", m, *col.Score, *want.Score)
					}
				}
				switch {
				case want.StatisticInf:
					if col.Statistic != nil {
						t.Errorf("%s: statistic %v, SciPy inf (want null)", m, *col.Statistic)
					}
				case want.Statistic != nil:
					if col.Statistic == nil || !relClose(*col.Statistic, *want.Statistic, relTol) {
						t.Errorf("%s: statistic %v, SciPy %.17g", m, col.Statistic, *want.Statistic)
					}
				}
			}
		})
	}
}

func TestKolmogorovSFAgainstSciPy(t *testing.T) {
	f := loadReference(t)
	for _, k := range f.KSTwo {
		if got := kolmogorovSF(k.X, k.N); math.Abs(got-k.SF) > absTol || math.IsNaN(got) {
			t.Errorf("kstwo.sf(%v, %d) = %.17g, SciPy %.17g", k.X, k.N, got, k.SF)
		}
	}
}

func TestChiSquareSFAgainstSciPy(t *testing.T) {
	f := loadReference(t)
	for _, k := range f.Chi2 {
		if got := chiSquareSF(k.X, k.DF); math.Abs(got-k.SF) > absTol || math.IsNaN(got) {
			t.Errorf("chi2.sf(%v, %d) = %.17g, SciPy %.17g", k.X, k.DF, got, k.SF)
		}
	}
}

// compactTable returns t with every column that Column.Decimals can hold held
// that way, as the CSV reader holds plain decimals.
func compactTable(t *table.Table) (*table.Table, int) {
	out := &table.Table{Path: t.Path, Rows: t.Rows}
	n := 0
	for _, c := range t.Columns {
		c, ok := c.Compact()
		if ok {
			n++
		}
		out.Columns = append(out.Columns, c)
	}
	return out, n
}

// TestCompactSameReport checks, on every SciPy reference case and method,
// that columns held compactly give exactly the report of float columns,
// including KS run on the integers of two columns at one scale.
func TestCompactSameReport(t *testing.T) {
	f := loadReference(t)
	compacted := 0
	for _, c := range f.Cases {
		ref := &table.Table{Path: "ref", Columns: []*table.Column{table.NewColumn("x", loadCells(t, c.Ref))}}
		cur := &table.Table{Path: "cur", Columns: []*table.Column{table.NewColumn("x", loadCells(t, c.Cur))}}
		ref.Rows, cur.Rows = ref.Columns[0].Len(), cur.Columns[0].Len()
		cref, n1 := compactTable(ref)
		ccur, n2 := compactTable(cur)
		if n1+n2 == 0 {
			continue
		}
		compacted++
		for m := range c.Scores {
			one := 1.0
			p := Policy{Method: MethodList{m}, NullShareThreshold: &one}
			want, err1 := Compare(ref, cur, p)
			got, err2 := Compare(cref, ccur, p)
			if d := cmp.Diff(fmt.Sprint(err1), fmt.Sprint(err2)); d != "" {
				t.Fatalf("%s %s: errors differ: %s", c.Name, m, d)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s %s: compact report differs (-float +compact):\n%s", c.Name, m, d)
			}
		}
	}
	if compacted == 0 {
		t.Fatal("no reference case could be held compactly")
	}
	t.Logf("%d of %d cases compacted", compacted, len(f.Cases))
}

// TestReadCSVSameReport checks, on every SciPy reference case and method,
// that the columns the CSV reader makes of the cells (with its fast
// number parsers and its compact forms) give exactly the report of the
// columns built cell by cell, so the reader's numbers are SciPy's too.
func TestReadCSVSameReport(t *testing.T) {
	f := loadReference(t)
	read := func(t *testing.T, path string, cells []string) *table.Table {
		t.Helper()
		var b strings.Builder
		b.WriteString("x\n")
		for _, c := range cells {
			if c == "" || strings.ContainsAny(c, ",\"\r\n") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			b.WriteString(c + "\n")
		}
		tab, err := table.ReadCSV(strings.NewReader(b.String()), path, table.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return tab
	}
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			refCells, curCells := loadCells(t, c.Ref), loadCells(t, c.Cur)
			ref := &table.Table{Path: "ref", Rows: len(refCells), Columns: []*table.Column{table.NewColumn("x", refCells)}}
			cur := &table.Table{Path: "cur", Rows: len(curCells), Columns: []*table.Column{table.NewColumn("x", curCells)}}
			rref, rcur := read(t, "ref", refCells), read(t, "cur", curCells)
			for m := range c.Scores {
				one := 1.0
				p := Policy{Method: MethodList{m}, NullShareThreshold: &one}
				want, err1 := Compare(ref, cur, p)
				got, err2 := Compare(rref, rcur, p)
				if d := cmp.Diff(fmt.Sprint(err1), fmt.Sprint(err2)); d != "" {
					t.Fatalf("%s: errors differ: %s", m, d)
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("%s: report of the CSV reader's columns differs (-cells +read):\n%s", m, d)
				}
			}
		})
	}
}
