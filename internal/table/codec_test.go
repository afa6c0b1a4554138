package table

import (
	"bytes"
	"testing"
)

// FuzzDecodeColumn feeds DecodeColumn damaged and made-up bytes: it must
// refuse them or give a column that encodes back and reads without
// panicking, never crash.
func FuzzDecodeColumn(f *testing.F) {
	cols := []*Column{
		NewColumn("mixed", []string{"1.5", "x", "", "2", "y"}),
		NewNumericColumn("floats", []float64{0.1, 2, -3}),
		NewColumn("empty", nil),
	}
	for _, c := range []*Column{NewColumn("dec", []string{"1.25", "", "3"}), NewColumn("codes", []string{"a", "", "b"})} {
		cc, _ := c.Compact()
		cols = append(cols, cc)
	}
	for _, c := range cols {
		f.Add(AppendColumn(nil, c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeColumn(b)
		if err != nil {
			return
		}
		c.Tally()
		c.Missing()
		view, _ := c.FloatView(nil)
		view.Tally()
		again, err := DecodeColumn(AppendColumn(nil, c))
		if err != nil {
			t.Fatalf("a decoded column does not decode again: %v", err)
		}
		if !bytes.Equal(AppendColumn(nil, again), AppendColumn(nil, c)) {
			t.Fatal("a decoded column encodes differently twice")
		}
	})
}
