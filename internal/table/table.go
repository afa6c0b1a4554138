package table

import (
	"math"
	"slices"
)

// Table is a data set read column-wise: every column has Rows entries.
type Table struct {
	// Path names where the table came from, for reports and errors.
	Path string
	// Rows is the number of data rows (header excluded).
	Rows int
	// Columns are in file order.
	Columns []*Column
}

// Column returns the column called name, or nil.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c != nil && c.Name == name {
			return c
		}
	}
	return nil
}

// Column is one column of a Table. Each cell is a number, missing, or text;
// see Cell for how a raw cell is classified.
type Column struct {
	// Name is the header of the column.
	Name string
	// values holds one entry per row: a number as itself, a missing cell
	// as the positive quiet NaN, a text cell as a negative quiet NaN whose
	// payload indexes text. One float per cell keeps million-row columns
	// small and lets numerical columns be sorted without conversion.
	values []float64
	text   []string
	// texts counts the text cells, so Numerical is O(1).
	texts int
	// missing counts the missing cells when missingKnown, as the CSV
	// reader does while it builds the column, so Missing is O(1) too.
	missing      int
	missingKnown bool
	// dec, when not nil, holds the cells instead of values, in half the
	// memory: a number is exactly float64(d)/pow10[scale] (checked, bit
	// for bit, when it was stored) and a missing cell is decMissing. The
	// plain decimals of CSV files are read this way.
	dec   []int32
	scale int
	// codes, when not nil, holds a column of only text and missing cells
	// instead of values: the index into text, or codeMissing. Only Len,
	// Missing, At and Tally read it; FloatView leaves it as is.
	codes []int32
}

// codeMissing marks a missing cell in Column.codes.
const codeMissing = -1

// noNumbers reports whether vals holds only text and missing cells.
func noNumbers(vals []float64) bool {
	for _, v := range vals {
		if v == v {
			return false
		}
	}
	return true
}

// codesToFloat appends the cells of codes to dst as values.
func codesToFloat(dst []float64, codes []int32) []float64 {
	for _, c := range codes {
		if c == codeMissing {
			dst = append(dst, missingValue)
		} else {
			dst = append(dst, textValue(int(c)))
		}
	}
	return dst
}

// decMissing marks a missing cell in Column.dec.
const decMissing = MissingDecimal

// MissingDecimal marks a missing cell among a column's Decimals.
const MissingDecimal = math.MinInt32

// Pow10 is 10^scale, exactly, for the scales of Decimals (0 to MaxScale).
func Pow10(scale int) float64 { return pow10[scale] }

// Decimals returns the cells of c when it holds them as integers at one
// scale, as the CSV reader holds plain decimals: cell i is missing when
// d[i] is MissingDecimal and otherwise exactly float64(d[i]) /
// Pow10(scale). d is nil when c holds its cells otherwise. It is c's own
// slice, for hot loops to read without a copy: never write to it.
func (c *Column) Decimals() (d []int32, scale int) { return c.dec, c.scale }

// Floats returns the cells of c when it holds them as floats: a number is
// itself, a missing or text cell is a NaN. It is nil when c holds its
// cells compactly (see Decimals and FloatView). It is c's own slice: never
// write to it.
func (c *Column) Floats() []float64 { return c.values }

// NumbersInPlace reorders a column held as floats (see Floats) without
// text cells so that its numbers come first, in no particular order, and
// its missing cells after them, and returns the numbers: c's own slice,
// for a caller that owns c to sort where it lies instead of copying a
// column of millions of values. Afterwards cell i is no longer the file's
// row i; what does not depend on the order (Len, Missing, Tally, the
// values themselves) is unchanged. It returns nil, changing nothing, for
// a column held otherwise or holding texts.
func (c *Column) NumbersInPlace() []float64 {
	if c.values == nil || c.texts != 0 {
		return nil
	}
	v := c.values
	n := 0
	for i, x := range v {
		if x == x {
			v[n], v[i] = x, v[n]
			n++
		}
	}
	return v[:n:n]
}

// Tally counts the cells of c held as floats or as text codes: textCount[i]
// counts the cells of texts[i], numCount each number. A column held as
// Decimals counts nothing: take its FloatView first.
func (c *Column) Tally() (texts []string, textCount []int64, numCount map[float64]int64) {
	textCount = make([]int64, len(c.text))
	numCount = map[float64]int64{}
	for _, code := range c.codes {
		if code != codeMissing {
			textCount[code]++
		}
	}
	for _, v := range c.values {
		switch {
		case v == v:
			numCount[v]++
		case isText(v):
			textCount[math.Float64bits(v)&payloadMask]++
		}
	}
	return c.text, textCount, numCount
}

// MaxScale is the most digits after the point a column held as Decimals
// has.
const MaxScale = 9

