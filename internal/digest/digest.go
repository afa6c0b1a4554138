// Package digest computes the content digests that step keys, data
// provenance and the artifact store are built on: sha256, streamed, so files
// larger than memory hash in constant space, and remembered per file
// identity (size, modification time, inode) so unchanged large data is not
// hashed again on every plan.
package digest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"

	"github.com/ctgit/ctgit/internal/fsutil"
)

// Prefix is the algorithm prefix of every digest string.
const Prefix = "sha256:"

// Short abbreviates a digest for humans: "sha256:ab12cd34ef56".
func Short(d string) string {
	if len(d) > len(Prefix)+12 {
		return d[:len(Prefix)+12]
	}
	return d
}

// Bytes returns the digest of b.
func Bytes(b []byte) string {
	sum := sha256.Sum256(b)
	return Prefix + hex.EncodeToString(sum[:])
}

// buffers are reused read buffers: hashing many small files should not
// allocate a fresh buffer per file.
var buffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// Reader returns the digest of everything r yields and its length.
func Reader(r io.Reader) (string, int64, error) {
	h := sha256.New()
	buf := buffers.Get().(*[]byte)
	defer buffers.Put(buf)
	n, err := io.CopyBuffer(h, r, *buf)
	if err != nil {
		return "", n, err
	}
	return Prefix + hex.EncodeToString(h.Sum(nil)), n, nil
}

// Memo remembers file digests by file identity. It is safe for concurrent
// use. The zero value is not usable; use NewMemo or LoadMemo.
type Memo struct {
	mu      sync.Mutex
	entries map[string]memoEntry
	path    string // where Save writes; "" for in-memory only
	dirty   bool
}

type memoEntry struct {
	Size   int64  `json:"size"`
	MtimeN int64  `json:"mtimeNs"`
	Inode  uint64 `json:"inode"`
	Digest string `json:"digest"`
}

// NewMemo returns an in-memory memo.
func NewMemo() *Memo { return &Memo{entries: map[string]memoEntry{}} }

// LoadMemo reads the memo kept at path; a missing or unreadable memo starts
// empty, since it only saves work.
func LoadMemo(path string) *Memo {
	m := &Memo{entries: map[string]memoEntry{}, path: path}
	if b, err := os.ReadFile(path); err == nil {
		if json.Unmarshal(b, &m.entries) != nil {
			m.entries = map[string]memoEntry{}
		}
	}
	return m
}

// Save writes the memo atomically if it changed.
func (m *Memo) Save() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.path == "" || !m.dirty {
		return nil
	}
	b, err := json.Marshal(m.entries)
	if err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(m.path, b, 0o644); err != nil {
		return err
	}
	m.dirty = false
	return nil
}

// File returns the digest and size of the regular file at path; anything
// else (a FIFO, a device, a directory) is a *fsutil.NotRegularError, never
// a read that blocks.
func (m *Memo) File(path string) (string, int64, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", 0, err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", 0, err
	}
	if !st.Mode().IsRegular() {
		// A FIFO or a device would block the read or never end it.
		return "", 0, &fsutil.NotRegularError{Path: path, Mode: st.Mode()}
	}
	id := identity(st)
	m.mu.Lock()
	e, ok := m.entries[abs]
	m.mu.Unlock()
	if ok && e.Size == id.Size && e.MtimeN == id.MtimeN && e.Inode == id.Inode {
		return e.Digest, e.Size, nil
	}
	f, err := fsutil.OpenRegular(abs)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	d, n, err := Reader(f)
	if err != nil {
		return "", 0, fmt.Errorf("reading %s: %w", path, err)
	}
	// A file modified while we read it is not remembered: its identity
	// before and after differ, and the next look hashes it again.
	if st2, err := f.Stat(); err == nil && identity(st2) == id {
		id.Digest = d
		m.mu.Lock()
		m.entries[abs] = id
		m.dirty = true
		m.mu.Unlock()
	}
	return d, n, nil
}

func identity(st fs.FileInfo) memoEntry {
	e := memoEntry{Size: st.Size(), MtimeN: st.ModTime().UnixNano()}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		e.Inode = sys.Ino
	}
	return e
}

// Dir returns a digest of a directory tree: the sorted list of its regular
// files' slash paths, modes' executable bit and content digests. Symlinks
// are followed only when they stay inside dir; others are an error, as are
// special files.
func (m *Memo) Dir(dir string) (string, error) {
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	type entry struct{ rel, line string }
	var entries []entry
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if d.Name() == "__pycache__" || (d.Name() == ".git" && path != dir) {
				return filepath.SkipDir
			}
			return nil
		}
		target := path
		if d.Type()&fs.ModeSymlink != 0 {
			target, err = filepath.EvalSymlinks(path)
			if err != nil {
				return err
			}
			if r, err := filepath.Rel(realDir, target); err != nil || r == ".." || len(r) > 2 && r[:3] == ".."+string(filepath.Separator) {
				return fmt.Errorf("%s is a symlink that leaves %s", rel, dir)
			}
		}
		st, err := os.Stat(target)
		if err != nil {
			return err
		}
		if st.IsDir() {
			return nil // a symlink to a directory inside dir: its files are walked there
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", rel)
		}
		dg, _, err := m.File(target)
		if err != nil {
			return err
		}
		exec := "-"
		if st.Mode()&0o111 != 0 {
			exec = "x"
		}
		entries = append(entries, entry{rel, fmt.Sprintf("%s %s %s\n", dg, exec, rel)})
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].rel < entries[j].rel })
	h := sha256.New()
	for _, e := range entries {
		io.WriteString(h, e.line)
	}
	return Prefix + hex.EncodeToString(h.Sum(nil)), nil
}
