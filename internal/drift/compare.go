package drift

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/ctgit/ctgit/internal/table"
	"github.com/ctgit/ctgit/internal/version"
)

// ReportKind, with version.APIVersion, identifies the JSON shape of a
// Report.
const ReportKind = "DriftReport"

// Report is the outcome of comparing two tables. Its JSON form is the
// versioned contract documented in README.md.
type Report struct {
	APIVersion string  `json:"apiVersion"`
	Kind       string  `json:"kind"`
	Reference  Dataset `json:"reference"`
	Current    Dataset `json:"current"`
	// Drifted is DriftShare >= ShareThreshold (and at least one column).
	Drifted        bool    `json:"drifted"`
	DriftShare     float64 `json:"driftShare"`
	ShareThreshold float64 `json:"shareThreshold"`
	// NullShareThreshold and Correction echo the policy in force.
	NullShareThreshold float64    `json:"nullShareThreshold"`
	Correction         Correction `json:"correction"`
	// Columns are the columns tested, in reference file order.
	Columns []ColumnReport `json:"columns"`
	// LeftOut are the columns of either file that were not tested, with
	// the reason, in file order; absent when every column was tested.
	LeftOut []LeftOut `json:"leftOut,omitempty"`
	// ReferenceProfile says whether the reference's values came from a
	// reference profile (see CompareWithProfile); absent when none was
	// asked for.
	ReferenceProfile *ProfileUse `json:"referenceProfile,omitempty"`
}

// Dataset describes one side of a comparison.
type Dataset struct {
	Path string `json:"path"`
	Rows int    `json:"rows"`
}

// ColumnKind is how a column was compared.
type ColumnKind string

// The column kinds.
const (
	Numerical   ColumnKind = "numerical"
	Categorical ColumnKind = "categorical"
)

// ColumnReport is the verdict on one column. A column is tested by every
// method of the policy that applies to it (see MethodList); its method,
// score, statistic, threshold and adjustedScore are those of the first, its
// primary result, so that a report of one method reads as it always did,
// and Results holds them all when there are several.
type ColumnReport struct {
	Name   string     `json:"name"`
	Kind   ColumnKind `json:"kind"`
	Method Method     `json:"method"`
	// Score is the p-value for ks and chisquare and the distance for the
	// other methods; null when a side has no values.
	Score *float64 `json:"score"`
	// Statistic is D for ks and χ² for chisquare; null for distances, for
	// an infinite χ² (a category absent from the reference), and when a
	// side has no values.
	Statistic *float64 `json:"statistic"`
	Threshold float64  `json:"threshold"`
	// Drifted is true when any of the column's tests says so, when the
	// null share moved beyond the threshold, or when a side has no values
	// at all.
	Drifted          bool      `json:"drifted"`
	NullShare        NullShare `json:"nullShare"`
	NullShareDrifted bool      `json:"nullShareDrifted"`
	// AdjustedScore is the corrected p-value when a correction is in force.
	AdjustedScore *float64 `json:"adjustedScore,omitempty"`
	// Reason says in words why the column drifted; empty when it did not.
	Reason string `json:"reason,omitempty"`
	// Results holds one result per method that tested the column, in the
	// policy's order, the primary first; absent when only one did (the
	// fields above are then that result).
	Results []MethodResult `json:"results,omitempty"`
}

// MethodResult is what one method said of one column.
type MethodResult struct {
	Method Method `json:"method"`
	// Score, Statistic, Threshold and AdjustedScore mean what they mean
	// on ColumnReport.
	Score         *float64 `json:"score"`
	Statistic     *float64 `json:"statistic"`
	Threshold     float64  `json:"threshold"`
	AdjustedScore *float64 `json:"adjustedScore,omitempty"`
	// Drifted is this test's verdict alone (the null share aside): its
	// score beyond the threshold, or a side with no values.
	Drifted bool `json:"drifted"`
}

// NullShare is the share of missing cells on each side.
type NullShare struct {
	Reference float64 `json:"reference"`
	Current   float64 `json:"current"`
}

// Compare compares the columns of cur against those of ref under policy p:
// every column present in both, unless the policy narrows or excludes (see
// Policy); the report names every other column and why it was left out.
// Errors are *InputError values naming the file and column at fault.
func Compare(ref, cur *table.Table, p Policy) (*Report, error) {
	if err := p.Validate(); err != nil {
		return nil, &table.InputError{File: "policy", Err: err}
	}
	names, left, err := selectColumns(tableHeader(ref), tableHeader(cur), p)
	if err != nil {
		return nil, err
	}
	results, err := compareColumns(ref, cur, names, p, false)
	if err != nil {
		return nil, err
	}
	return finishReport(Dataset{Path: ref.Path, Rows: ref.Rows}, Dataset{Path: cur.Path, Rows: cur.Rows}, results, left, p), nil
}

