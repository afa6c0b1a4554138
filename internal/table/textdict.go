package table

import "math/bits"

// textDict interns the texts of one column: an open-addressing table of
// indices into a worker's texts, cheaper per lookup than a map keyed by
// string for the categories of a column. Each slot holds a key besides the
// index: a text of at most 7 bytes is its own key (its bytes and its
// length), so finding it compares one integer; a longer text's key is its
// hash, and a matching key is confirmed on the bytes, which the slot points
// at, so that a lookup touches one slot and the text's bytes, not also a
// separate array of keys and the slice of texts.
type textDict struct {
	slots []dictSlot // len is a power of two
}

// dictSlot is one entry of a textDict; an empty one has code 0.
type dictSlot struct {
	key  uint64
	text string // the text, for long keys
	code int32  // index+1 into the texts
}

// textKey is t's key (see textDict); short reports whether the key alone
// identifies t. Short keys have a length below 8 in their top byte, long
// keys have the top bit set.
func textKey[T string | []byte](t T) (key uint64, short bool) {
	if len(t) <= 7 {
		for i := 0; i < len(t); i++ {
			key |= uint64(t[i]) << (8 * i)
		}
		return key | uint64(len(t))<<56, true
	}
	// A multiplicative hash of the text's 8-byte words and its tail: a
	// long text costs a few operations a word, not a byte.
	h := uint64(len(t)) * 0x9e3779b97f4a7c15
	for len(t) >= 8 {
		w := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
		h = (h ^ w) * 0xbf58476d1ce4e5b9
		h ^= h >> 31
		t = t[8:]
	}
	var w uint64
	for i := 0; i < len(t); i++ {
		w |= uint64(t[i]) << (8 * i)
	}
	h = (h ^ w) * 0x94d049bb133111eb
	h ^= h >> 29
	return h | 1<<63, false
}

// slotOf is where the probe for key starts: the high bits of a
// multiplicative hash, which spread packed bytes that differ in one byte.
func (d *textDict) slotOf(key uint64) uint64 {
	return (key * 0x9e3779b97f4a7c15) >> (64 - bits.TrailingZeros(uint(len(d.slots))))
}

// code returns the index of t in *texts, appending t if it is new.
func (d *textDict) code(t []byte, texts *[]string) int {
	key, _ := textKey(t)
	return d.codeKey(t, key, texts)
}

// codeKey is code for a text whose key is known.
func (d *textDict) codeKey(t []byte, key uint64, texts *[]string) int {
	// At most an eighth of a small table is used, so a lookup rarely
	// probes twice; half of a large one, so a column of many distinct
	// texts does not clear megabytes per block.
	if n := len(*texts) + 1; 8*n > len(d.slots) && (len(d.slots) < 4096 || 2*n > len(d.slots)) {
		d.grow(*texts)
	}
	short := key>>63 == 0
	mask := uint64(len(d.slots) - 1)
	for i := d.slotOf(key); ; i = (i + 1) & mask {
		s := &d.slots[i]
		if s.code == 0 {
			text := string(t)
			*texts = append(*texts, text)
			*s = dictSlot{key: key, text: text, code: int32(len(*texts))}
			return len(*texts) - 1
		}
		if s.key == key && (short || s.text == string(t)) {
			return int(s.code - 1)
		}
	}
}

// grow doubles the table (to at least 256 slots) and re-enters texts.
func (d *textDict) grow(texts []string) {
	n := max(256, 2*len(d.slots))
	d.slots = make([]dictSlot, n)
	mask := uint64(n - 1)
	for code, s := range texts {
		key, _ := textKey(s)
		i := d.slotOf(key)
		for d.slots[i].code != 0 {
			i = (i + 1) & mask
		}
		d.slots[i] = dictSlot{key: key, text: s, code: int32(code + 1)}
	}
}
