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
)

// The seed corpora live in testdata/fuzz/<FuzzName>; run
// CTGIT_UPDATE_GOLDEN=1 go test -run TestWriteFuzzCorpus to rewrite them.

var csvSeeds = []string{
	"a,b\n1,x\n2.5,y\n",
	"a,b\r\n\"1,5\",\"q\"\"q\"\r\n,NA\r\n",
	"a\n\"multi\nline\"\n-inf\n1e999\n",
	"\xef\xbb\xbfa,b\n1\n",
	"a,b\n1,2\"\n",
	"a,a\n",
	"",
	"a\n\"unterminated\n",
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range csvSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ReadCSV(bytes.NewReader(data), "fuzz.csv", ReadOptions{})
		if err != nil {
			if _, ok := err.(*InputError); !ok {
				t.Fatalf("error %v is not an *InputError", err)
			}
			return
		}
		for _, c := range tab.Columns {
			if c.Len() != tab.Rows {
				t.Fatalf("column %q has %d cells for %d rows", c.Name, c.Len(), tab.Rows)
			}
			if n, want := c.Missing(), c.countMissing(0); n != want {
				t.Fatalf("column %q: %d missing cells counted while reading, %d in the column", c.Name, n, want)
			}
		}
		// Every cell is what the general parser makes of the cell the
		// standard library's reader finds, where that reader agrees on
		// the shape.
		sameAsEncodingCSV(t, data, tab)
		// Whatever was read compares against itself without drift.
		if len(tab.Columns) > 0 && tab.Rows > 0 {
			rep, err := Compare(tab, tab, Policy{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range rep.Columns {
				if c.Score != nil && math.IsNaN(*c.Score) {
					t.Fatalf("column %q: NaN score", c.Name)
				}
			}
		}
	})
}

// compactSeeds are one-column CSV bodies, a cell a line, on the edges of
// the compact form: trailing zeros, the int32 limits, too many decimals,
// numbers the fast path leaves to the general parser, missing cells.
var compactSeeds = []string{
	"1.50\n-0.0629\n23.0000\n0.0000\n-0.0\n",
	"2147483647\n-2147483647\n",
	"2147483648\n1\n",
	"-2147483648\n",
	"214748364.7\n0.1\n",
	"214748364.8\n0.1\n",
	"0.123456789\n1\n",
	"0.1234567891\n1\n",
	"1.000000000000000000000\n0.5\n",
	"1.5\n 2.25\n1e2\n+3.\n.5\n",
	"\nNA\n \n",
	"5\nNA\n0.00000000001\n",
	"9007199254740993\n1\n",
	"10000000.00\n1.5\n",
	"100000000.00\n1.5\n",
}

// FuzzCompactCells checks that the parser holds a column of plain cells in
// compact form exactly as toDec would from the cells' floats, and as those
// floats when toDec cannot.
func FuzzCompactCells(f *testing.F) {
	for _, s := range compactSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if bytes.ContainsAny(body, "\",\r\xef") {
			return
		}
		var vals []float64
		for line := range bytes.Lines(body) {
			line = bytes.TrimSuffix(line, []byte("\n"))
			if len(line) == 0 {
				continue // blank lines are skipped
			}
			v, kind := Cell(line)
			switch kind {
			case CellText:
				return // texts are held otherwise
			case CellMissing:
				v = missingValue
			}
			vals = append(vals, v)
		}
		if len(vals) == 0 {
			return // no rows, no column to compare
		}
		tab, err := ReadCSV(bytes.NewReader(append([]byte("x\n"), body...)), "cells.csv", ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if tab.Rows != len(vals) {
			t.Fatalf("rows = %d, want %d", tab.Rows, len(vals))
		}
		col := tab.Columns[0]
		want, scale, ok := toDec(nil, vals)
		if !ok {
			if col.dec != nil {
				t.Fatalf("compact at scale %d %v, want floats %v", col.scale, col.dec, vals)
			}
			if !slices.EqualFunc(col.values, vals, func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }) {
				t.Fatalf("values %v, want %v", col.values, vals)
			}
			return
		}
		if col.dec == nil || col.scale != scale || !slices.Equal(col.dec, want) {
			t.Fatalf("compact %v at scale %d, want %v at scale %d (values %v)", col.dec, col.scale, want, scale, col.values)
		}
	})
}

func FuzzReadParquet(f *testing.F) {
	f.Add(sampleParquet(f))
	f.Add([]byte("PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := ReadParquetFrom(bytes.NewReader(data), "fuzz.parquet", ReadOptions{})
		if err != nil {
			if _, ok := err.(*InputError); !ok {
				t.Fatalf("error %v is not an *InputError", err)
			}
			return
		}
		for _, c := range tab.Columns {
			if c.Len() != tab.Rows {
				t.Fatalf("column %q has %d cells for %d rows", c.Name, c.Len(), tab.Rows)
			}
		}
	})
}

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
		ref := &Table{Path: "a", Rows: len(a), Columns: []*Column{NewNumericColumn("x", a)}}
		cur := &Table{Path: "b", Rows: len(b), Columns: []*Column{NewNumericColumn("x", b)}}
		// The same numbers held as a CSV reader holds them (integers at a
		// scale, counted rather than sorted where few) give the same report.
		cref, _ := compactTable(ref)
		ccur, _ := compactTable(cur)
		for _, m := range Methods {
			rep, err := Compare(ref, cur, Policy{Method: m})
			if err != nil {
				t.Fatal(err)
			}
			crep, err := Compare(cref, ccur, Policy{Method: m})
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
	for i, s := range csvSeeds {
		write("FuzzReadCSV", i, []byte(s))
	}
	for i, s := range compactSeeds {
		write("FuzzCompactCells", i, []byte(s))
	}
	write("FuzzReadParquet", 0, sampleParquet(t))
	write("FuzzKernels", 0, []byte{1, 0, 2, 0, 3, 1}, []byte{3, 0, 9, 0})
	write("FuzzKernels", 1, bytes.Repeat([]byte{7, 0}, 40), bytes.Repeat([]byte{7, 0, 8, 1}, 30))
}