// toDec converts vals, numbers and missing cells only, to dec at the
// smallest scale up to MaxScale that holds every number exactly, bit for
// bit. ok is false when there is none.
func toDec(dst []int32, vals []float64) (_ []int32, scale int, ok bool) {
	dst = slices.Grow(dst[:0], len(vals))[:len(vals)]
	p := pow10[0]
	for i := 0; i < len(vals); i++ {
		v := vals[i]
		if math.Float64bits(v) == missingBits {
			dst[i] = decMissing
			continue
		}
		if v != v { // text
			return dst, 0, false
		}
		m := math.Round(v * p)
		if m > math.MaxInt32 || m <= decMissing || math.Float64bits(float64(int32(m))/p) != math.Float64bits(v) {
			// Not at this scale: try the next one from the start.
			if scale++; scale > MaxScale {
				return dst, 0, false
			}
			p = pow10[scale]
			i = -1
			continue
		}
		dst[i] = int32(m)
	}
	return dst, scale, true
}

// rescale multiplies the numbers of d by 10^k in place; ok is false, and
// d unchanged, when one would overflow.
func rescale(d []int32, k int) bool {
	if k == 0 {
		return true
	}
	f := int64(pow10[k])
	for _, x := range d {
		if x != decMissing && (int64(x)*f > math.MaxInt32 || int64(x)*f <= decMissing) {
			return false
		}
	}
	for i, x := range d {
		if x != decMissing {
			d[i] = int32(int64(x) * f)
		}
	}
	return true
}

// decToFloat appends the cells of d at scale to dst as values.
func decToFloat(dst []float64, d []int32, scale int) []float64 {
	p := pow10[scale]
	for _, x := range d {
		if x == decMissing {
			dst = append(dst, missingValue)
		} else {
			dst = append(dst, float64(x)/p)
		}
	}
	return dst
}

// Compact returns c held in 4 bytes a cell where that is exact: its
// numbers as integers at one scale (see toDec), or its texts as codes when
// it has no numbers; ok is false, and c is returned, when neither fits.
func (c *Column) Compact() (_ *Column, ok bool) {
	if c.values == nil {
		return c, false
	}
	if c.texts == 0 {
		if d, scale, ok := toDec(nil, c.values); ok {
			return &Column{Name: c.Name, dec: d, scale: scale}, true
		}
		return c, false
	}
	if !noNumbers(c.values) {
		return c, false
	}
	codes := make([]int32, len(c.values))
	for i, v := range c.values {
		codes[i] = codeMissing
		if isText(v) {
			codes[i] = int32(math.Float64bits(v) & payloadMask)
		}
	}
	return &Column{Name: c.Name, text: c.text, texts: c.texts, codes: codes}, true
}

// FloatView returns c with its cells as floats: c itself, or a copy
// whose floats are its Decimals expanded into buf (grown as needed). It
// returns the buffer for reuse. A column held as text codes is returned
// as it is.
func (c *Column) FloatView(buf []float64) (*Column, []float64) {
	if c.dec == nil {
		return c, buf
	}
	buf = decToFloat(buf[:0], c.dec, c.scale)
	return &Column{Name: c.Name, values: buf}, buf
}

const (
	missingBits = 0x7FF8_0000_0000_0000
	textBits    = 0xFFF8_0000_0000_0000
	payloadMask = 1<<51 - 1
)

var missingValue = math.Float64frombits(missingBits)

// NewColumn builds a column from raw cells, classifying each as Cell does.
func NewColumn(name string, cells []string) *Column {
	c := &Column{Name: name, values: make([]float64, len(cells))}
	dict := map[string]int{}
	for i, s := range cells {
		v, text := c.cellValue(dict, s)
		c.values[i] = v
		if text {
			c.texts++
		}
	}
	return c
}

// NewNumericColumn builds a column from numbers; NaN and ±Inf are missing.
func NewNumericColumn(name string, values []float64) *Column {
	c := &Column{Name: name, values: make([]float64, len(values))}
	for i, v := range values {
		c.values[i] = normalise(v)
	}
	return c
}

func normalise(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return missingValue
	}
	if v == 0 {
		return 0 // −0 and +0 are one value
	}
	return v
}

func textValue(code int) float64 { return math.Float64frombits(textBits | uint64(code)) }

func isText(v float64) bool { return math.Float64bits(v)&^payloadMask == textBits }

// Len is the number of cells.
func (c *Column) Len() int {
	if c.dec != nil {
		return len(c.dec)
	}
	if c.codes != nil {
		return len(c.codes)
	}
	return len(c.values)
}

// Numerical reports whether every non-missing cell is a number.
func (c *Column) Numerical() bool { return c.texts == 0 }

// Missing counts the missing cells.
func (c *Column) Missing() int {
	if c.missingKnown {
		return c.missing
	}
	return c.countMissing(0)
}

// countMissing counts the missing cells from row start on.
func (c *Column) countMissing(start int) int {
	n := 0
	if c.codes != nil {
		for _, d := range c.codes[start:] {
			if d == codeMissing {
				n++
			}
		}
		return n
	}
	if c.dec != nil {
		for _, d := range c.dec[start:] {
			if d == decMissing {
				n++
			}
		}
		return n
	}
	for _, v := range c.values[start:] {
		if math.Float64bits(v) == missingBits {
			n++
		}
	}
	return n
}
