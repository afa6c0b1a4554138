package table

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// AppendColumn appends the binary form of c to dst: every cell as the
// column holds it (floats, compact decimals at their scale, or text codes)
// and its texts, so that DecodeColumn gives back a column that every
// reader of Column sees as c, bit for bit. Drift's reference profiles keep
// parsed reference columns this way.
func AppendColumn(dst []byte, c *Column) []byte {
	var flags byte
	if c.values != nil {
		flags |= 1
	}
	if c.dec != nil {
		flags |= 2
	}
	if c.codes != nil {
		flags |= 4
	}
	if c.text != nil {
		flags |= 8
	}
	dst = appendString(dst, c.Name)
	dst = append(dst, flags, byte(c.scale))
	dst = binary.AppendUvarint(dst, uint64(c.texts))
	dst = binary.AppendUvarint(dst, uint64(c.Missing()))
	dst = binary.AppendUvarint(dst, uint64(len(c.values)))
	for _, v := range c.values {
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
	}
	dst = binary.AppendUvarint(dst, uint64(len(c.dec)))
	for _, d := range c.dec {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(d))
	}
	dst = binary.AppendUvarint(dst, uint64(len(c.codes)))
	for _, d := range c.codes {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(d))
	}
	dst = binary.AppendUvarint(dst, uint64(len(c.text)))
	for _, t := range c.text {
		dst = appendString(dst, t)
	}
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// errColumnCodec is what DecodeColumn says of bytes that are not a column.
var errColumnCodec = errors.New("not an encoded column")

// DecodeColumn reads a column that AppendColumn wrote, all of b. Bytes
// that are not one (truncated, or with a text or code out of range) are an
// error, never a column that would fail later.
func DecodeColumn(b []byte) (*Column, error) {
	d := decoder{b: b}
	c := &Column{Name: d.string()}
	flags, scale := d.byte(), d.byte()
	c.scale = int(scale)
	c.texts = d.count(1)
	c.missing, c.missingKnown = d.count(1), true
	if n := d.count(8); flags&1 != 0 {
		c.values = make([]float64, n)
		for i := range c.values {
			c.values[i] = math.Float64frombits(d.u64())
		}
	} else if n != 0 {
		d.fail()
	}
	if n := d.count(4); flags&2 != 0 {
		c.dec = make([]int32, n)
		for i := range c.dec {
			c.dec[i] = int32(d.u32())
		}
	} else if n != 0 {
		d.fail()
	}
	if n := d.count(4); flags&4 != 0 {
		c.codes = make([]int32, n)
		for i := range c.codes {
			c.codes[i] = int32(d.u32())
		}
	} else if n != 0 {
		d.fail()
	}
	if n := d.count(1); flags&8 != 0 {
		c.text = make([]string, n)
		for i := range c.text {
			c.text[i] = d.string()
		}
	} else if n != 0 {
		d.fail()
	}
	if d.err != nil || len(d.b) != 0 || flags&^15 != 0 || c.scale > MaxScale {
		return nil, errColumnCodec
	}
	// What readers index with must be in range.
	for _, code := range c.codes {
		if code != codeMissing && (code < 0 || int(code) >= len(c.text)) {
			return nil, fmt.Errorf("%w: text code %d of %d texts", errColumnCodec, code, len(c.text))
		}
	}
	for _, v := range c.values {
		if isText(v) && int(math.Float64bits(v)&payloadMask) >= len(c.text) {
			return nil, fmt.Errorf("%w: a text cell beyond its %d texts", errColumnCodec, len(c.text))
		}
	}
	if c.missing != c.countMissing(0) {
		return nil, fmt.Errorf("%w: %d missing cells said, %d held", errColumnCodec, c.missing, c.countMissing(0))
	}
	return c, nil
}

// decoder reads what AppendColumn appended; its first error sticks and
// every later read gives zeros.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	d.err, d.b = errColumnCodec, nil
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

// count reads a length of items of size bytes each, which must fit in
// what is left.
func (d *decoder) count(size int) int {
	n, k := binary.Uvarint(d.b)
	if k <= 0 || n > uint64(len(d.b)-k)/uint64(size) {
		d.fail()
		return 0
	}
	d.b = d.b[k:]
	return int(n)
}

func (d *decoder) u64() uint64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *decoder) u32() uint32 {
	if len(d.b) < 4 {
		d.fail()
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

func (d *decoder) string() string {
	n := d.count(1)
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
