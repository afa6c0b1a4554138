package drift

import (
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/table"
)

// bitsEqual compares floats by their bits: "same results" means the same
// float64s, NaN and signed zero included.
var bitsEqual = cmp.Comparer(func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) })

// writeColumnsCSV writes a CSV file of the given columns (all as long as
// the first), quoting cells as the CSV reader expects.
func writeColumnsCSV(t *testing.T, path string, names []string, cols [][]string) {
	t.Helper()
	var b strings.Builder
	b.WriteString(strings.Join(names, ",") + "\n")
	for i := range cols[0] {
		for j, col := range cols {
			c := col[i]
			if c == "" || strings.ContainsAny(c, ",\"\r\n") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(c)
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// withoutProfile is rep with its ReferenceProfile cleared, and that
// profile use.
func withoutProfile(rep *Report) (*Report, *ProfileUse) {
	c := *rep
	c.ReferenceProfile = nil
	return &c, rep.ReferenceProfile
}

func testSpec(dir string) ProfileSpec {
	return ProfileSpec{Dir: dir, ReferenceDigest: "sha256:" + strings.Repeat("ab", 32), Build: "sha256:test-build"}
}

// TestProfileSameReportSciPyShapes checks, on every SciPy reference case,
// every method alone and ks,chisquare,psi together, that a comparison
// whose reference comes from a profile gives the report of one that reads
// the reference, bit for bit; the reference file is deleted once the
// profile is built, so a hit cannot have read it.
func TestProfileSameReportSciPyShapes(t *testing.T) {
	f := loadReference(t)
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			dir := t.TempDir()
			refPath, curPath := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cur.csv")
			writeColumnsCSV(t, refPath, []string{"x"}, [][]string{loadCells(t, c.Ref)})
			writeColumnsCSV(t, curPath, []string{"x"}, [][]string{loadCells(t, c.Cur)})
			one := 1.0
			// In the order of their names, so that a numerical column's
			// profile is built under ks, which sorts the columns it reads
			// where they lie, and then used by wasserstein, which sums in
			// file order.
			var policies []Policy
			for _, m := range slices.Sorted(maps.Keys(c.Scores)) {
				policies = append(policies, Policy{Method: MethodList{m}, NullShareThreshold: &one})
			}
			policies = append(policies, Policy{Method: MethodList{MethodKS, MethodChiSquare, MethodPSI}},
				Policy{Method: MethodList{MethodAuto}})
			var wants []*Report
			for _, p := range policies {
				want, err := CompareFiles(refPath, curPath, table.ReadOptions{}, p, 0)
				if err != nil {
					t.Fatal(err)
				}
				wants = append(wants, want)
			}
			spec := testSpec(filepath.Join(dir, "profiles"))
			built, err := CompareWithProfile(table.File(refPath), table.File(curPath), table.ReadOptions{}, policies[0], 0, spec)
			if err != nil {
				t.Fatal(err)
			}
			got, use := withoutProfile(built)
			if use == nil || use.Hit || use.Rebuilt != "no profile yet" || use.NotWritten != "" {
				t.Fatalf("first comparison: profile use %+v, want built from nothing", use)
			}
			if d := cmp.Diff(wants[0], got, bitsEqual); d != "" {
				t.Fatalf("report while building the profile differs (-read +built):\n%s", d)
			}
			if err := os.Remove(refPath); err != nil {
				t.Fatal(err)
			}
			for i, p := range policies {
				rep, err := CompareWithProfile(table.File(refPath), table.File(curPath), table.ReadOptions{}, p, 0, spec)
				if err != nil {
					t.Fatalf("%v: %v", p.Method, err)
				}
				got, use := withoutProfile(rep)
				if !use.Hit {
					t.Fatalf("%v: profile not used: %+v", p.Method, use)
				}
				if d := cmp.Diff(wants[i], got, bitsEqual); d != "" {
					t.Errorf("%v: report from the profile differs (-read +profile):\n%s", p.Method, d)
				}
			}
		})
	}
}

