package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ctgit/ctgit/internal/cuetest"
)

// TestCUEFilesFormatted is CI's `ctgit fmt --check` over the project: every
// .cue file of the schema, the pipelines and the examples is in cue fmt's
// format (testdata is left out: rewrite's inputs are odd on purpose).
func TestCUEFilesFormatted(t *testing.T) {
	files, err := cueFilesUnder([]string{"../.."})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("found only %d .cue files under the repository: %v", len(files), files)
	}
	changed, err := formatCUEFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changed {
		t.Errorf("%s is not formatted: run ctgit fmt %s", c.path, c.path)
	}
}

// TestFmtMatchesCue formats unformatted CUE with ctgit and with the cue
// command at the version ctgit pins: the bytes must be the same.
func TestFmtMatchesCue(t *testing.T) {
	cue := cuetest.Binary(t)
	for name, src := range map[string]string{
		"align.cue":    "package p\n\nx: {\n    a:   1\n  bbbb: \"two\"\n\n\n  c: [1,2,  3]\n}\n",
		"comments.cue": "// doc\npackage p\nimport \"list\"\n// about y\ny:  list.Sum([1,2]) // trailing\nz :   3\n",
		"example.cue":  "pipelines: fraud: {\n\ttrain: {\n\t\timage:   \"python:3.12-slim\"\n\t\tcode:    \"train\"\n\t\tcommand: [\"python3\", \"train.py\"]\n\t}\n}\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			ours, err := formatCUE(name, []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if string(ours) == src {
				t.Fatalf("input is already formatted; the case tests nothing")
			}
			cmd := exec.Command(cue, "fmt", "--files", path)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("cue fmt: %v\n%s", err, out)
			}
			theirs, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(ours) != string(theirs) {
				t.Errorf("ctgit fmt:\n%s\ncue fmt:\n%s", ours, theirs)
			}
		})
	}
}

// TestFmtKeepsMode: the atomic rewrite keeps the file's permissions.
func TestFmtKeepsMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.cue")
	if err := os.WriteFile(path, []byte("x:    1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"fmt", path}, &out, &errb, environment{}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "x: 1\n" || st.Mode().Perm() != 0o600 {
		t.Errorf("after fmt: %q mode %v; want \"x: 1\\n\" mode 0600", got, st.Mode().Perm())
	}
}
