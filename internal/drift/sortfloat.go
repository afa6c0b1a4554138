package drift

import (
	"slices"
	"unsafe"
)

// sortFloats sorts x ascending (x holds no NaN) with an LSD radix sort on
// the order-preserving integer image of each float, using scratch (grown if
// shorter than x) as the second buffer. It is several times faster than a
// comparison sort on the million-value columns drift compares, and it
// allocates nothing when scratch is large enough. It returns the scratch
// buffer for reuse. −0 sorts before +0; callers treat them as equal. The
// order of the images is total, so the result is the one any correct sort
// gives, bit for bit.
//
// When cores are idle (see split), each pass is cut among them: every
// part of the keys counts its digits, and then scatters its keys after
// those of the parts before it with the same digit.
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
	parts := split(n)
	defer release(parts)
	if len(parts) == 1 {
		radixSort(keys, tmp)
	} else {
		radixSortParallel(keys, tmp, parts)
	}
	return scratch
}

const (
	radixBits   = 11
	radixPasses = 6 // 6 × 11 bits cover 64
	radixMask   = 1<<radixBits - 1
)

// floatKey is the integer whose unsigned order is the order of the float
// with bits k; floatBits undoes it.
func floatKey(k uint64) uint64  { return k ^ (uint64(int64(k)>>63) | 1<<63) }
func floatBits(k uint64) uint64 { return k ^ (^uint64(int64(k)>>63) | 1<<63) }

// radixSort sorts the floats with bits keys on one core: the digits of
// every pass are counted in one first pass.
func radixSort(keys, tmp []uint64) {
	n := len(keys)
	var hist [radixPasses][1 << radixBits]int
	for i, k := range keys {
		k = floatKey(k)
		keys[i] = k
		for p := range radixPasses {
			hist[p][(k>>(p*radixBits))&radixMask]++
		}
	}
	src, dst := keys, tmp
	for p := range radixPasses {
		h := &hist[p]
		shift := uint(p * radixBits)
		// A pass where every key has the same digit moves nothing.
		if h[(src[0]>>shift)&radixMask] == n {
			continue
		}
		sum := 0
		for i, c := range h {
			h[i] = sum
			sum += c
		}
		for _, k := range src {
			d := (k >> shift) & radixMask
			dst[h[d]] = k
			h[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
	for i, k := range keys {
		keys[i] = floatBits(k)
	}
}

// radixSortParallel is radixSort with each pass cut into parts, one per
// core. A part's keys change from pass to pass, so each pass counts its
// own digit.
func radixSortParallel(keys, tmp []uint64, parts [][2]int) {
	n := len(keys)
	hist := make([][1 << radixBits]int, len(parts))
	run(len(parts), func(q int) {
		part := keys[parts[q][0]:parts[q][1]]
		for i, k := range part {
			part[i] = floatKey(k)
		}
	})
	src, dst := keys, tmp
	for p := range radixPasses {
		shift := uint(p * radixBits)
		run(len(parts), func(q int) {
			h := &hist[q]
			clear(h[:])
			for _, k := range src[parts[q][0]:parts[q][1]] {
				h[(k>>shift)&radixMask]++
			}
		})
		d0 := (src[0] >> shift) & radixMask
		total := 0
		for q := range parts {
			total += hist[q][d0]
		}
		if total == n {
			continue
		}
		sum := 0
		for d := range 1 << radixBits {
			for q := range parts {
				c := hist[q][d]
				hist[q][d] = sum
				sum += c
			}
		}
		run(len(parts), func(q int) {
			h := &hist[q]
			for _, k := range src[parts[q][0]:parts[q][1]] {
				d := (k >> shift) & radixMask
				dst[h[d]] = k
				h[d]++
			}
		})
		src, dst = dst, src
	}
	run(len(parts), func(q int) {
		from, to := parts[q][0], parts[q][1]
		for i, k := range src[from:to] {
			keys[from+i] = floatBits(k)
		}
	})
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

// sortDecKeys sorts the numbers of a compact column as sortDecNumbers does
// but leaves them as their 32-bit keys (d with its sign bit flipped, whose
// unsigned order is the order of d), for a test that reads only the order:
// 4 bytes a value instead of 8. keys and tmp are buffers it fills and
// reuses; it returns the sorted keys, in one of them, and the other.
func sortDecKeys(keys, tmp []uint32, dec []int32) (sorted, spare []uint32) {
	keys = keys[:0]
	for _, d := range dec {
		if d != decMissing {
			keys = append(keys, uint32(d)^1<<31)
		}
	}
	n := len(keys)
	tmp = slices.Grow(tmp[:0], n)[:n]
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
	return src, out
}

// sortDecNumbers sorts the numbers of a compact column (its integers,
// missing cells left out) with a three-pass LSD radix sort on 32-bit keys,
// half the passes and half the bytes of sortFloats, and appends them to
// dst as float64(d). keys and tmp are buffers it reuses and returns.
func sortDecNumbers(dst []float64, dec []int32, keys, tmp []uint32) ([]float64, []uint32, []uint32) {
	sorted, spare := sortDecKeys(keys, tmp, dec)
	for _, k := range sorted {
		dst = append(dst, float64(int32(k^1<<31)))
	}
	return dst, sorted, spare
}
