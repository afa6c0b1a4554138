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
		grouped, err := CompareFiles(ref, cur, ReadOptions{}, p, 2*8*3001) // two columns a pass
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
