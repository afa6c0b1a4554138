package drift

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/table"
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
		whole, err := CompareFiles(ref, cur, table.ReadOptions{}, p, 0)
		if err != nil {
			t.Fatal(err)
		}
		grouped, err := CompareFiles(ref, cur, table.ReadOptions{}, p, 2*8*3001) // two to four columns a pass
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
	if _, err := CompareFiles(ref, filepath.Join(dir, "nope.csv"), table.ReadOptions{}, Policy{}, 1); err == nil {
		t.Error("want an error for a missing file")
	}
}

// TestCompareFilesSortsInPlaceAlike checks that a comparison of files,
// which sorts the columns it read where they lie, reports exactly what
// Compare reports on the caller's tables, which it leaves as they are:
// full-precision floats with missing cells, several methods a column (KS
// first, then tests that read the sorted column), Wasserstein (which needs
// file order, so nothing is sorted in place), and auto.
func TestCompareFilesSortsInPlaceAlike(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, shift float64, seed uint64) string {
		r := rand.New(rand.NewPCG(seed, 2))
		var b strings.Builder
		b.WriteString("a,b,c,k\n")
		for i := range 5000 {
			a := fmt.Sprint(r.NormFloat64() + shift)
			if i%7 == 0 {
				a = ""
			}
			fmt.Fprintf(&b, "%s,%v,%v,k%d\n", a, r.ExpFloat64()*1e3, float64(r.IntN(30))+0.5, r.IntN(6))
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ref, cur := write("ref.csv", 0, 1), write("cur.csv", 0.05, 2)
	for _, methods := range []string{"ks,psi,chisquare", "ks,jensenshannon", "ks,wasserstein,psi", "wasserstein,ks,psi", "auto", "psi,ks"} {
		ml, err := ParseMethods(methods)
		if err != nil {
			t.Fatal(err)
		}
		p := Policy{Method: ml}
		refT, err := table.ReadFile(ref, table.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		curT, err := table.ReadFile(cur, table.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before := refT.Column("a").Floats()[:20:20]
		before = append([]float64(nil), before...)
		want, err := Compare(refT, curT, p)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(before, refT.Column("a").Floats()[:20], cmpNaN); d != "" {
			t.Fatalf("%s: Compare reordered the caller's column:\n%s", methods, d)
		}
		got, err := CompareFiles(ref, cur, table.ReadOptions{}, p, 0)
		if err != nil {
			t.Fatal(err)
		}
		want.Reference.Path, want.Current.Path = got.Reference.Path, got.Current.Path
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: CompareFiles differs from Compare (-Compare +CompareFiles):\n%s", methods, d)
		}
	}
}

// cmpNaN compares floats bit for bit, so that NaN equals NaN.
var cmpNaN = cmp.Comparer(func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })

// TestFileInputsRefuseSpecialFiles checks that pipeline data (File) that
// is a FIFO or a device is refused at once, never read.
func TestFileInputsRefuseSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.csv")
	os.WriteFile(ref, []byte("x\n1\n2\n"), 0o644)
	fifo := filepath.Join(dir, "cur.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	for _, cur := range []string{fifo, "/dev/zero"} {
		for _, budget := range []int64{0, 1} {
			done := make(chan error, 1)
			go func() {
				_, err := CompareFiles(ref, cur, table.ReadOptions{Format: "csv"}, Policy{}, budget)
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), cur+": this is a") || !strings.Contains(err.Error(), "not a regular file") {
					t.Errorf("CompareFiles(%s, budget %d) = %v, want it refused", cur, budget, err)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("CompareFiles(%s) blocks", cur)
			}
		}
		if _, err := table.ReadFile(cur, table.ReadOptions{}); err == nil {
			t.Errorf("ReadFile(%s) read a special file", cur)
		}
	}
}

// TestOpenStreamReadsOnce checks that a FIFO fed by a writer that writes
// its data once is compared whole, at every memory budget (the column
// groups read the input several times), and named as the user named it.
func TestOpenStreamReadsOnce(t *testing.T) {
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.csv")
	var data strings.Builder
	data.WriteString("a,b,c\n")
	for i := range 3000 {
		fmt.Fprintf(&data, "%d,%d,%d\n", i%97, i%13, i%7)
	}
	os.WriteFile(ref, []byte(data.String()), 0o644)
	want, err := CompareFiles(ref, ref, table.ReadOptions{}, Policy{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, budget := range []int64{0, 8 * 3001} {
		fifo := filepath.Join(dir, fmt.Sprintf("cur%d.csv", budget))
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Skip("no FIFOs here:", err)
		}
		go func() {
			// One writer, one pass: a second open would wait forever.
			f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				return
			}
			f.WriteString(data.String())
			f.Close()
		}()
		in, cleanup, err := table.OpenStream(context.Background(), fifo)
		if err != nil {
			t.Fatal(err)
		}
		got, err := CompareInputs(table.File(ref), in, table.ReadOptions{}, Policy{}, budget)
		cleanup()
		if err != nil {
			t.Fatal(err)
		}
		if got.Current.Path != fifo || got.Current.Rows != 3000 {
			t.Errorf("budget %d: current is %+v, want %s with 3000 rows", budget, got.Current, fifo)
		}
		got.Current.Path = want.Current.Path
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("budget %d: (-file +stream):\n%s", budget, d)
		}
	}
}
