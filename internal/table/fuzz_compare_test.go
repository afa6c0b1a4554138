package table_test

import (
	"bytes"
	"math"
	"testing"

	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/table"
)

// FuzzReadCSV checks what the reader makes of any input: an *InputError,
// or columns of one cell a row that agree with encoding/csv and compare
// against themselves without a NaN score. It is an external test so that
// it can compare through package drift, which imports this one.
func FuzzReadCSV(f *testing.F) {
	for _, s := range table.CSVSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := table.ReadCSV(bytes.NewReader(data), "fuzz.csv", table.ReadOptions{})
		if err != nil {
			if _, ok := err.(*table.InputError); !ok {
				t.Fatalf("error %v is not an *InputError", err)
			}
			return
		}
		for _, c := range tab.Columns {
			if c.Len() != tab.Rows {
				t.Fatalf("column %q has %d cells for %d rows", c.Name, c.Len(), tab.Rows)
			}
			if n, want := c.Missing(), table.CountMissing(c); n != want {
				t.Fatalf("column %q: %d missing cells counted while reading, %d in the column", c.Name, n, want)
			}
		}
		// Every cell is what the general parser makes of the cell the
		// standard library's reader finds, where that reader agrees on
		// the shape.
		table.SameAsEncodingCSV(t, data, tab)
		// Whatever was read compares against itself without drift.
		if len(tab.Columns) > 0 && tab.Rows > 0 {
			rep, err := drift.Compare(tab, tab, drift.Policy{})
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
