package drift

import (
	"math"

	"github.com/ctgit/ctgit/internal/table"
)

// ChiSquare is Pearson's χ² goodness-of-fit statistic of observed against
// expected counts and its p-value with len−1 degrees of freedom, as
// scipy.stats.chisquare(observed, expected). A category with zero expected
// and non-zero observed count makes the statistic +Inf and the p-value 0.
// With fewer than two categories the p-value is NaN, as in SciPy.
func ChiSquare(observed, expected []float64) (stat, p float64) {
	var s neumaier
	for i, o := range observed {
		d := o - expected[i]
		s.add(d * d / expected[i])
	}
	stat = s.sum()
	return stat, chiSquareSF(stat, len(observed)-1)
}

// Wasserstein is the first Wasserstein (earth mover's) distance between the
// empirical distributions of two samples sorted ascending without NaN, as
// scipy.stats.wasserstein_distance(a, b).
func Wasserstein(a, b []float64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return math.NaN()
	}
	n1, n2 := float64(len(a)), float64(len(b))
	var s neumaier
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var v float64
		switch {
		case i == len(a):
			v = b[j]
		case j == len(b):
			v = a[i]
		default:
			v = min(a[i], b[j])
		}
		for i < len(a) && a[i] <= v {
			i++
		}
		for j < len(b) && b[j] <= v {
			j++
		}
		var next float64
		switch {
		case i == len(a) && j == len(b):
			return s.sum()
		case i == len(a):
			next = b[j]
		case j == len(b):
			next = a[i]
		default:
			next = min(a[i], b[j])
		}
		s.add(math.Abs(float64(i)/n1-float64(j)/n2) * (next - v))
	}
	return s.sum()
}

// wassersteinCounts is Wasserstein for two samples of the numbers
// (lo+x)/10^scale given as counts per x, ca[x] and cb[x], with n1 and n2
// numbers in all: the same terms, at the same pooled values in the same
// order, so the same sum, bit for bit, without sorting.
func wassersteinCounts(ca, cb []uint32, lo int64, scale, n1, n2 int) float64 {
	f1, f2, p := float64(n1), float64(n2), table.Pow10(scale)
	var s neumaier
	i, j := 0, 0
	v := math.NaN() // the pooled value the counts so far reach
	for x := range ca {
		if ca[x]|cb[x] == 0 {
			continue
		}
		next := float64(lo+int64(x)) / p
		if i > 0 || j > 0 {
			s.add(math.Abs(float64(i)/f1-float64(j)/f2) * (next - v))
		}
		i += int(ca[x])
		j += int(cb[x])
		v = next
	}
	return s.sum()
}

// PopulationStd is the standard deviation with divisor n (NumPy's np.std).
func PopulationStd(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	var s neumaier
	for _, v := range x {
		s.add(v)
	}
	mean := s.sum() / float64(len(x))
	var q neumaier
	for _, v := range x {
		d := v - mean
		q.add(d * d)
	}
	return math.Sqrt(q.sum() / float64(len(x)))
}

// JensenShannon is the Jensen–Shannon distance (natural logarithm) between
// two vectors of proportions, each first normalised to sum to one, as
// scipy.spatial.distance.jensenshannon(p, q).
func JensenShannon(p, q []float64) float64 {
	var sp, sq neumaier
	for i := range p {
		sp.add(p[i])
		sq.add(q[i])
	}
	tp, tq := sp.sum(), sq.sum()
	var left, right neumaier
	for i := range p {
		pi, qi := p[i]/tp, q[i]/tq
		m := (pi + qi) / 2.0
		left.add(relEntr(pi, m))
		right.add(relEntr(qi, m))
	}
	js := left.sum() + right.sum()
	return math.Sqrt(js / 2.0)
}

func relEntr(x, y float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsNaN(y):
		return math.NaN()
	case x > 0 && y > 0:
		return x * math.Log(x/y)
	case x == 0 && y >= 0:
		return 0
	default:
		return math.Inf(1)
	}
}

// PSI is the population stability index Σ (ref−cur)·ln(ref/cur) of two
// vectors of proportions. Zeros in each vector are first replaced by 0.0001,
// or by a millionth of its smallest non-zero proportion when that is at most
// 0.0001, as Evidently does; the inputs are modified.
func PSI(ref, cur []float64) float64 {
	fillZeros(ref)
	fillZeros(cur)
	var s neumaier
	for i := range ref {
		s.add((ref[i] - cur[i]) * math.Log(ref[i]/cur[i]))
	}
	return s.sum()
}

func fillZeros(p []float64) {
	smallest := math.Inf(1)
	for _, v := range p {
		if v != 0 {
			smallest = min(smallest, v)
		}
	}
	if math.IsInf(smallest, 1) {
		return // NumPy raises on an all-zero vector; callers never pass one.
	}
	fill := 0.0001
	if smallest <= 0.0001 {
		fill = smallest / 1e6
	}
	for i, v := range p {
		if v == 0 {
			p[i] = fill
		}
	}
}