// compareColumns tests the named columns of ref, which cur has too,
// against their namesakes in cur, in parallel. own says that the tables
// are the comparison's own, read for it and dropped after it, so that a
// test may reorder a column's cells (sort it where it lies) rather than
// copy it; a caller's tables are left as they are.
func compareColumns(ref, cur *table.Table, names []string, p Policy, own bool) ([]columnResult, error) {
	cols := make([]*table.Column, len(names))
	pairs := make([]*table.Column, len(names))
	for i, name := range names {
		cols[i], pairs[i] = ref.Column(name), cur.Column(name)
		if cols[i] == nil {
			return nil, &table.InputError{File: ref.Path, Column: name, Err: errors.New("no such column in the reference data")}
		}
		if pairs[i] == nil {
			return nil, &table.InputError{File: cur.Path, Column: name, Err: errors.New("missing from the current data (present in the reference)")}
		}
	}
	for i, c := range cols {
		kind := Numerical
		if slices.Contains(p.Categorical, c.Name) || !c.Numerical() || !pairs[i].Numerical() {
			kind = Categorical
		}
		if _, err := p.columnMethods(c.Name, kind); err != nil {
			file := ref.Path
			if c.Numerical() && !slices.Contains(p.Categorical, c.Name) {
				file = cur.Path
			}
			return nil, &table.InputError{File: file, Column: c.Name, Err: err}
		}
	}
	results := make([]columnResult, len(cols))
	next := make(chan int)
	var wg sync.WaitGroup
	// The workers hold these cores: a kernel splits its work only over
	// cores no column holds.
	workers := min(runtime.GOMAXPROCS(0), max(len(cols), 1))
	defer claimCores(workers)()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := worker{own: own}
			for i := range next {
				results[i] = w.compare(cols[i], pairs[i], ref.Rows, cur.Rows, p)
			}
		}()
	}
	for i := range cols {
		next <- i
	}
	close(next)
	wg.Wait()
	return results, nil
}

// finishReport applies the correction across all columns and decides each
// column and the data set.
func finishReport(ref, cur Dataset, results []columnResult, left []LeftOut, p Policy) *Report {
	r := &Report{
		APIVersion:         version.APIVersion,
		Kind:               ReportKind,
		Reference:          ref,
		Current:            cur,
		ShareThreshold:     p.share(),
		NullShareThreshold: p.nullShareThreshold(),
		Correction:         p.correction(),
		Columns:            make([]ColumnReport, len(results)),
		LeftOut:            left,
	}
	correct(results, r.Correction)
	drifted := 0
	for i, res := range results {
		res.finish(r.NullShareThreshold, p.severalMethods())
		r.Columns[i] = res.ColumnReport
		if res.Drifted {
			drifted++
		}
	}
	if len(results) > 0 {
		r.DriftShare = float64(drifted) / float64(len(results))
		r.Drifted = r.DriftShare >= r.ShareThreshold
	}
	return r
}

func mapKeys(m map[string]ColumnPolicy) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// columnResult is a ColumnReport under construction.
type columnResult struct {
	ColumnReport
	tests []testResult // one per method, the primary first
	empty string       // which side has no values, if any
}

// testResult is a MethodResult under construction.
type testResult struct {
	MethodResult
	decide float64 // the score the threshold is applied to
}

// decMissing marks a missing cell among a column's Decimals.
const decMissing = table.MissingDecimal

// worker holds the buffers one goroutine reuses across columns, so that
// comparing a million-row column allocates nothing per value.
type worker struct {
	a, b, scratch []float64
	rv, cv        []float64   // compact columns expanded
	keys, tmp     []uint32    // for sortDecNumbers
	kbuf          [3][]uint32 // for sortDecKeys
	ca, cb        []uint32    // for countInts
	lo            int64       // the integer ca[0] and cb[0] count
	// own says that the worker may reorder the columns' cells (see
	// compareColumns); inPlace that it may for the column at hand: no test
	// of it reads its cells in file order.
	own, inPlace bool
}

