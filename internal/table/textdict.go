package table

import "math/bits"

// textDict interns the texts of one column: an open-addressing table of
// indices into a worker's texts, cheaper per lookup than a map keyed by
// string for the categories of a column. Each text has a key: a text of at
// most 7 bytes is its own key (its bytes and its length), so finding it
// compares one integer; a longer text's key is its hash, and a matching key
// is confirmed on the bytes. Keys and texts lie together in entries, in the
// order the texts came, so that a lookup touches a 4-byte slot, then one
// entry, and the frequent texts, which come early, share cache lines.
type textDict struct {
	slots   []int32 // index+1 into entries; 0 is empty; len is a power of two
	entries []dictEntry
}

// dictEntry is a text of a textDict and its key.
type dictEntry struct {
	key  uint64
	text string
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
	// probes twice; half of a large one, so that a column of many
	// distinct texts costs each worker little memory.
	if n := len(*texts) + 1; 8*n > len(d.slots) && (len(d.slots) < 4096 || 2*n > len(d.slots)) {
		d.grow(*texts)
	}
	short := key>>63 == 0
	mask := uint64(len(d.slots) - 1)
	for i := d.slotOf(key); ; i = (i + 1) & mask {
		s := d.slots[i]
		if s == 0 {
			text := string(t)
			*texts = append(*texts, text)
			d.entries = append(d.entries, dictEntry{key, text})
			d.slots[i] = int32(len(d.entries))
			return len(d.entries) - 1
		}
		if e := &d.entries[s-1]; e.key == key && (short || e.text == string(t)) {
			return int(s - 1)
		}
	}
}

// grow doubles the table (to at least 256 slots) and re-enters texts.
func (d *textDict) grow(texts []string) {
	n := max(256, 2*len(d.slots))
	d.slots = make([]int32, n)
	d.entries = d.entries[:0]
	mask := uint64(n - 1)
	for _, s := range texts {
		key, _ := textKey(s)
		i := d.slotOf(key)
		for d.slots[i] != 0 {
			i = (i + 1) & mask
		}
		d.entries = append(d.entries, dictEntry{key, s})
		d.slots[i] = int32(len(d.entries))
	}
}
