package digest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/fsutil"
)

func TestFileMemo(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "data.csv")
	os.WriteFile(p, []byte("a\n1\n"), 0o644)
	sum := sha256.Sum256([]byte("a\n1\n"))
	want := Prefix + hex.EncodeToString(sum[:])

	memoPath := filepath.Join(dir, "memo.json")
	m := LoadMemo(memoPath)
	got, n, err := m.File(p)
	if err != nil || got != want || n != 4 {
		t.Fatalf("File = %s, %d, %v; want %s", got, n, err, want)
	}
	if err := m.Save(); err != nil {
		t.Fatal(err)
	}
	// A new process finds the digest in the saved memo...
	m2 := LoadMemo(memoPath)
	if len(m2.entries) != 1 {
		t.Fatalf("memo has %d entries", len(m2.entries))
	}
	// ...and still notices a change, even one of the same size.
	os.WriteFile(p, []byte("a\n2\n"), 0o644)
	later := time.Now().Add(time.Second)
	os.Chtimes(p, later, later)
	got, _, _ = m2.File(p)
	sum = sha256.Sum256([]byte("a\n2\n"))
	if got != Prefix+hex.EncodeToString(sum[:]) {
		t.Fatal("a changed file kept its old digest")
	}
	// A corrupt memo is ignored, not fatal.
	os.WriteFile(memoPath, []byte("{not json"), 0o644)
	if _, _, err := LoadMemo(memoPath).File(p); err != nil {
		t.Fatal(err)
	}
}

func TestDir(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "pkg"), 0o755)
	os.WriteFile(filepath.Join(dir, "train.py"), []byte("print(1)\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "pkg", "util.py"), []byte("x = 1\n"), 0o644)
	m := NewMemo()
	d1, err := m.Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Byte-compiled caches do not count.
	os.MkdirAll(filepath.Join(dir, "__pycache__"), 0o755)
	os.WriteFile(filepath.Join(dir, "__pycache__", "train.pyc"), []byte("junk"), 0o644)
	if d2, _ := m.Dir(dir); d2 != d1 {
		t.Error("__pycache__ changed the digest")
	}
	// The executable bit does.
	os.Chmod(filepath.Join(dir, "train.py"), 0o755)
	if d3, _ := m.Dir(dir); d3 == d1 {
		t.Error("making a script executable did not change the digest")
	}
	// A symlink out of the tree is refused.
	os.Symlink("/etc/hostname", filepath.Join(dir, "leak"))
	if _, err := m.Dir(dir); err == nil || !strings.Contains(err.Error(), "leak is a symlink that leaves") {
		t.Errorf("escaping symlink: %v", err)
	}
}

// TestFileRefusesSpecialFiles checks that a FIFO without a writer, a
// device and a directory are refused at once instead of read: hashing a
// FIFO would wait for a writer forever, /dev/zero never ends.
func TestFileRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "data.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	for _, p := range []string{fifo, "/dev/zero", dir} {
		done := make(chan error, 1)
		go func() { _, _, err := NewMemo().File(p); done <- err }()
		select {
		case err := <-done:
			var nr *fsutil.NotRegularError
			if !errors.As(err, &nr) {
				t.Errorf("File(%s) = %v, want a NotRegularError", p, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("File(%s) blocks", p)
		}
	}
	// The same in a directory tree.
	if _, err := NewMemo().Dir(dir); err == nil || !strings.Contains(err.Error(), "data.csv is not a regular file") {
		t.Errorf("Dir = %v, want data.csv refused", err)
	}
}
