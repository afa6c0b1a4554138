package drift

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCompareFilesInGroups checks that reading in column groups under a
// small memory budget gives exactly the report of reading all at once,
// corrections across groups included.
func TestCompareFilesInGroups(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, shift float64, seed uint64) string {
		r := rand.New(rand.NewPCG(seed, 1))
		var b strings.Builder
		b.WriteString("a,b,c,d,e\n")
		for range 3000 {
			fmt.Fprintf(&b, "%.3f,%.3f,%d,cat%d,%.2f\n", r.NormFloat64()+shift, r.NormFloat64(), r.IntN(5), r.IntN(4), r.ExpFloat64())
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ref, cur := write("ref.csv", 0, 1), write("cur.csv", 0.1, 2)
	for _, p := range []Policy{{}, {Correction: CorrectionBH}, {Correction: CorrectionBonferroni, Subset: []string{"e", "a", "c"}}} {
		whole, err := CompareFiles(ref, cur, ReadOptions{}, p, 0)
		if err != nil {
			t.Fatal(err)
		}
		grouped, err := CompareFiles(ref, cur, ReadOptions{}, p, 2*8*3001) // two to four columns a pass
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(whole, grouped); d != "" {
			t.Errorf("policy %+v: grouped report differs (-whole +grouped):\n%s", p, d)
		}
		if len(whole.Columns) == 0 {
			t.Fatal("no columns compared")
		}
	}
	if _, err := CompareFiles(ref, filepath.Join(dir, "nope.csv"), ReadOptions{}, Policy{}, 1); err == nil {
		t.Error("want an error for a missing file")
	}
}

// TestCSVShapeCellBytes checks the per-column memory estimate the column
// groups are cut by: 4 bytes for plain decimals and text-only columns, 8
// for anything else.
func TestCSVShapeCellBytes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.csv")
	data := "int,dec,missing,text,mixed,exp,long\n1,1.25,,x,x,1e300,0.1234567890123\n-2,3.5,7,y,2,2,1\n"
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	header, lines, cell, err := csvShape(p)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"int": 4, "dec": 4, "missing": 4, "text": 4, "mixed": 8, "exp": 8, "long": 8}
	if d := cmp.Diff(want, cell); d != "" {
		t.Errorf("cell bytes (-want +got):\n%s", d)
	}
	if len(header) != 7 || lines < 2 {
		t.Errorf("header %v, lines %d", header, lines)
	}
}