// countInts counts the cells of two compact columns at one scale per
// integer into w.ca and w.cb, from w.lo over the range of integers both
// span, when that range is no longer than the cells are many (so the
// counts take no more memory than sorting would, and a walk over them less
// time). It reports false, counting nothing, otherwise.
func (w *worker) countInts(a, b []int32) bool {
	lo, hi := int64(math.MaxInt32), int64(math.MinInt32)
	for _, col := range [][]int32{a, b} {
		for _, d := range col {
			if d != decMissing {
				lo, hi = min(lo, int64(d)), max(hi, int64(d))
			}
		}
	}
	r := hi - lo + 1
	if r <= 0 || r > int64(len(a)+len(b)) {
		return false
	}
	w.ca = slices.Grow(w.ca[:0], int(r))[:r]
	w.cb = slices.Grow(w.cb[:0], int(r))[:r]
	clear(w.ca)
	clear(w.cb)
	w.lo = lo
	for _, d := range a {
		if d != decMissing {
			w.ca[int64(d)-lo]++
		}
	}
	for _, d := range b {
		if d != decMissing {
			w.cb[int64(d)-lo]++
		}
	}
	return true
}

// compare tests one column with each method of p that applies to it, in
// order: the column's values are read once, whatever the number of
// methods. An auto among them is resolved for the column; a method named
// twice that way is tested once. compareColumns has checked that some
// method applies.
func (w *worker) compare(rc, cc *table.Column, refRows, curRows int, p Policy) columnResult {
	res := columnResult{ColumnReport: ColumnReport{Name: rc.Name, Kind: Numerical}}
	categorical := slices.Contains(p.Categorical, rc.Name) || !rc.Numerical() || !cc.Numerical()
	if categorical {
		res.Kind = Categorical
	}
	refMissing, curMissing := rc.Missing(), cc.Missing()
	if refRows > 0 {
		res.NullShare.Reference = float64(refMissing) / float64(refRows)
	}
	if curRows > 0 {
		res.NullShare.Current = float64(curMissing) / float64(curRows)
	}
	nRef, nCur := rc.Len()-refMissing, cc.Len()-curMissing
	methods, _ := p.columnMethods(rc.Name, res.Kind)
	if nRef == 0 || nCur == 0 {
		for _, m := range methods {
			res.tests = append(res.tests, testResult{MethodResult: MethodResult{Method: m, Threshold: p.threshold(rc.Name, m)}})
		}
		res.empty = "reference"
		if nRef > 0 {
			res.empty = "current"
		}
		return res
	}
	var resolved []Method
	for _, m := range methods {
		if m == MethodAuto {
			m = autoMethod(rc, categorical, nRef)
		}
		if !slices.Contains(resolved, m) {
			resolved = append(resolved, m)
		}
	}
	// Wasserstein sums the reference's deviation in file order; every
	// other test reads a column in any order.
	w.inPlace = w.own && !slices.Contains(resolved, MethodWasserstein)
	for _, m := range resolved {
		t := testResult{MethodResult: MethodResult{Method: m, Threshold: p.threshold(rc.Name, m)}}
		if empty := w.test(&t, rc, cc, m, categorical, nRef, nCur); empty != "" {
			res.empty = empty
		}
		res.tests = append(res.tests, t)
	}
	return res
}

