package drift

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/golden"
	"github.com/ctgit/ctgit/internal/table"
)

// The seed corpora live in testdata/fuzz/<FuzzName>; run
// CTGIT_UPDATE_GOLDEN=1 go test -run TestWriteFuzzCorpus to rewrite them.

// floats decodes fuzz bytes into finite floats of a modest range, so that
// ties, duplicates and spreads of many magnitudes all occur.
func floats(b []byte) []float64 {
	var out []float64
	for len(b) >= 2 {
		v := float64(int16(binary.LittleEndian.Uint16(b)))
		if len(b) >= 3 && b[2]&1 == 1 {
			v /= 64
		}
		out = append(out, v)
		b = b[2:]
	}
	return out
}

func FuzzKernels(f *testing.F) {
	f.Add([]byte{1, 0, 2, 0}, []byte{3, 0})
	f.Add([]byte{1, 0, 1, 0, 1, 0}, []byte{1, 0, 1, 0})
	f.Add([]byte{0xff, 0x7f, 0, 0x80}, []byte{5, 5, 5, 5, 5})
	f.Fuzz(func(t *testing.T, ab, bb []byte) {
		a, b := floats(ab), floats(bb)
		if len(a) == 0 || len(b) == 0 {
			return
		}
		slices.Sort(a)
		slices.Sort(b)
		d, p := KolmogorovSmirnov(a, b)
		if !(d >= 0 && d <= 1) || !(p >= 0 && p <= 1) {
			t.Fatalf("ks: D=%v p=%v", d, p)
		}
		w := Wasserstein(a, b)
		if !(w >= 0) || math.IsInf(w, 0) {
			t.Fatalf("wasserstein %v", w)
		}
		ref := &table.Table{Path: "a", Rows: len(a), Columns: []*table.Column{table.NewNumericColumn("x", a)}}
		cur := &table.Table{Path: "b", Rows: len(b), Columns: []*table.Column{table.NewNumericColumn("x", b)}}
		// The same numbers held as a CSV reader holds them (integers at a
		// scale, counted rather than sorted where few) give the same report.
		cref, _ := compactTable(ref)
		ccur, _ := compactTable(cur)
		for _, m := range Methods {
			rep, err := Compare(ref, cur, Policy{Method: MethodList{m}})
			if err != nil {
				t.Fatal(err)
			}
			crep, err := Compare(cref, ccur, Policy{Method: MethodList{m}})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(rep, crep); d != "" {
				t.Fatalf("%s: compact report differs (-float +compact):\n%s", m, d)
			}
			c := rep.Columns[0]
			if c.Score == nil || math.IsNaN(*c.Score) || *c.Score < 0 {
				t.Fatalf("%s: score %v", m, c.Score)
			}
			switch c.Method {
			case MethodKS, MethodChiSquare:
				if *c.Score > 1 {
					t.Fatalf("%s: p-value %v", m, *c.Score)
				}
			case MethodJensenShannon:
				if *c.Score > math.Sqrt(math.Ln2)+1e-12 {
					t.Fatalf("js %v", *c.Score)
				}
			}
		}
	})
}

func TestWriteFuzzCorpus(t *testing.T) {
	if !golden.Update() {
		t.Skip("set CTGIT_UPDATE_GOLDEN=1 to rewrite the seed corpus")
	}
	write := func(fuzz string, i int, args ...[]byte) {
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, a := range args {
			fmt.Fprintf(&b, "[]byte(%q)\n", a)
		}
		dir := filepath.Join("testdata", "fuzz", fuzz)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("FuzzKernels", 0, []byte{1, 0, 2, 0, 3, 1}, []byte{3, 0, 9, 0})
	write("FuzzKernels", 1, bytes.Repeat([]byte{7, 0}, 40), bytes.Repeat([]byte{7, 0, 8, 1}, 30))
}