// SturgesEdges returns the bin edges NumPy's histogram_bin_edges(x,
// bins="sturges") gives for a sample of n values whose minimum and maximum
// are lo and hi (finite).
func SturgesEdges(lo, hi float64, n int) []float64 {
	first, last := lo, hi
	if first == last {
		first -= 0.5
		last += 0.5
	}
	bins := 1
	if n > 0 {
		width := (hi - lo) / (math.Log2(float64(n)) + 1.0)
		if width != 0 {
			bins = int(math.Ceil((last - first) / width))
		}
	}
	return linspace(first, last, bins+1)
}

// linspace is NumPy's linspace(start, stop, num) with endpoint=True.
func linspace(start, stop float64, num int) []float64 {
	y := make([]float64, num)
	if num == 1 {
		y[0] = start
		return y
	}
	div := float64(num - 1)
	delta := stop - start
	step := delta / div
	for i := range y {
		if step == 0 {
			y[i] = float64(i) / div * delta
		} else {
			y[i] = float64(i) * step
		}
		y[i] += start
	}
	y[num-1] = stop
	return y
}

// histogram accumulates into counts (len(edges)−1 bins) the values of x as
// NumPy's histogram(x, bins=edges) does: bin i holds edges[i] <= v <
// edges[i+1], the last bin also holds v == edges[last], and values outside
// the edges are not counted.
func histogram(counts []int64, x []float64, edges []float64) {
	k := len(edges) - 1
	lo, hi := edges[0], edges[k]
	scale := float64(k) / (hi - lo)
	for _, v := range x {
		if !(v >= lo && v <= hi) {
			continue
		}
		counts[settleBin(int((v-lo)*scale), v, edges)]++
	}
}

// settleBin moves a guess i of the bin of v to the bin itself: the last i
// below len(bounds)−1 with bounds[i] <= v, where bounds are the bins'
// edges, as values or as the integers that reach them.
func settleBin[T int64 | float64](i int, v T, bounds []T) int {
	k := len(bounds) - 1
	i = min(max(i, 0), k-1)
	for i > 0 && v < bounds[i] {
		i--
	}
	for i < k-1 && v >= bounds[i+1] {
		i++
	}
	return i
}

// neumaier is a compensated sum, so long sums of positive terms agree with
// NumPy's pairwise summation far below the tolerances we promise.
type neumaier struct{ s, c float64 }

func (n *neumaier) add(v float64) {
	t := n.s + v
	if math.Abs(n.s) >= math.Abs(v) {
		n.c += (n.s - t) + v
	} else {
		n.c += (v - t) + n.s
	}
	n.s = t
}

func (n *neumaier) sum() float64 {
	if math.IsInf(n.s, 0) || math.IsNaN(n.s) {
		return n.s
	}
	return n.s + n.c
}

// histogramDec is histogram for the numbers d/10^scale of a compact column
// (decMissing cells skipped), without dividing each one: d/10^scale is
// non-decreasing in d, so each edge becomes the smallest integer whose
// value reaches it, and every d is placed among those integers, giving
// the bins histogram gives the same floats.
func histogramDec(counts []int64, dec []int32, scale int, edges []float64) {
	k := len(edges) - 1
	p := table.Pow10(scale)
	val := func(d int64) float64 { return float64(d) / p }
	// t[i] is the smallest d with val(d) >= edges[i]; top is the largest d
	// with val(d) <= edges[k]. Both are searched from a guess within the
	// int32 range, outside which no cell lies.
	const dmin, dmax = math.MinInt32 + 1, math.MaxInt32
	guess := func(e float64) int64 { return int64(min(max(e*p, dmin-1), dmax+1)) }
	t := make([]int64, k+1)
	for i, e := range edges {
		d := guess(e)
		for d > dmin-1 && val(d-1) >= e {
			d--
		}
		for d <= dmax && val(d) < e {
			d++
		}
		t[i] = d
	}
	top := guess(edges[k])
	for top <= dmax && val(top+1) <= edges[k] {
		top++
	}
	for top >= dmin && val(top) > edges[k] {
		top--
	}
	lo := t[0]
	if top < lo {
		return // no integer lies within the edges
	}
	if r := top - lo + 1; r <= 1<<18 && r <= int64(len(dec)) && k <= 256 && lo > decMissing {
		// Few integers lie within the edges, fewer than the cells: a
		// table of each one's bin, small enough to stay in cache, turns
		// binning a cell into one lookup. decMissing lies below lo.
		binOf := make([]uint8, r)
		for i := range k {
			from, to := max(t[i], lo), top+1
			if i < k-1 {
				to = min(t[i+1], top+1)
			}
			for o := from; o < to; o++ {
				binOf[o-lo] = uint8(i)
			}
		}
		var n [256]int64
		for _, x := range dec {
			if o := uint64(int64(x) - lo); o < uint64(r) {
				n[binOf[o]]++
			}
		}
		for i := range k {
			counts[i] += n[i]
		}
		return
	}
	// The guess of a bin scales d by the bins' mean width in integers;
	// the loops then settle it on t exactly.
	scaleD := float64(k) / float64(t[k]-lo+1)
	for _, x := range dec {
		d := int64(x)
		if x == decMissing || d < lo || d > top {
			continue
		}
		counts[settleBin(int(float64(d-lo)*scaleD), d, t)]++
	}
}