// test scores one column with method m (not auto) into t; it returns which
// side turned out to have no values to test, if any.
func (w *worker) test(t *testResult, rc, cc *table.Column, m Method, categorical bool, nRef, nCur int) (empty string) {
	// Compact columns are expanded to floats only where a test needs the
	// values; KS needs only their order, which the integers of two
	// columns at one scale have too.
	rd, rs := rc.Decimals()
	cd, cs := cc.Decimals()
	ksInts := m == MethodKS && rd != nil && cd != nil && rs == cs

	var score, stat float64
	hasStat := false
	switch {
	case ksInts && w.countInts(rd, cd):
		// Few integers span both columns: counted, not sorted.
		stat = ksStatisticCounts(w.ca, w.cb, nRef, nCur)
		stat, score = ksPValue(stat, nRef, nCur)
		hasStat = true
	case m == MethodWasserstein && rd != nil && cd != nil && rs == cs && w.countInts(rd, cd):
		// The same, for the distance between the two distributions.
		std := decPopulationStd(rd, rs)
		score = wassersteinCounts(w.ca, w.cb, w.lo, rs, nRef, nCur) / max(std, 0.001)
	case m == MethodKS || m == MethodWasserstein:
		var std float64
		var a, b []float64 // the sorted numbers of each side
		switch {
		case ksInts:
			// KS reads only the order, which the integers of two
			// columns at one scale have: they are sorted as they are.
			ka, spare := sortDecKeys(w.kbuf[0], w.kbuf[1], rd)
			kb, spare := sortDecKeys(spare, w.kbuf[2], cd)
			w.kbuf = [3][]uint32{ka, kb, spare}
			if len(ka) == 0 || len(kb) == 0 {
				if len(ka) > 0 {
					return "current"
				}
				return "reference"
			}
			stat, score = ksPValue(ksStatistic(ka, kb), len(ka), len(kb))
			hasStat = true
		case m == MethodWasserstein:
			// The reference's deviation is summed in file order, as
			// PopulationStd does; then each side is sorted on its own.
			if rd != nil {
				std = decPopulationStd(rd, rs)
				w.a = w.sortedDec(w.a, rd, rs)
			} else {
				w.a = numbers(w.a[:0], rc)
				std = PopulationStd(w.a)
				w.scratch = sortFloats(w.a, w.scratch)
			}
			if cd != nil {
				w.b = w.sortedDec(w.b, cd, cs)
			} else {
				w.b = numbers(w.b[:0], cc)
				w.scratch = sortFloats(w.b, w.scratch)
			}
			a, b = w.a, w.b
		default:
			a, b = w.sortedNumbers(&w.a, rc), w.sortedNumbers(&w.b, cc)
		}
		if ksInts {
			break
		}
		if len(a) == 0 || len(b) == 0 {
			if len(a) > 0 {
				return "current"
			}
			return "reference"
		}
		if m == MethodKS {
			stat, score = KolmogorovSmirnov(a, b)
			hasStat = true
		} else {
			score = Wasserstein(a, b) / max(std, 0.001)
		}
	case m == MethodChiSquare:
		rc, w.rv = rc.FloatView(w.rv)
		cc, w.cv = cc.FloatView(w.cv)
		rp, cp := categoryCounts(rc, cc)
		k := float64(nCur) / float64(nRef)
		for i := range rp {
			rp[i] *= k
		}
		if len(rp) < 2 {
			// One category on both sides: SciPy's χ² has zero degrees of
			// freedom and answers NaN; nothing can have drifted.
			stat, score = 0, 1
		} else {
			stat, score = ChiSquare(cp, rp)
		}
		hasStat = true
	default: // jensenshannon, psi
		rp, cp := w.proportions(rc, cc, categorical, nRef, nCur)
		if m == MethodPSI {
			score = PSI(rp, cp)
		} else {
			score = JensenShannon(rp, cp)
		}
	}
	t.Score = &score
	if hasStat && !math.IsInf(stat, 0) {
		t.Statistic = &stat
	}
	t.decide = score
	return ""
}

// sortedNumbers returns the numbers of c sorted: where they lie in c when
// the worker may reorder it and c holds floats, else copied into *buf
// (reused).
func (w *worker) sortedNumbers(buf *[]float64, c *table.Column) []float64 {
	if w.inPlace {
		if x := c.NumbersInPlace(); x != nil {
			w.scratch = sortFloats(x, w.scratch)
			return x
		}
	}
	*buf = numbers((*buf)[:0], c)
	w.scratch = sortFloats(*buf, w.scratch)
	return *buf
}

// autoMethod picks the test for a column as Evidently's defaults do.
func autoMethod(rc *table.Column, categorical bool, nRef int) Method {
	numeric := !categorical && distinctNumbers(rc, 6) > 5
	switch {
	case numeric && nRef <= 1000:
		return MethodKS
	case numeric:
		return MethodWasserstein
	case nRef <= 1000:
		return MethodChiSquare
	default:
		return MethodJensenShannon
	}
}

// sortedDec returns the numbers of a compact column, dec at scale,
// sorted, in dst (reused). It sorts the integers, whose order is that of
// their values at the column's one scale, and only then divides them by
// 10^scale: the same floats as numbers gives, sorted as sortFloats sorts
// them.
func (w *worker) sortedDec(dst []float64, dec []int32, scale int) []float64 {
	dst, w.keys, w.tmp = sortDecNumbers(dst[:0], dec, w.keys, w.tmp)
	p := table.Pow10(scale)
	for i, v := range dst {
		dst[i] = v / p
	}
	return dst
}

