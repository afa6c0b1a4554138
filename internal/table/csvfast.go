package table

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// fastField scans, in one pass, an unquoted field at data[pos] that is a
// plain decimal Clinger's fast path converts exactly, and ends in a comma,
// a newline or the end of data. The decimal is m/10^frac, negated when neg
// (see decimalValue). ok is false for anything else, which the caller then
// parses the general way.
//
// It is the hottest code of reading, written so that no branch depends on
// the digits of the common cell: a sign and at most 8 bytes of digits and
// point, read from one little-endian word. A byte is a digit when it xor
// '0' is below 10, which adding 0x76 to every byte at once turns into its
// high bit (a carry out of a byte, which could mislead the test of the
// next, only comes from bytes that are neither digits nor the point). The
// point is taken out by shifting the digits after it down a byte; the
// digits, moved to the top of the word as if preceded by zeros, are then
// combined pairwise, two, four, eight, by three multiplications. Other
// cells, and those at the end of data, are read digit by digit.
func fastField(data []byte, pos int) (m uint64, frac int, neg bool, next int, eor bool, ok bool) {
	m, frac, neg, next, eor, kind := scanNumber(data, pos)
	if kind != plainNumber {
		return 0, 0, false, 0, false, false
	}
	return m, frac, neg, next, eor, true
}

// The kinds of number scanNumber finds.
const (
	notNumber   = iota
	plainNumber // m/10^frac, negated when neg: see decimalValue
	floatNumber // the float64 with bits m
)

// scanNumber is fastField, which also converts the plain decimals of up
// to 19 digits that do not fit Clinger's fast path — the full-precision
// floats other tools write — to their float64 (floatNumber, m its
// bits), so that they are scanned once.
func scanNumber(data []byte, pos int) (m uint64, frac int, neg bool, next int, eor bool, kind int) {
	if pos+9 >= len(data) {
		return digitField(data, pos)
	}
	c := data[pos]
	neg = c == '-'
	i := pos + int(signBytes[c])
	w := binary.LittleEndian.Uint64(data[i : i+8])
	v := w ^ 0x3030303030303030
	other := (v | (v + 0x7676767676767676)) & 0x8080808080808080
	end := bits.TrailingZeros64(other) >> 3
	digits := end
	if end < 8 && byte(w>>(8*end&63)) == '.' {
		// Drop the point and look for the end after it.
		p := end
		end = bits.TrailingZeros64(other&(other-1)) >> 3
		digits, frac = end-1, end-1-p
		low := uint64(1)<<(8*p&63) - 1
		v = v&low | v>>8&^low
	}
	if end >= 8 || digits == 0 {
		return digitField(data, pos)
	}
	// The shifts here are below 64; saying so with & 63 spares the
	// compiler's test for larger ones.
	v <<= (64 - 8*digits) & 63
	v = (v * (1 + 10<<8)) >> 8 & 0x00ff00ff00ff00ff
	v = (v * (1 + 100<<16)) >> 16 & 0x0000ffff0000ffff
	v = (v * (1 + 10000<<32)) >> 32
	switch data[i+end] {
	case ',':
		return v, frac, neg, i + end + 1, false, plainNumber
	case '\n':
		return v, frac, neg, i + end + 1, true, plainNumber
	}
	return digitField(data, pos) // an exponent, or not a number
}

// signBytes is 1 for the bytes a number may start its sign with.
var signBytes = [256]uint8{'-': 1, '+': 1}

