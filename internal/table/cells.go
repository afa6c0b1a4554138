package table

import "math"

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
