// Package golden compares test output with files under testdata, the one
// way ctgit's tests keep expected output: CTGIT_UPDATE_GOLDEN=1 rewrites the
// files from what the code produces, to be read in the diff before commit.
package golden

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Update reports whether golden files are being rewritten.
func Update() bool { return os.Getenv("CTGIT_UPDATE_GOLDEN") == "1" }

// Check compares got with the file at path, rewriting it first when
// Update() is true.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got; CTGIT_UPDATE_GOLDEN=1 rewrites):\n%s", path, d)
	}
}
