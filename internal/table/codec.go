package table

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unsafe"
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
	if littleEndian && len(c.values) > 0 {
		dst = append(dst, unsafe.Slice((*byte)(unsafe.Pointer(&c.values[0])), 8*len(c.values))...)
	} else {
		for _, v := range c.values {
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
		}
	}
	dst = appendInt32s(dst, c.dec)
	dst = appendInt32s(dst, c.codes)
	dst = binary.AppendUvarint(dst, uint64(len(c.text)))
	for _, t := range c.text {
		dst = appendString(dst, t)
	}
	return dst
}

// littleEndian is whether this machine stores numbers as the encoding
// does, so that cells are copied as bytes instead of one at a time.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

func appendInt32s(dst []byte, s []int32) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	if littleEndian && len(s) > 0 {
		return append(dst, unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 4*len(s))...)
	}
	for _, d := range s {
		dst = binary.LittleEndian.AppendUint32(dst, uint32(d))
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
		if littleEndian && n > 0 {
			d.bytes(unsafe.Slice((*byte)(unsafe.Pointer(&c.values[0])), 8*n))
		} else {
			for i := range c.values {
				c.values[i] = math.Float64frombits(d.u64())
			}
		}
	} else if n != 0 {
		d.fail()
	}
	c.dec = d.int32s(flags&2 != 0)
	c.codes = d.int32s(flags&4 != 0)
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

// int32s reads a slice that appendInt32s wrote: nil unless present,
// which an empty one must be otherwise.
func (d *decoder) int32s(present bool) []int32 {
	n := d.count(4)
	if !present {
		if n != 0 {
			d.fail()
		}
		return nil
	}
	s := make([]int32, n)
	if littleEndian && n > 0 {
		d.bytes(unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 4*n))
		return s
	}
	for i := range s {
		s[i] = int32(d.u32())
	}
	return s
}

// bytes fills dst from the input; count has checked that it holds them.
func (d *decoder) bytes(dst []byte) {
	if len(d.b) < len(dst) {
		d.fail()
		return
	}
	copy(dst, d.b)
	d.b = d.b[len(dst):]
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
