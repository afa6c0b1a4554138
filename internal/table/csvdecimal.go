package table

import "math"

// pow10i are the powers of ten that fit an int64.
var pow10i = [...]int64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// addNumber appends the decimal m/10^frac (negated when neg) to column ci of the block: to dec while the
// column is in compact form and the number fits it, else as a float.
//
// The compact form it builds is the one toDec would build from the
// floats. Stripped of its trailing zeros, the decimal is m' at scale s;
// when m' < 2^31, no integer at a smaller scale stands for the same
// float64 (two such decimals differ by at least 1/m' of their size, far
// more than a rounding), and at a scale S >= s the integer is m'·10^(S-s),
// whose quotient by 10^S is the same correctly rounded division. So the
// smallest scale holding every number of the block is the largest s, if
// every number fits an int32 there; when one does not, no scale holds
// them all and toDec reports so too (it is left to it, on floats).
func (res *csvResult) addNumber(ci int, m uint64, frac int, neg bool) {
	if res.decMode[ci] {
		if d, ok := res.decAt(ci, m, frac); ok {
			if neg {
				d = -d
			}
			res.dec[ci] = append(res.dec[ci], d)
			return
		}
		res.toFloats(ci)
	}
	res.cols[ci] = append(res.cols[ci], decimalValue(m, frac, neg))
}

// decAt returns m/10^frac as an integer at column ci's scale, raising the
// scale of the column's dec first when the number needs more digits. ok is
// false when the number does not fit the compact form; the column is then
// unchanged.
func (res *csvResult) decAt(ci int, m uint64, frac int) (int32, bool) {
	s := 0 // the scale of m without its trailing zeros after the point
	if m != 0 {
		for s = frac; s > 0 && m%10 == 0; s-- {
			m /= 10
		}
	}
	if s > MaxScale || m > math.MaxInt32 {
		return 0, false
	}
	if s > res.scale[ci] {
		if !rescale(res.dec[ci], s-res.scale[ci]) {
			return 0, false
		}
		res.scale[ci] = s
	}
	d := m * uint64(pow10i[res.scale[ci]-s]) // < 2^31 · 10^9, no overflow
	if d > math.MaxInt32 {
		return 0, false
	}
	return int32(d), true
}

// toFloats turns column ci of the block from compact form to floats.
func (res *csvResult) toFloats(ci int) {
	res.cols[ci] = decToFloat(res.cols[ci][:0], res.dec[ci], res.scale[ci])
	res.dec[ci] = res.dec[ci][:0]
	res.decMode[ci], res.scale[ci] = false, 0
}

// compact converts the parsed columns without text to Column.dec form,
// where each number allows it, so the merge only copies 4 bytes a cell.
// Columns the parser kept compact are done already; a column of only
// missing cells goes the float way, as the merge expects of it.
func (res *csvResult) compact() {
	for ci := range res.cols {
		res.decOK[ci] = false
		if res.err != nil {
			continue
		}
		if res.decMode[ci] {
			if res.missing[ci] < len(res.dec[ci]) {
				res.decOK[ci] = true
				continue
			}
			res.toFloats(ci)
		}
		if res.hasText[ci] {
			continue
		}
		res.dec[ci], res.scale[ci], res.decOK[ci] = toDec(res.dec[ci], res.cols[ci])
	}
}

// floats returns column ci of the block as floats, whatever its form.
func (res *csvResult) floats(ci int) []float64 {
	if !res.decMode[ci] {
		return res.cols[ci]
	}
	res.tmp = decToFloat(res.tmp[:0], res.dec[ci], res.scale[ci])
	return res.tmp
}