// TestProfileSameReportMultiColumn checks a table of numerical and
// categorical columns under several policies, read whole and in column
// groups (a budget of one byte puts each column in its own group).
func TestProfileSameReportMultiColumn(t *testing.T) {
	mf, _, _ := loadMulti(t)
	dir := t.TempDir()
	refPath, curPath := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cur.csv")
	var names []string
	var refCols, curCols [][]string
	for _, c := range mf.Columns {
		names = append(names, c.Name)
		refCols, curCols = append(refCols, c.Ref), append(curCols, c.Cur)
	}
	writeColumnsCSV(t, refPath, names, refCols)
	writeColumnsCSV(t, curPath, names, curCols)
	bonf := CorrectionBonferroni
	for _, budget := range []int64{0, 1} {
		spec := testSpec(filepath.Join(dir, "profiles", "budget", string(rune('0'+budget))))
		for i, pm := range mf.Policies {
			p := Policy{Method: pm.Methods, Categorical: []string{"visits"}}
			if i%2 == 1 {
				p.Correction = bonf
			}
			want, err := CompareFiles(refPath, curPath, table.ReadOptions{}, p, budget)
			if err != nil {
				t.Fatal(err)
			}
			for _, hit := range []bool{i > 0, true} {
				rep, err := CompareWithProfile(table.File(refPath), table.File(curPath), table.ReadOptions{}, p, budget, spec)
				if err != nil {
					t.Fatal(err)
				}
				got, use := withoutProfile(rep)
				if use.Hit != hit {
					t.Fatalf("budget %d, %v: hit %v, want %v (%+v)", budget, p.Method, use.Hit, hit, use)
				}
				if d := cmp.Diff(want, got, bitsEqual); d != "" {
					t.Errorf("budget %d, %v, hit %v: report differs (-read +profile):\n%s", budget, p.Method, hit, d)
				}
			}
		}
	}
}

// profileFixture builds a profile of a small reference and returns the
// paths and spec.
func profileFixture(t *testing.T) (refPath, curPath string, spec ProfileSpec, want *Report) {
	t.Helper()
	dir := t.TempDir()
	refPath, curPath = filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cur.csv")
	writeColumnsCSV(t, refPath, []string{"a", "b", "c"}, [][]string{
		{"1.5", "2.25", "3", "", "4.75", "5", "6.5", "7", "8", "9"},
		{"x", "y", "x", "z", "x", "y", "", "x", "y", "z"},
		{"0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0"},
	})
	writeColumnsCSV(t, curPath, []string{"a", "b", "c"}, [][]string{
		{"2.5", "3.25", "3", "4", "", "6", "7.5", "8", "9", "10"},
		{"x", "x", "x", "z", "y", "y", "y", "x", "", "z"},
		{"0.1", "0.3", "0.3", "0.5", "0.5", "0.7", "0.7", "0.9", "0.9", "1.1"},
	})
	spec = testSpec(filepath.Join(dir, "profiles"))
	var err error
	if want, err = CompareFiles(refPath, curPath, table.ReadOptions{}, Policy{}, 0); err != nil {
		t.Fatal(err)
	}
	rep, err := CompareWithProfile(table.File(refPath), table.File(curPath), table.ReadOptions{}, Policy{}, 0, spec)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ReferenceProfile.Hit || rep.ReferenceProfile.NotWritten != "" {
		t.Fatalf("building: %+v", rep.ReferenceProfile)
	}
	return refPath, curPath, spec, want
}

// TestProfileDamagedIsRebuilt damages a profile in each part of its file:
// each damage is detected, the reference read instead (same report), the
// reason said, and the profile written anew.
func TestProfileDamagedIsRebuilt(t *testing.T) {
	damages := []struct {
		name, why string
		damage    func(b []byte) []byte
	}{
		{"column byte flipped", "checksum mismatch", func(b []byte) []byte { b[20] ^= 0x40; return b }},
		{"footer byte flipped", "footer checksum mismatch", func(b []byte) []byte { b[len(b)-30] ^= 1; return b }},
		{"truncated", "not a profile, or truncated", func(b []byte) []byte { return b[:len(b)-5] }},
		{"empty", "truncated", func(b []byte) []byte { return nil }},
		{"other format", "format 9", func(b []byte) []byte { b[8] = 9; return b }},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			refPath, curPath, spec, want := profileFixture(t)
			path := spec.path(spec.Key("csv"))
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, d.damage(b), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, hit := range []bool{false, true} {
				rep, err := CompareWithProfile(table.File(refPath), table.File(curPath), table.ReadOptions{}, Policy{}, 0, spec)
				if err != nil {
					t.Fatal(err)
				}
				got, use := withoutProfile(rep)
				if use.Hit != hit || (!hit && !strings.Contains(use.Rebuilt, d.why)) {
					t.Fatalf("hit %v (want %v), rebuilt %q (want it to say %q)", use.Hit, hit, use.Rebuilt, d.why)
				}
				if d := cmp.Diff(want, got, bitsEqual); d != "" {
					t.Errorf("report differs (-read +profile):\n%s", d)
				}
			}
		})
	}
}