// digitField is scanNumber digit by digit, for any length and at the end
// of data.
func digitField(data []byte, pos int) (m uint64, frac int, neg bool, next int, eor bool, kind int) {
	n := len(data)
	i := pos
	if i < n && (data[i] == '-' || data[i] == '+') {
		neg = data[i] == '-'
		i++
	}
	start := i
	for i < n {
		d := data[i] - '0'
		if d >= 10 {
			break
		}
		m = m*10 + uint64(d)
		i++
	}
	nd := i - start
	if i < n && data[i] == '.' {
		i++
		start = i
		for i < n {
			d := data[i] - '0'
			if d >= 10 {
				break
			}
			m = m*10 + uint64(d)
			i++
		}
		frac = i - start
		nd += frac
	}
	if nd == 0 || nd > 19 {
		return 0, 0, false, 0, false, notNumber
	}
	exp10, hasExp := -frac, false
	if i < n && data[i]|0x20 == 'e' {
		e, j, ok := exponent(data, i+1)
		if !ok {
			return 0, 0, false, 0, false, notNumber
		}
		exp10, hasExp, i = exp10+e, true, j
	}
	switch {
	case i == n:
		eor = true
	case data[i] == ',':
	case data[i] == '\n':
		eor = true
	default:
		return 0, 0, false, 0, false, notNumber
	}
	if !hasExp && m < 1<<53 && frac <= 22 {
		return m, frac, neg, i + 1, eor, plainNumber
	}
	// m is exact (at most 19 digits): the float nearest m·10^exp10.
	v, ok := decimalFloat(m, exp10)
	if !ok {
		return 0, 0, false, 0, false, notNumber
	}
	if neg && v != 0 {
		v = -v
	}
	return math.Float64bits(v), 0, false, i + 1, eor, floatNumber
}

// fastText scans an unquoted field at data[pos] that Cell would take as
// text whatever follows its first byte: one starting with an ASCII letter
// that no number or missing word starts with (see isMissingWord), holding
// no quote or carriage return and ending in neither a space nor a tab. It
// returns the index of the comma or newline that ends it, or len(data),
// and the text's key for textDict. A text of at most 7 bytes, the common
// category, is found in one 8-byte word: its end is the first byte equal
// to one of the four that matter, found for all 8 bytes at once.
func fastText(data []byte, pos int) (end int, key uint64, ok bool) {
	if pos >= len(data) {
		return 0, 0, false
	}
	switch c := data[pos] | 0x20; {
	case c < 'a' || c > 'z' || c == 'n' || c == 'i':
		return 0, 0, false
	}
	if pos+8 <= len(data) {
		w := binary.LittleEndian.Uint64(data[pos : pos+8])
		stop := zeroBytes(w^0x2c2c2c2c2c2c2c2c) | zeroBytes(w^0x0a0a0a0a0a0a0a0a) |
			zeroBytes(w^0x2222222222222222) | zeroBytes(w^0x0d0d0d0d0d0d0d0d)
		if n := bits.TrailingZeros64(stop) >> 3; n < 8 {
			switch c := byte(w >> (8 * n & 63)); {
			case c == '"' || c == '\r':
				return 0, 0, false
			}
			if last := byte(w >> (8 * (n - 1) & 63)); last == ' ' || last == '\t' {
				return 0, 0, false
			}
			return pos + n, w&(1<<(8*n&63)-1) | uint64(n)<<56, true
		}
	}
	i := pos + 1
	// A longer text: its end is looked for a word at a time too.
	for i+8 <= len(data) {
		w := binary.LittleEndian.Uint64(data[i : i+8])
		stop := zeroBytes(w^0x2c2c2c2c2c2c2c2c) | zeroBytes(w^0x0a0a0a0a0a0a0a0a) |
			zeroBytes(w^0x2222222222222222) | zeroBytes(w^0x0d0d0d0d0d0d0d0d)
		if stop != 0 {
			i += bits.TrailingZeros64(stop) >> 3
			break
		}
		i += 8
	}
	for i < len(data) {
		c := data[i]
		if c == ',' || c == '\n' {
			break
		}
		if c == '"' || c == '\r' {
			return 0, 0, false
		}
		i++
	}
	if last := data[i-1]; last == ' ' || last == '\t' {
		return 0, 0, false
	}
	key, _ = textKey(data[pos:i])
	return i, key, true
}

// zeroBytes has the high bit set in the lowest zero byte of x, and maybe
// in bytes above it, and nowhere else: exact for finding the first one.
func zeroBytes(x uint64) uint64 {
	return (x - 0x0101010101010101) &^ x & 0x8080808080808080
}

// decimalValue is the float64 nearest m/10^frac, negated when neg: one
// correctly rounded IEEE division, exact for m < 2^53 and frac <= 22.
func decimalValue(m uint64, frac int, neg bool) float64 {
	v := float64(m) / pow10[frac]
	if neg && v != 0 {
		v = -v
	}
	return v
}
