package table

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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
}