// TestProfileKey checks what the key depends on: the reference's content,
// the build and the format; and that a policy choosing a column the
// profile lacks rebuilds it, while one changing only the tests uses it.
func TestProfileKey(t *testing.T) {
	base := testSpec("p")
	keys := map[string]bool{base.Key("csv"): true}
	other := base
	other.ReferenceDigest = "sha256:" + strings.Repeat("cd", 32)
	keys[other.Key("csv")] = true
	other = base
	other.Build = "sha256:another-build"
	keys[other.Key("csv")] = true
	keys[base.Key("parquet")] = true
	if len(keys) != 4 {
		t.Fatalf("keys collide: %v", keys)
	}

	refPath, curPath, spec, _ := profileFixture(t)
	narrow := Policy{Subset: []string{"a"}, SubsetFrom: "test"}
	// A profile of column a only, in another directory.
	spec.Dir = filepath.Join(spec.Dir, "narrow")
	if _, err := CompareWithProfile(table.File(refPath), table.File(curPath), table.ReadOptions{}, narrow, 0, spec); err != nil {
		t.Fatal(err)
	}
	wide := Policy{Subset: []string{"a", "c"}, SubsetFrom: "test"}
	want, err := CompareFiles(refPath, curPath, table.ReadOptions{}, wide, 0)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := CompareWithProfile(table.File(refPath), table.File(curPath), table.ReadOptions{}, wide, 0, spec)
	if err != nil {
		t.Fatal(err)
	}
	got, use := withoutProfile(rep)
	if use.Hit || use.Rebuilt != `the profile lacks column(s) "c"` {
		t.Fatalf("a policy choosing a column the profile lacks: %+v", use)
	}
	if d := cmp.Diff(want, got, bitsEqual); d != "" {
		t.Errorf("report differs (-read +profile):\n%s", d)
	}
	th := 0.3
	tests := Policy{Subset: []string{"a", "c"}, SubsetFrom: "test", Method: MethodList{MethodPSI}, Threshold: &th}
	want, err = CompareFiles(refPath, curPath, table.ReadOptions{}, tests, 0)
	if err != nil {
		t.Fatal(err)
	}
	rep, err = CompareWithProfile(table.File(refPath), table.File(curPath), table.ReadOptions{}, tests, 0, spec)
	if err != nil {
		t.Fatal(err)
	}
	got, use = withoutProfile(rep)
	if !use.Hit {
		t.Fatalf("other tests on the same columns: %+v", use)
	}
	if d := cmp.Diff(want, got, bitsEqual); d != "" {
		t.Errorf("report differs (-read +profile):\n%s", d)
	}
}

