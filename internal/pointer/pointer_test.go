package pointer

import (
	"strings"
	"testing"
)

func TestParseLFS(t *testing.T) {
	const oid = "sha256:3104151281b1030c40b45c42259351af08dd4fbc7c0f06c83f13bcb915703c6b"
	for _, tc := range []struct {
		name, text string
		ok         bool
		size       int64
	}{
		{"pointer", "version https://git-lfs.github.com/spec/v1\noid " + oid + "\nsize 12\n", true, 12},
		{"extension lines", "version https://git-lfs.github.com/spec/v1\next-0-foo sha256:ab\noid " + oid + "\nsize 7\n", true, 7},
		{"data", "x,c\n1,a\n", false, 0},
		{"no oid", "version https://git-lfs.github.com/spec/v1\nsize 12\n", false, 0},
		{"bad size", "version https://git-lfs.github.com/spec/v1\noid " + oid + "\nsize -1\n", false, 0},
		{"too long to be a pointer", "version https://git-lfs.github.com/spec/v1\noid " + oid + "\n" + strings.Repeat("x", 1100), false, 0},
		{"short oid", "version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 12\n", false, 0},
		{"version without newline", "version https://git-lfs.github.com/spec/v1", false, 0},
	} {
		p, ok := ParseLFS([]byte(tc.text))
		if ok != tc.ok || (ok && (p.OID != oid || p.Size != tc.size)) {
			t.Errorf("%s: %+v %v, want ok=%v size=%d", tc.name, p, ok, tc.ok, tc.size)
		}
	}
}
