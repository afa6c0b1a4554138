package drift

import "unsafe"

// sortFloats sorts x ascending (x holds no NaN) with an LSD radix sort on
// the order-preserving integer image of each float, using scratch (grown if
// shorter than x) as the second buffer. It is several times faster than a
// comparison sort on the million-value columns drift compares, and it
// allocates nothing when scratch is large enough. It returns the scratch
// buffer for reuse. −0 sorts before +0; callers treat them as equal.
func sortFloats(x, scratch []float64) []float64 {
	n := len(x)
	if n < 256 {
		insertionSort(x)
		return scratch
	}
	if cap(scratch) < n {
		scratch = make([]float64, n)
	}
	scratch = scratch[:n]
	keys := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(x))), n)
	tmp := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(scratch))), n)
	const bits = 11
	const passes = 6
	var hist [passes][1 << bits]int
	for i, k := range keys {
		if k>>63 != 0 {
			k = ^k
		} else {
			k |= 1 << 63
		}
		keys[i] = k
		for p := 0; p < passes; p++ {
			hist[p][(k>>(p*bits))&(1<<bits-1)]++
		}
	}
	src, dst := keys, tmp
	for p := 0; p < passes; p++ {
		h := &hist[p]
		shift := uint(p * bits)
		// A pass where every key has the same digit moves nothing.
		if h[(src[0]>>shift)&(1<<bits-1)] == n {
			continue
		}
		sum := 0
		for i, c := range h {
			h[i] = sum
			sum += c
		}
		for _, k := range src {
			d := (k >> shift) & (1<<bits - 1)
			dst[h[d]] = k
			h[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
	for i, k := range keys {
		if k>>63 != 0 {
			k &^= 1 << 63
		} else {
			k = ^k
		}
		keys[i] = k
	}
	return scratch
}

func insertionSort(x []float64) {
	for i := 1; i < len(x); i++ {
		v := x[i]
		j := i
		for j > 0 && x[j-1] > v {
			x[j] = x[j-1]
			j--
		}
		x[j] = v
	}
}

// sortDecNumbers sorts the numbers of a compact column (its integers,
// missing cells left out) with a three-pass LSD radix sort on 32-bit keys,
// half the passes and half the bytes of sortFloats, and appends them to
// dst as float64(d). keys and tmp are buffers it reuses and returns.
func sortDecNumbers(dst []float64, dec []int32, keys, tmp []uint32) ([]float64, []uint32, []uint32) {
	keys = keys[:0]
	for _, d := range dec {
		if d != decMissing {
			keys = append(keys, uint32(d)^1<<31)
		}
	}
	n := len(keys)
	if cap(tmp) < n {
		tmp = make([]uint32, n)
	}
	tmp = tmp[:n]
	const bits = 11
	var hist [3][1 << bits]int
	for _, k := range keys {
		hist[0][k&(1<<bits-1)]++
		hist[1][(k>>bits)&(1<<bits-1)]++
		hist[2][k>>(2*bits)]++
	}
	src, out := keys, tmp
	for p := range 3 {
		h := &hist[p]
		shift := uint(p * bits)
		// A pass where every key has the same digit moves nothing.
		if n == 0 || h[(src[0]>>shift)&(1<<bits-1)] == n {
			continue
		}
		sum := 0
		for i, c := range h {
			h[i] = sum
			sum += c
		}
		for _, k := range src {
			d := (k >> shift) & (1<<bits - 1)
			out[h[d]] = k
			h[d]++
		}
		src, out = out, src
	}
	for _, k := range src {
		dst = append(dst, float64(int32(k^1<<31)))
	}
	return dst, keys, tmp
}
