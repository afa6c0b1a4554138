package table

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// textDict interns the texts of one column: an open-addressing table of
// a worker's texts, cheaper per lookup than a map keyed by string for the
// categories of a column. Each text has a key: a text of at most 7 bytes is
// its own key (its bytes and its length), so finding it compares one
// integer; a longer text's key is its hash, and a matching key is
// confirmed on the bytes. A slot holds where the text's record lies in the
// arena, the texts one after another in the order they came, each after
// its key, code and length: a lookup touches a 4-byte slot and then one
// record, key and bytes together, and the frequent texts, which come early,
// share cache lines. The strings handed out point into the arena's chunks,
// which are never moved nor written again once a record is in them.
type textDict struct {
	slots []uint32 // arena offset+1 of a record; 0 is empty; len is a power of two
	// chunks are the arena: offset o lies in chunks[o>>chunkBits]. A
	// record longer than a chunk has a chunk of its own, and the indices
	// it spans after the first are nil.
	chunks [][]byte
}

const (
	// recordHead is the bytes of a record before its text: key (8
	// bytes), code (4), text length (4). The text is padded to 8 bytes.
	recordHead = 16
	chunkBits  = 16
	chunkSize  = 1 << chunkBits
	// maxChunks bounds the arena, so that offsets fit a slot.
	maxChunks = 1 << 14
)

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
		d.grow()
	}
	short := key>>63 == 0
	mask := uint64(len(d.slots) - 1)
	for i := d.slotOf(key); ; i = (i + 1) & mask {
		s := d.slots[i]
		if s == 0 {
			code := len(*texts)
			o, text := d.add(t, key, code)
			*texts = append(*texts, text)
			d.slots[i] = o + 1
			return code
		}
		rec := d.chunks[(s-1)>>chunkBits][(s-1)&(chunkSize-1):]
		if binary.LittleEndian.Uint64(rec) != key {
			continue
		}
		if short || int(binary.LittleEndian.Uint32(rec[12:])) == len(t) && string(rec[recordHead:recordHead+len(t)]) == string(t) {
			return int(binary.LittleEndian.Uint32(rec[8:]))
		}
	}
}

// recordLen is the bytes of the record of a text of n bytes.
func recordLen(n int) int { return recordHead + (n+7)&^7 }

// add appends the record of t to the arena and returns its offset and the
// text as a string that points into it.
func (d *textDict) add(t []byte, key uint64, code int) (uint32, string) {
	n := recordLen(len(t))
	last := len(d.chunks) - 1
	if last < 0 || len(d.chunks[last])+n > cap(d.chunks[last]) {
		// A new chunk, twice the last up to chunkSize, so that a column
		// of a few texts takes a few hundred bytes; one of its own for a
		// record longer than a chunk.
		d.chunks = append(d.chunks, make([]byte, 0, max(n, 512<<min(len(d.chunks), 7))))
		for range (n - 1) / chunkSize {
			d.chunks = append(d.chunks, nil)
		}
		last = len(d.chunks) - 1 - (n-1)/chunkSize
	}
	c := d.chunks[last]
	o := len(c)
	c = c[:o+n]
	binary.LittleEndian.PutUint64(c[o:], key)
	binary.LittleEndian.PutUint32(c[o+8:], uint32(code))
	binary.LittleEndian.PutUint32(c[o+12:], uint32(len(t)))
	copy(c[o+recordHead:], t)
	d.chunks[last] = c
	text := ""
	if len(t) > 0 {
		text = unsafe.String(&c[o+recordHead], len(t))
	}
	return uint32(last<<chunkBits + o), text
}

// full reports whether the arena is too large to take another block's
// texts.
func (d *textDict) full() bool { return len(d.chunks) > maxChunks }

// reset forgets every text; the strings handed out keep their chunks.
func (d *textDict) reset() {
	clear(d.slots)
	d.chunks = nil
}

// grow doubles the table (to at least 256 slots) and re-enters the
// records.
func (d *textDict) grow() {
	n := max(256, 2*len(d.slots))
	d.slots = make([]uint32, n)
	mask := uint64(n - 1)
	for ci, c := range d.chunks {
		for o := 0; o < len(c); o += recordLen(int(binary.LittleEndian.Uint32(c[o+12:]))) {
			i := d.slotOf(binary.LittleEndian.Uint64(c[o:]))
			for d.slots[i] != 0 {
				i = (i + 1) & mask
			}
			d.slots[i] = uint32(ci<<chunkBits+o) + 1
		}
	}
}
