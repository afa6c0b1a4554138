// Package cuetest builds the cue command at the version of cuelang.org/go
// that ctgit is built with, so tests can check ctgit against the real tool
// its users run.
package cuetest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Binary returns the path of a cue binary built from the module cache at
// the version go.mod requires. When it cannot be built (no module cache, no
// network for cue's own dependencies) the test is skipped with the reason,
// except under CI=true, where that is a failure: CI must run the check.
func Binary(t testing.TB) string {
	t.Helper()
	binary, reason := build(t.TempDir())
	if binary == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cannot build the cue command: %s", reason)
		}
		t.Skipf("cannot build the cue command: %s", reason)
	}
	return binary
}

// build builds cue into dir; it returns the binary, or why there is none.
// Go's build cache makes every build after the first one quick.
func build(dir string) (binary, reason string) {
	// The module's directory in the module cache: cue is built there, as
	// its own main module, so its go.sum (not ctgit's) pins its
	// dependencies.
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "cuelang.org/go").Output()
	mod := strings.TrimSpace(string(out))
	if err != nil || mod == "" {
		return "", "go list -m cuelang.org/go: " + errText(err)
	}
	bin := filepath.Join(dir, "cue")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/cue")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "go build ./cmd/cue in " + mod + ": " + errText(err) + ": " + strings.TrimSpace(string(out))
	}
	return bin, ""
}

func errText(err error) string {
	if err == nil {
		return "no directory"
	}
	if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
		return strings.TrimSpace(string(ee.Stderr))
	}
	return err.Error()
}
