package pointer

import (
	"strings"
	"testing"
)

const md5Hex = "3a5f0c9d2b1e4f6a8c7d9e0f1a2b3c4d"

// TestParseDVC reads .dvc files as DVC 2 and 3 write them, and refuses
// what carries no md5 ctgit can use.
func TestParseDVC(t *testing.T) {
	for _, tc := range []struct {
		name, text, out string
		want            DVCOut
		err             string
	}{
		{name: "dvc 3 file", out: "current.csv",
			text: "outs:\n- md5: " + md5Hex + "\n  size: 1234\n  hash: md5\n  path: current.csv\n",
			want: DVCOut{Path: "current.csv", MD5: md5Hex, Size: 1234}},
		{name: "dvc 2 file", out: "current.csv",
			text: "outs:\n- md5: " + strings.ToUpper(md5Hex) + "\n  size: 7\n  path: current.csv\n",
			want: DVCOut{Path: "current.csv", MD5: md5Hex, Size: 7}},
		{name: "directory", out: "events",
			text: "outs:\n- md5: " + md5Hex + ".dir\n  size: 5678\n  nfiles: 3\n  hash: md5\n  path: events\n",
			want: DVCOut{Path: "events", MD5: md5Hex + ".dir", Size: 5678, NFiles: 3}},
		{name: "several outs", out: "b.csv",
			text: "outs:\n- md5: " + strings.Repeat("a", 32) + "\n  path: a.csv\n- md5: " + md5Hex + "\n  size: 2\n  path: b.csv\n",
			want: DVCOut{Path: "b.csv", MD5: md5Hex, Size: 2}},
		{name: "several outs, none named", out: "c.csv",
			text: "outs:\n- md5: " + md5Hex + "\n  path: a.csv\n- md5: " + md5Hex + "\n  path: b.csv\n",
			err:  "none of its outs is c.csv"},
		{name: "no outs", out: "x", text: "deps: []\n", err: "it has no outs"},
		{name: "not yaml", out: "x", text: "outs: [\n", err: "not a DVC file"},
		{name: "no md5", out: "x.csv", text: "outs:\n- path: x.csv\n  etag: abc\n", err: "records no md5 of x.csv"},
		{name: "other hash", out: "x.csv", text: "outs:\n- md5: " + md5Hex + "\n  hash: sha256\n  path: x.csv\n", err: "ctgit reads DVC's md5 hash only"},
		{name: "negative size", out: "x.csv", text: "outs:\n- md5: " + md5Hex + "\n  size: -1\n  path: x.csv\n", err: "negative size"},
	} {
		got, err := ParseDVC([]byte(tc.text), "data/"+tc.out+".dvc", tc.out)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: got %+v, %v; want an error with %q", tc.name, got, err, tc.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case got != tc.want:
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// FuzzParseDVC: any .dvc text parses or is refused, never panics, and an
// accepted one has a usable md5.
func FuzzParseDVC(f *testing.F) {
	f.Add("outs:\n- md5: " + md5Hex + "\n  size: 1234\n  hash: md5\n  path: current.csv\n")
	f.Add("outs:\n- md5: " + md5Hex + ".dir\n  size: 1\n  nfiles: 3\n  path: events\n")
	f.Add("outs: [{md5: x}]\n")
	f.Fuzz(func(t *testing.T, text string) {
		o, err := ParseDVC([]byte(text), "x.dvc", "current.csv")
		if err == nil && len(strings.TrimSuffix(o.MD5, ".dir")) != 32 {
			t.Fatalf("accepted md5 %q", o.MD5)
		}
	})
}

// TestLFSString: the canonical text of a pointer parses back to it.
func TestLFSString(t *testing.T) {
	p := LFS{OID: "sha256:" + strings.Repeat("ab", 32), Size: 42}
	got, ok := ParseLFS([]byte(p.String()))
	if !ok || got != p {
		t.Fatalf("ParseLFS(%q) = %+v, %v", p.String(), got, ok)
	}
}