// TestProfileNotWrittenOnFailure checks that a comparison that fails
// leaves no profile, not even a partial one.
func TestProfileNotWrittenOnFailure(t *testing.T) {
	dir := t.TempDir()
	refPath, curPath := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cur.csv")
	writeColumnsCSV(t, refPath, []string{"a", "b"}, [][]string{{"1", "2", "3"}, {"4", "5", "6"}})
	// The current data's second column is bad: a row too short.
	if err := os.WriteFile(curPath, []byte("a,b\n1,2\n3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := testSpec(filepath.Join(dir, "profiles"))
	for _, budget := range []int64{0, 1} {
		if _, err := CompareWithProfile(table.File(refPath), table.File(curPath), table.ReadOptions{}, Policy{}, budget, spec); err == nil {
			t.Fatal("a bad current file compared")
		}
		entries, _ := os.ReadDir(spec.Dir)
		if len(entries) != 0 {
			t.Fatalf("a failed comparison left %v", entries)
		}
	}
}

// TestColumnCodecRoundTrip checks that every form a reader gives a column
// survives the profile's encoding, and that damaged bytes are refused.
func TestColumnCodecRoundTrip(t *testing.T) {
	cols := []*table.Column{
		table.NewColumn("mixed", []string{"1.5", "x", "", "2", "y", "NaN"}),
		table.NewNumericColumn("floats", []float64{0.1, math.NaN(), 1e300, -2}),
		table.NewColumn("empty", nil),
	}
	for _, c := range []*table.Column{table.NewColumn("dec", []string{"1.25", "", "3"}), table.NewColumn("codes", []string{"a", "", "b", "a"})} {
		cc, ok := c.Compact()
		if !ok {
			t.Fatalf("%s does not compact", c.Name)
		}
		cols = append(cols, cc)
	}
	for _, c := range cols {
		b := table.AppendColumn(nil, c)
		got, err := table.DecodeColumn(b)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if d := cmp.Diff(observe(c), observe(got), bitsEqual); d != "" {
			t.Errorf("%s: round trip differs:\n%s", c.Name, d)
		}
		for n := range len(b) {
			if _, err := table.DecodeColumn(b[:n]); err == nil {
				t.Errorf("%s: %d of %d bytes decode", c.Name, n, len(b))
				break
			}
		}
	}
}

// columnView is everything the kernels can see of a column.
type columnView struct {
	Name              string
	Len, Missing      int
	Numerical         bool
	Dec               []int32
	Scale             int
	Floats            []float64
	Texts             []string
	TextCount         []int64
	NumCount          map[float64]int64
	DecNil, FloatsNil bool
}

func observe(c *table.Column) columnView {
	v := columnView{Name: c.Name, Len: c.Len(), Missing: c.Missing(), Numerical: c.Numerical(), Floats: c.Floats()}
	v.Dec, v.Scale = c.Decimals()
	v.DecNil, v.FloatsNil = v.Dec == nil, v.Floats == nil
	v.Texts, v.TextCount, v.NumCount = c.Tally()
	return v
}

// TestProfileKeepsFileOrder builds a profile under ks, which sorts the
// full-precision floats it reads where they lie: the profile holds the
// reference as read, in file order with its missing cells where they were,
// not as sorted (wasserstein sums the reference in file order), and a
// comparison under wasserstein from it is the files' bit for bit.
func TestProfileKeepsFileOrder(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	cells := func(n int, shift float64) []string {
		out := make([]string, n)
		for i := range out {
			if i%97 == 0 {
				out[i] = "" // missing cells sort last
				continue
			}
			out[i] = strconv.FormatFloat(rng.NormFloat64()*math.Pow(10, float64(rng.IntN(13)-6))+shift, 'g', -1, 64)
		}
		return out
	}
	refPath, curPath := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cur.csv")
	writeColumnsCSV(t, refPath, []string{"x"}, [][]string{cells(5000, 0)})
	writeColumnsCSV(t, curPath, []string{"x"}, [][]string{cells(4000, 0.1)})
	one := 1.0
	ks := Policy{Method: MethodList{MethodKS}, NullShareThreshold: &one}
	ws := Policy{Method: MethodList{MethodWasserstein}, NullShareThreshold: &one}
	want, err := CompareFiles(refPath, curPath, table.ReadOptions{}, ws, 0)
	if err != nil {
		t.Fatal(err)
	}
	spec := testSpec(filepath.Join(dir, "profiles"))
	built, err := CompareWithProfile(table.File(refPath), table.File(curPath), table.ReadOptions{}, ks, 0, spec)
	if err != nil {
		t.Fatal(err)
	}
	read, err := table.ReadInput(table.File(refPath), table.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	prof, err := openProfile(spec.path(built.ReferenceProfile.Key), built.ReferenceProfile.Key)
	if err != nil {
		t.Fatal(err)
	}
	held, err := prof.table(refPath, []string{"x"})
	prof.Close()
	if err != nil {
		t.Fatal(err)
	}
	a, b := read.Columns[0].Floats(), held.Columns[0].Floats()
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("the file's column has %d floats, the profile's %d", len(a), len(b))
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			t.Fatalf("cell %d: the file has %v, the profile %v: not the reference as read", i, a[i], b[i])
		}
	}
	rep, err := CompareWithProfile(table.File(refPath), table.File(curPath), table.ReadOptions{}, ws, 0, spec)
	if err != nil {
		t.Fatal(err)
	}
	got, use := withoutProfile(rep)
	if use == nil || !use.Hit {
		t.Fatalf("profile not used: %+v", use)
	}
	if d := cmp.Diff(want, got, bitsEqual); d != "" {
		t.Errorf("wasserstein from a profile built under ks differs (-files +profile):\n%s", d)
	}
}
