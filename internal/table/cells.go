package table

import (
	"bytes"
	"math"
	"strconv"
	"unsafe"
)

// At returns row i of the column: its number, or that it is missing, or its
// text. Data checks read cells through it without a second parse.
func (c *Column) At(i int) (v float64, kind CellKind, text string) {
	if c.codes != nil {
		if c.codes[i] == codeMissing {
			return 0, CellMissing, ""
		}
		return 0, CellText, c.text[c.codes[i]]
	}
	if c.dec != nil {
		if c.dec[i] == decMissing {
			return 0, CellMissing, ""
		}
		return float64(c.dec[i]) / pow10[c.scale], CellNumber, ""
	}
	v = c.values[i]
	switch {
	case math.Float64bits(v) == missingBits:
		return 0, CellMissing, ""
	case isText(v):
		return 0, CellText, c.text[math.Float64bits(v)&payloadMask]
	}
	return v, CellNumber, ""
}

// CellKind says what a raw cell holds.
type CellKind int

// The kinds of cell.
const (
	CellNumber CellKind = iota
	CellMissing
	CellText
)

// Cell classifies a raw cell (without CSV quoting). Surrounding spaces and
// tabs are ignored. Missing: the empty cell, NA, N/A, NaN, null, None, <NA>
// (any case), and infinities (inf, infinity, either sign, any case) including
// numbers too large for a float64. A number is a decimal [+-]digits[.digits]
// with an optional exponent; everything else is text.
func Cell(b []byte) (float64, CellKind) {
	if v, ok := fastNumber(b); ok {
		return v, CellNumber
	}
	b = trimSpace(b)
	if len(b) == 0 || isMissingWord(b) {
		return 0, CellMissing
	}
	if !isDecimal(b) {
		return 0, CellText
	}
	v, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), 64)
	if err != nil && !math.IsInf(v, 0) {
		return 0, CellText
	}
	if math.IsInf(v, 0) {
		return 0, CellMissing
	}
	if v == 0 {
		v = 0
	}
	return v, CellNumber
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

var missingWords = []string{"na", "n/a", "nan", "-nan", "+nan", "null", "none", "<na>",
	"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}

func isMissingWord(b []byte) bool {
	if len(b) == 0 || len(b) > 9 {
		return false
	}
	switch b[0] | 0x20 { // every missing word starts with one of these
	case 'n', 'i', '<', '-', '+':
	default:
		return false
	}
	for _, w := range missingWords {
		if len(w) == len(b) && bytes.EqualFold(b, []byte(w)) {
			return true
		}
	}
	return false
}

// isDecimal matches [+-]?(d+\.?d*|\.d+)([eE][+-]?d+)?
func isDecimal(b []byte) bool {
	i := 0
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	digits := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
		digits++
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		ed := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			ed++
		}
		if ed == 0 {
			return false
		}
	}
	return i == len(b)
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastNumber parses the common plain decimal (no spaces, at most 19 digits,
// no exponent) exactly: when the digits form an integer below 2^53 and at
// most 22 of them follow the point, one IEEE division by an exact power of
// ten is correctly rounded (Clinger's fast path). Anything else reports
// false and goes the slow way.
func fastNumber(b []byte) (float64, bool) {
	i := 0
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		i++
	}
	var m uint64
	nd, frac := 0, 0
	seenDot := false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			nd++
			if seenDot {
				frac++
			}
		case c == '.' && !seenDot:
			seenDot = true
		default:
			return 0, false
		}
	}
	if nd == 0 || nd > 19 || m >= 1<<53 || frac > 22 {
		return 0, false
	}
	v := float64(m) / pow10[frac]
	if neg && v != 0 {
		v = -v
	}
	return v, true
}
