package config

import (
	"os/exec"
	"strings"
	"testing"
)

func TestCheckBranchName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want string // "" when valid
	}{
		{"ctgit/fraud", ""},
		{"release/v1.2", ""},
		{"a-b_c.d", ""},
		{"models/fraud-detector-prod", ""},
		{"", "empty"},
		{"HEAD", "not a branch name"},
		{"-x", `starts with "-"`},
		{"refs/heads/main", `starts with "refs/"`},
		{"a..b", `holds ".."`},
		{"a/.b", `begins with "."`},
		{".a", `begins with "."`},
		{"a.lock", `ends with ".lock"`},
		{"a.lock/b", `ends with ".lock"`},
		{"a/", `begins or ends with "/"`},
		{"/a", `holds "//"`},
		{"a//b", `holds "//"`},
		{"a.", `ends with "."`},
		{"a@{b", `holds "@{"`},
		{"@", `reads @ as HEAD`},
		{"a/@", ""},
		{"a b", `holds ' '`},
		{"a~b", `holds '~'`},
		{"a^b", `holds '^'`},
		{"a:b", `holds ':'`},
		{"a?b", `holds '?'`},
		{"a*b", `holds '*'`},
		{"a[b", `holds '['`},
		{`a\b`, `holds '\\'`},
		{"a\x01b", "control character"},
		{"a\x7fb", "control character"},
	} {
		err := CheckBranchName(tc.name)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: unexpected error %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// FuzzCheckBranchName holds CheckBranchName to git itself: a name it
// accepts must be one `git check-ref-format --branch` accepts (never the
// other way round, so that nothing vet passes is refused by the push).
func FuzzCheckBranchName(f *testing.F) {
	git, err := exec.LookPath("git")
	if err != nil {
		f.Skip("git is needed to compare with")
	}
	for _, s := range []string{"ctgit/fraud", "HEAD", "a..b", "a.lock", "-x", "a//b", "@", "a@{1}", "refs/heads/x", "x/", "a/.b", "ü", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if CheckBranchName(name) != nil || strings.ContainsRune(name, 0) {
			return
		}
		out, err := exec.Command(git, "check-ref-format", "--branch", name).CombinedOutput()
		if err != nil {
			t.Fatalf("CheckBranchName accepts %q, git refuses it: %s", name, out)
		}
		if got := strings.TrimSpace(string(out)); got != name {
			t.Fatalf("CheckBranchName accepts %q, git reads it as %q", name, got)
		}
	})
}