// decPopulationStd is PopulationStd of the numbers of a compact column in
// file order, computed on the same floats in the same order, so to the
// same bits, without making them a slice first.
func decPopulationStd(dec []int32, scale int) float64 {
	p := table.Pow10(scale)
	var s neumaier
	n := 0
	for _, d := range dec {
		if d != decMissing {
			s.add(float64(d) / p)
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	mean := s.sum() / float64(n)
	var q neumaier
	for _, d := range dec {
		if d != decMissing {
			v := float64(d)/p - mean
			q.add(v * v)
		}
	}
	return math.Sqrt(q.sum() / float64(n))
}

// numbers appends the numeric cells of c to dst, in order.
func numbers(dst []float64, c *table.Column) []float64 {
	dst = slices.Grow(dst, c.Len()-c.Missing())
	if dec, scale := c.Decimals(); dec != nil {
		p := table.Pow10(scale)
		for _, d := range dec {
			if d != decMissing {
				dst = append(dst, float64(d)/p)
			}
		}
		return dst
	}
	for _, v := range c.Floats() {
		if v == v {
			dst = append(dst, v)
		}
	}
	return dst
}

// histogram counts the numbers of c into the bins of edges.
func (w *worker) histogram(counts []int64, c *table.Column, edges []float64) {
	dec, scale := c.Decimals()
	if dec == nil {
		histogram(counts, c.Floats(), edges)
		return
	}
	histogramDec(counts, dec, scale, edges)
}

// distinctNumbers counts distinct numeric values of c, stopping at limit.
func distinctNumbers(c *table.Column, limit int) int {
	if dec, _ := c.Decimals(); dec != nil {
		// Distinct integers at one scale are distinct values.
		seen := make([]int32, 0, limit)
	outerDec:
		for _, d := range dec {
			if d == decMissing {
				continue
			}
			for _, s := range seen {
				if s == d {
					continue outerDec
				}
			}
			seen = append(seen, d)
			if len(seen) >= limit {
				break
			}
		}
		return len(seen)
	}
	seen := make([]float64, 0, limit)
outer:
	for _, v := range c.Floats() {
		if v != v {
			continue
		}
		for _, s := range seen {
			if s == v {
				continue outer
			}
		}
		seen = append(seen, v)
		if len(seen) >= limit {
			break
		}
	}
	return len(seen)
}

// proportions bins both columns as Evidently's get_binned_data: Sturges
// histogram bins for numerical columns with more than 20 distinct reference
// values, one bin per category of the union otherwise; each count is divided
// by that side's number of values.
func (w *worker) proportions(rc, cc *table.Column, categorical bool, nRef, nCur int) ([]float64, []float64) {
	if categorical || distinctNumbers(rc, 21) <= 20 {
		rc, w.rv = rc.FloatView(w.rv)
		cc, w.cv = cc.FloatView(w.cv)
		rp, cp := categoryCounts(rc, cc)
		for i := range rp {
			rp[i] /= float64(nRef)
			cp[i] /= float64(nCur)
		}
		return rp, cp
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, c := range []*table.Column{rc, cc} {
		if dec, scale := c.Decimals(); dec != nil {
			// d/10^scale is monotonic in d: the extremes are those of d.
			dlo, dhi := int32(math.MaxInt32), int32(math.MinInt32+1)
			for _, d := range dec {
				if d != decMissing {
					dlo, dhi = min(dlo, d), max(dhi, d)
				}
			}
			if dlo <= dhi {
				p := table.Pow10(scale)
				lo, hi = min(lo, float64(dlo)/p), max(hi, float64(dhi)/p)
			}
			continue
		}
		for _, v := range c.Floats() {
			if v == v {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	edges := SturgesEdges(lo, hi, nRef+nCur)
	rcnt := make([]int64, len(edges)-1)
	ccnt := make([]int64, len(edges)-1)
	w.histogram(rcnt, rc, edges)
	w.histogram(ccnt, cc, edges)
	rp := make([]float64, len(rcnt))
	cp := make([]float64, len(ccnt))
	for i := range rcnt {
		rp[i] = float64(rcnt[i]) / float64(nRef)
		cp[i] = float64(ccnt[i]) / float64(nCur)
	}
	return rp, cp
}

// categoryCounts counts each category of the union of both columns: text
// cells by their text, numeric cells by their value.
func categoryCounts(rc, cc *table.Column) (ref, cur []float64) {
	idx := map[string]int{}
	numIdx := map[float64]int{}
	count := func(c *table.Column, side int) {
		texts, textCount, numCount := c.Tally()
		add := func(i int, n int64) {
			for len(ref) <= i {
				ref = append(ref, 0)
				cur = append(cur, 0)
			}
			if side == 0 {
				ref[i] += float64(n)
			} else {
				cur[i] += float64(n)
			}
		}
		for code, n := range textCount {
			if n == 0 {
				continue
			}
			t := texts[code]
			i, ok := idx[t]
			if !ok {
				i = len(idx) + len(numIdx)
				idx[t] = i
			}
			add(i, n)
		}
		vals := make([]float64, 0, len(numCount))
		for v := range numCount {
			vals = append(vals, v)
		}
		slices.Sort(vals) // a fixed order keeps sums reproducible
		for _, v := range vals {
			i, ok := numIdx[v]
			if !ok {
				i = len(idx) + len(numIdx)
				numIdx[v] = i
			}
			add(i, numCount[v])
		}
	}
	count(rc, 0)
	count(cc, 1)
	return ref, cur
}

// correct applies the multiple-testing correction to the p-value results
// of all columns together: the family is every ks and chisquare result of
// the comparison. As ks tests only numerical columns and chisquare only
// categorical ones, that is at most one per column, however many methods
// the policy lists.
func correct(results []columnResult, c Correction) {
	var tests []*testResult
	for i := range results {
		for j := range results[i].tests {
			if t := &results[i].tests[j]; t.Method.PValue() && t.Score != nil {
				tests = append(tests, t)
			}
		}
	}
	m := float64(len(tests))
	switch c {
	case CorrectionBonferroni:
		for _, t := range tests {
			adj := min(1, *t.Score*m)
			t.AdjustedScore = &adj
			t.decide = adj
		}
	case CorrectionBH:
		sort.SliceStable(tests, func(a, b int) bool { return *tests[a].Score < *tests[b].Score })
		running := 1.0
		for k := len(tests) - 1; k >= 0; k-- {
			t := tests[k]
			running = min(running, *t.Score*m/float64(k+1))
			adj := min(1, running)
			t.AdjustedScore = &adj
			t.decide = adj
		}
	}
}

// finish settles the column's verdict, from every test and the null
// share, and its reason. named says whether the policy may test a column
// with several methods, so that a p-value's reason names its test.
func (r *columnResult) finish(nullThreshold float64, named bool) {
	var reasons []string
	change := math.Abs(r.NullShare.Current - r.NullShare.Reference)
	r.NullShareDrifted = change > nullThreshold
	if r.empty != "" {
		reasons = append(reasons, fmt.Sprintf("%s has no non-missing values", r.empty))
	}
	for i := range r.tests {
		t := &r.tests[i]
		if r.empty != "" || t.Score == nil {
			t.Drifted = r.empty != ""
			continue
		}
		switch t.Method {
		case MethodKS:
			t.Drifted = t.decide <= t.Threshold
		case MethodChiSquare:
			t.Drifted = t.decide < t.Threshold
		default:
			t.Drifted = t.decide >= t.Threshold
		}
		if !t.Drifted {
			continue
		}
		what := "p-value"
		if t.AdjustedScore != nil {
			what = "adjusted p-value"
		}
		if named {
			what = string(t.Method) + " " + what
		}
		switch t.Method {
		case MethodKS:
			reasons = append(reasons, fmt.Sprintf("%s %.4g ≤ %g", what, t.decide, t.Threshold))
		case MethodChiSquare:
			reasons = append(reasons, fmt.Sprintf("%s %.4g below %g", what, t.decide, t.Threshold))
		default:
			reasons = append(reasons, fmt.Sprintf("%s %.4g ≥ %g", t.Method, t.decide, t.Threshold))
		}
	}
	if r.NullShareDrifted {
		reasons = append(reasons, fmt.Sprintf("null share changed by %.4g, more than %g", change, nullThreshold))
	}
	if len(r.tests) > 0 {
		t := r.tests[0].MethodResult
		r.Method, r.Score, r.Statistic, r.Threshold, r.AdjustedScore = t.Method, t.Score, t.Statistic, t.Threshold, t.AdjustedScore
	}
	if len(r.tests) > 1 {
		r.Results = make([]MethodResult, len(r.tests))
		for i, t := range r.tests {
			r.Results[i] = t.MethodResult
		}
	}
	r.Drifted = len(reasons) > 0
	r.Reason = strings.Join(reasons, "; ")
}
