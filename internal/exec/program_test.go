package exec

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProgramVersion(t *testing.T) {
	dir := t.TempDir()
	env := []string{"PATH=/usr/bin:/bin"}
	py := writeScript(t, dir, "python3", `echo "Python 3.99.1"`)
	if got := programVersion(context.Background(), "python3", py, dir, env); got != "Python 3.99.1" {
		t.Errorf("python3: %q, want %q", got, "Python 3.99.1")
	}
	// Python 2 answered on stderr; blank lines and control characters are dropped.
	py2 := writeScript(t, dir, "python2.7", `printf '\n  Python 2.7.18\r\n' >&2`)
	if got := programVersion(context.Background(), "python2.7", py2, dir, env); got != "Python 2.7.18" {
		t.Errorf("python2.7: %q, want %q", got, "Python 2.7.18")
	}
	// A program that is not a known interpreter is not run at all.
	marker := filepath.Join(dir, "ran")
	sh := writeScript(t, dir, "train.sh", "touch "+marker)
	if got := programVersion(context.Background(), "./train.sh", sh, dir, env); got != "" {
		t.Errorf("train.sh: %q, want none", got)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("train.sh was run to ask its version")
	}
	// A failing answer is no version.
	bad := writeScript(t, dir, "node", "exit 3")
	if got := programVersion(context.Background(), "node", bad, dir, env); got != "" {
		t.Errorf("failing node: %q, want none", got)
	}
}

// TestProgramVersionNeverHangs: an interpreter that does not answer, and
// leaves a child holding its output open, costs the timeout and no more.
func TestProgramVersionNeverHangs(t *testing.T) {
	dir := t.TempDir()
	slow := writeScript(t, dir, "python3", "sleep 60 & sleep 60")
	start := time.Now()
	if got := programVersion(context.Background(), "python3", slow, dir, []string{"PATH=/usr/bin:/bin"}); got != "" {
		t.Errorf("got %q, want none", got)
	}
	if d := time.Since(start); d > versionProbeTimeout+5*time.Second {
		t.Errorf("the probe took %s", d)
	}
}

func TestLocalProgram(t *testing.T) {
	for _, tc := range []struct{ name, resolved, code, want string }{
		{"python3", "/usr/bin/python3", "train", "/usr/bin/python3"},
		{"./run.sh", "/tmp/work/src/run.sh", "train", "train/run.sh"},
		{"bin/run", "/tmp/work/src/bin/run", "", "bin/run"},
		{"/opt/py/bin/python", "/opt/py/bin/python", "train", "/opt/py/bin/python"},
	} {
		if got := localProgram(tc.name, tc.resolved, tc.code); got != tc.want {
			t.Errorf("localProgram(%q, %q, %q) = %q, want %q", tc.name, tc.resolved, tc.code, got, tc.want)
		}
	}
}
