package table

import (
	"fmt"
	"strings"
	"testing"
)

// TestTextDict interns short, long and very long texts (longer than an
// arena chunk) across several growths and resets, and checks that each
// text keeps its code and its bytes.
func TestTextDict(t *testing.T) {
	text := func(i int) string {
		switch i % 4 {
		case 0:
			return fmt.Sprintf("s%d", i%1000) // a short key
		case 1:
			return fmt.Sprintf("a-longer-category-%d", i%3000)
		case 2:
			return strings.Repeat("x", chunkSize+i%7) + fmt.Sprint(i%5) // a chunk of its own
		}
		return fmt.Sprintf("%d-%s", i%500, strings.Repeat("y", i%200))
	}
	var d textDict
	var texts []string
	codes := map[string]int{}
	for round := range 2 {
		for i := range 20_000 {
			s := text(i)
			got := d.code([]byte(s), &texts)
			want, ok := codes[s]
			if !ok {
				want = len(codes)
				codes[s] = want
			}
			if got != want || texts[got] != s {
				t.Fatalf("round %d, text %d (%.20q): code %d (%.20q), want %d", round, i, s, got, texts[got], want)
			}
		}
		if len(texts) != len(codes) {
			t.Fatalf("%d texts, want %d", len(texts), len(codes))
		}
		kept := append([]string(nil), texts...)
		clones := make([]string, len(kept))
		for i, s := range kept {
			clones[i] = strings.Clone(s)
		}
		d.reset()
		texts, codes = nil, map[string]int{"after the reset": 0}
		d.code([]byte("after the reset"), &texts)
		for i, s := range kept { // the strings handed out outlive a reset
			if s != clones[i] {
				t.Fatalf("text %d changed after a reset", i)
			}
		}
	}
}
