package rewrite

import (
	"fmt"
	"testing"
)

// TestLookupMemo: a source looked up again is answered from its parse, and
// the memo follows the bytes, not the slice or the name alone: the same
// slice changed in place, or another file with the same name, is parsed
// again. Errors are remembered as they were reported.
func TestLookupMemo(t *testing.T) {
	for _, tc := range []struct{ name, src, path, edited string }{
		{"models.cue", "models: {\n\ta: version: \"1.0.0\"\n\tb: version: \"2.0.0\"\n}\n", "models.b.version", "models: {\n\ta: version: \"1.0.0\"\n\tb: version: \"2.0.1\"\n}\n"},
		{"models.yaml", "models:\n  a: {version: 1.0.0}\n  b: {version: 2.0.0}\n", "models.b.version", "models:\n  a: {version: 1.0.0}\n  b: {version: 2.0.1}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := []byte(tc.src)
			for i := range 3 {
				fl, err := Lookup(tc.name, src, tc.path)
				if err != nil || fl.Value != "2.0.0" || fl.Line != 3 {
					t.Fatalf("lookup %d: %+v, %v", i, fl, err)
				}
			}
			copy(src, tc.edited) // same length, same slice
			fl, err := Lookup(tc.name, src, tc.path)
			if err != nil || fl.Value != "2.0.1" {
				t.Fatalf("after an edit in place: %+v, %v; want 2.0.1", fl, err)
			}
			if _, err := Lookup(tc.name, src, "models.c.version"); err == nil {
				t.Fatal("a missing field was found")
			}
			bad := []byte("models: {\n\tb: version: \"2.0.0\"\n")
			if tc.name == "models.yaml" {
				bad = []byte("models:\n  b: [\n")
			}
			_, err1 := Lookup(tc.name, bad, tc.path)
			_, err2 := Lookup(tc.name, bad, tc.path)
			if err1 == nil || fmt.Sprint(err1) != fmt.Sprint(err2) {
				t.Fatalf("invalid source: %v, then %v", err1, err2)
			}
		})
	}
}

// TestLookupMemoBounded: many sources keep at most maxParsed parses.
func TestLookupMemoBounded(t *testing.T) {
	for i := range 3 * maxParsed {
		src := fmt.Appendf(nil, "v: %d\n", i)
		if fl, err := Lookup(fmt.Sprintf("f%d.cue", i), src, "v"); err != nil || fl.Value != fmt.Sprint(i) {
			t.Fatalf("%d: %+v, %v", i, fl, err)
		}
	}
	parsedMemo.Lock()
	n := len(parsedMemo.recent)
	parsedMemo.Unlock()
	if n > maxParsed {
		t.Fatalf("%d parses kept, want at most %d", n, maxParsed)
	}
}
