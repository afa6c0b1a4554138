package table

import (
	"math"
	"math/bits"
)

//go:generate go run pow10gen.go

// floatField scans, in one pass, an unquoted field at data[pos] that is a
// decimal Cell would read as a number — [+-]digits[.digits][e[+-]digits],
// at most 19 significant digits — and ends in a comma, a newline or the
// end of data, and converts it: the full-precision floats and scientific
// notation other tools write, which fastField leaves. v is the float64
// nearest the decimal, bit for bit what strconv.ParseFloat returns, with
// −0 made +0 as Cell does. ok is false for anything else (more digits, an
// infinity, a subnormal, spaces, quotes, text), which the caller then
// parses the general way.
func floatField(data []byte, pos int) (v float64, next int, eor bool, ok bool) {
	n := len(data)
	i := pos
	neg := false
	if i < n && (data[i] == '-' || data[i] == '+') {
		neg = data[i] == '-'
		i++
	}
	var m uint64
	nd, digits, exp10 := 0, 0, 0 // significant digits in m, digits seen, the power of ten m is scaled by
	for ; i < n; i++ {
		d := data[i] - '0'
		if d >= 10 {
			break
		}
		digits++
		if m == 0 && d == 0 {
			continue
		}
		if nd == 19 {
			return 0, 0, false, false
		}
		m = m*10 + uint64(d)
		nd++
	}
	if i < n && data[i] == '.' {
		for i++; i < n; i++ {
			d := data[i] - '0'
			if d >= 10 {
				break
			}
			digits++
			exp10--
			if m == 0 && d == 0 {
				continue
			}
			if nd == 19 {
				return 0, 0, false, false
			}
			m = m*10 + uint64(d)
			nd++
		}
	}
	if digits == 0 {
		return 0, 0, false, false
	}
	if i < n && data[i]|0x20 == 'e' {
		e, j, ok := exponent(data, i+1)
		if !ok {
			return 0, 0, false, false
		}
		exp10, i = exp10+e, j
	}
	switch {
	case i == n:
		eor = true
	case data[i] == ',':
	case data[i] == '\n':
		eor = true
	default:
		return 0, 0, false, false
	}
	if v, ok = decimalFloat(m, exp10); !ok {
		return 0, 0, false, false
	}
	if neg && v != 0 {
		v = -v
	}
	return v, i + 1, eor, true
}

// exponent reads the exponent of a number, [+-]digits at data[i]: its
// value (kept within ±100,000, far past any float64's) and the index after
// it. ok is false when it has no digits.
func exponent(data []byte, i int) (e, next int, ok bool) {
	neg := false
	if i < len(data) && (data[i] == '-' || data[i] == '+') {
		neg = data[i] == '-'
		i++
	}
	start := i
	for ; i < len(data); i++ {
		d := data[i] - '0'
		if d >= 10 {
			break
		}
		if e < 100_000 {
			e = e*10 + int(d)
		}
	}
	if neg {
		e = -e
	}
	return e, i, i > start
}

// decimalFloat is the float64 nearest m·10^exp10: Clinger's fast path
// (exact operands, one correctly rounded operation) where it applies,
// else Eisel–Lemire. ok is false where neither settles it.
func decimalFloat(m uint64, exp10 int) (float64, bool) {
	switch {
	case m == 0:
		return 0, true
	case m < 1<<53 && exp10 >= 0 && exp10 <= 22:
		return float64(m) * pow10[exp10], true
	case m < 1<<53 && exp10 < 0 && exp10 >= -22:
		return float64(m) / pow10[-exp10], true
	}
	return eiselLemire(m, exp10)
}

// eiselLemire is the float64 nearest m·10^exp10 (m > 0) by the
// Eisel–Lemire algorithm (https://nigeltao.github.io/blog/2020/eisel-lemire.html),
// as Go's strconv implements it: one or two 64×64-bit multiplications by
// a truncated 128-bit power of ten. ok is false when the truncation leaves
// the rounding in doubt, and for results that are infinite or subnormal;
// the caller then takes the slow, exact way.
func eiselLemire(m uint64, exp10 int) (float64, bool) {
	if exp10 < pow10Min || exp10 > pow10Max {
		return 0, false
	}
	pow := &pow10Tab[exp10-pow10Min]
	exp2 := 1 + (exp10*108853)>>15 // 1 + floor(exp10·log2(10)), exact for |exp10| <= 500
	clz := bits.LeadingZeros64(m)
	m <<= uint(clz)
	const bias = -1023
	retExp2 := uint64(exp2+63-bias) - uint64(clz)
	xHi, xLo := bits.Mul64(m, pow[0])
	if xHi&0x1FF == 0x1FF && xLo+m < m {
		yHi, yLo := bits.Mul64(m, pow[1])
		mergedHi, mergedLo := xHi, xLo+yHi
		if mergedLo < xLo {
			mergedHi++
		}
		if mergedHi&0x1FF == 0x1FF && mergedLo+1 == 0 && yLo+m < m {
			return 0, false
		}
		xHi, xLo = mergedHi, mergedLo
	}
	msb := xHi >> 63
	mant := xHi >> (msb + 9)
	retExp2 -= 1 ^ msb
	if xLo == 0 && xHi&0x1FF == 0 && mant&3 == 1 {
		return 0, false // half-way between two floats
	}
	mant += mant & 1
	mant >>= 1
	if mant>>53 > 0 {
		mant >>= 1
		retExp2++
	}
	if retExp2-1 >= 0x7FF-1 {
		return 0, false // subnormal, or infinite
	}
	return math.Float64frombits(retExp2<<52 | mant&(1<<52-1)), true
}
