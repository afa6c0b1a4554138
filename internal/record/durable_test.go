package record

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPendingWritesAtomicallyAndSyncs(t *testing.T) {
	dir := t.TempDir()
	var p Pending
	defer p.Close()
	paths := []string{filepath.Join(dir, "runs", "a", "1.json"), filepath.Join(dir, "runs", "b", "2.json")}
	for i, path := range paths {
		if err := p.WriteFile(path, []byte(strings.Repeat("x", i+1))); err != nil {
			t.Fatal(err)
		}
	}
	// Visible at once, before Sync: a reader or a later command sees it.
	for i, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(b, []byte(strings.Repeat("x", i+1))) {
			t.Fatalf("%s: %q, %v", path, b, err)
		}
		st, _ := os.Stat(path)
		if st.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want 0644", path, st.Mode().Perm())
		}
		left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*"))
		if len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
	}
	if err := p.Sync(); err != nil {
		t.Fatal(err)
	}
	if len(p.files) != 0 {
		t.Errorf("files still pending after Sync: %v", p.files)
	}
	if err := p.Sync(); err != nil {
		t.Fatalf("nothing pending: %v", err)
	}
}

// Where the filesystem cannot be synced at once, each file is: one gone
// before it could be synced is an error, not a record said to be on disk.
func TestPendingSyncEachReportsAFileItCannotSync(t *testing.T) {
	dir := t.TempDir()
	var p Pending
	defer p.Close()
	path := filepath.Join(dir, "r.json")
	if err := p.WriteFile(path, []byte("{}\n")); err != nil {
		t.Fatal(err)
	}
	if err := p.syncEach(); err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
	if err := p.syncEach(); err == nil || !strings.Contains(err.Error(), "r.json") {
		t.Fatalf("syncEach after the file was removed: %v", err)
	}
}
