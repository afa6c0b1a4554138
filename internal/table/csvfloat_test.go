package table

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// checkFloatField checks floatField on one cell against Cell, whose
// numbers are strconv.ParseFloat's: where it takes the cell, the same
// bits, and the end of the field found.
func checkFloatField(t *testing.T, cell string) {
	t.Helper()
	for _, end := range []string{"", ",", "\n"} {
		data := []byte(cell + end)
		v, next, eor, ok := floatField(data, 0)
		if !ok {
			continue
		}
		field := data
		if i := bytes.IndexAny(data, ",\n"); i >= 0 {
			field = data[:i]
		}
		want, kind := Cell(field)
		if kind != CellNumber {
			t.Fatalf("floatField(%q) = %v, Cell says kind %d", cell, v, kind)
		}
		if math.Float64bits(v) != math.Float64bits(want) {
			t.Fatalf("floatField(%q) = %v (%#x), strconv %v (%#x)", cell, v, math.Float64bits(v), want, math.Float64bits(want))
		}
		if next != len(field)+1 || eor != (len(field) == len(data) || data[len(field)] == '\n') {
			t.Fatalf("floatField(%q%q): next %d eor %v", cell, end, next, eor)
		}
	}
}

// checkScanNumber checks scanNumber on one cell, alone and followed by
// more fields (its word-at-a-time path), against Cell.
func checkScanNumber(t *testing.T, cell string) {
	t.Helper()
	for _, data := range [][]byte{[]byte(cell), []byte(cell + ",1,2,3,4,5,6,7,8")} {
		m, frac, neg, next, _, kind := scanNumber(data, 0)
		var v float64
		switch kind {
		case notNumber:
			continue
		case plainNumber:
			v = decimalValue(m, frac, neg)
		case floatNumber:
			v = math.Float64frombits(m)
		}
		field := data[:min(next-1, len(data))]
		want, k := Cell(field)
		if k != CellNumber || math.Float64bits(v) != math.Float64bits(want) {
			t.Fatalf("scanNumber(%q) = %v (kind %d), Cell %v (kind %d)", data, v, kind, want, k)
		}
	}
}

func TestFloatField(t *testing.T) {
	cells := []string{
		"0", "-0", "+0", "0.0", "-0.000", ".5", "5.", "1e5", "1E-5", "-1.5e+300", "1e308", "1.7976931348623157e308",
		"1.7976931348623159e308", "2e308", "4.9e-324", "2.2250738585072014e-308", "2.2250738585072011e-308",
		"0.345584192064786", "0.34558419206478605", "-1.2345678901234567e-05", "9007199254740993",
		"18446744073709551615", "9999999999999999999", "10000000000000000000", "123456789012345678901",
		"0.1000000000000000055511151231257827", "1e-400", "1e400", "1e", "e5", ".", "-", "1.2.3", "1,5",
		"1 ", " 1", "1\r", "0x10", "nan", "inf", "1_000", "00000000000000000000001.5", "1e0000000000000000000005",
		"7.038531e-26", "4.8726570057e288", "9.007199254740993e15", "1.00000000000000011102230246251565404236316680908203125",
	}
	for _, c := range cells {
		checkFloatField(t, c)
		checkScanNumber(t, c)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		x := math.Float64frombits(r.Uint64())
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		for _, f := range []byte{'g', 'e', 'f'} {
			prec := -1
			if r.IntN(2) == 0 {
				prec = r.IntN(20)
			}
			if f == 'f' && math.Abs(x) > 1e30 {
				continue
			}
			checkFloatField(t, strconv.FormatFloat(x, f, prec, 64))
			checkScanNumber(t, strconv.FormatFloat(x, f, prec, 64))
		}
		checkFloatField(t, strconv.FormatFloat(r.NormFloat64(), 'g', -1, 64))
		checkScanNumber(t, strconv.FormatFloat(r.Float64(), 'f', -1, 64))
	}
}

// TestFloatFieldTakes checks that the shapes it is for take the fast way.
func TestFloatFieldTakes(t *testing.T) {
	for _, c := range []string{"0.34558419206478605", "-1.2345678901234567e-05", "3.141592653589793e+00", "12345678901234567"} {
		if _, _, _, ok := floatField([]byte(c), 0); !ok {
			t.Errorf("floatField(%q) left it to the general parser", c)
		}
	}
}

func FuzzFloatField(f *testing.F) {
	for _, s := range []string{"0.345584192064786", "-1.5e-300", "1e23", "9007199254740993", ".5", "1e400", "2.2250738585072011e-308"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkFloatField(t, s)
		checkScanNumber(t, s)
	})
}
