// Package pointer recognises files that stand for data kept elsewhere: a
// Git LFS pointer left in the work tree when its object was not fetched,
// and a DVC-tracked path (a .dvc file beside it). Package dataset takes
// their identities from them and fetches Git LFS objects; reading a pointer
// as the data would train and test drift on a few lines of metadata, so a
// pointer that still reaches a reader is refused, naming the file and the
// command that fetches the data.
package pointer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/ctgit/ctgit/internal/fsutil"
)

// lfsVersion is the first line of every Git LFS pointer (the Git LFS
// specification, v1).
const lfsVersion = "version https://git-lfs.github.com/spec/v1"

// MaxLFS is the most bytes a Git LFS pointer file holds (the
// specification keeps them under 1024): a larger file is data, and need
// not be opened to tell.
const MaxLFS = 1024

const maxPointer = MaxLFS

// LFS is a parsed Git LFS pointer.
type LFS struct {
	// OID is the object's id, "sha256:<hex>".
	OID string
	// Size is the object's size in bytes.
	Size int64
}

// ParseLFS reads head, the first bytes of a file, as a Git LFS pointer.
func ParseLFS(head []byte) (LFS, bool) {
	if len(head) > maxPointer || !bytes.HasPrefix(head, []byte(lfsVersion+"\n")) {
		return LFS{}, false
	}
	var p LFS
	sc := bufio.NewScanner(bytes.NewReader(head))
	for sc.Scan() {
		key, value, _ := strings.Cut(sc.Text(), " ")
		switch key {
		case "oid":
			p.OID = value
		case "size":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n < 0 {
				return LFS{}, false
			}
			p.Size = n
		}
	}
	if h, ok := strings.CutPrefix(p.OID, "sha256:"); !ok || len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		// The specification's oid is a lowercase hex sha256; anything
		// else names no object a store could hold.
		return LFS{}, false
	}
	return p, true
}

// String is the pointer's canonical text, as Git LFS writes it: what `git
// lfs smudge` reads to give the object.
func (p LFS) String() string {
	return fmt.Sprintf("%s\noid %s\nsize %d\n", lfsVersion, p.OID, p.Size)
}

// ReadLFS reads the file at path as a Git LFS pointer: ok is false for
// any file that is not one (the data itself, or a file larger than a
// pointer); err when it cannot be read or is not a regular file (a FIFO
// would block the read).
func ReadLFS(path string) (p LFS, ok bool, err error) {
	f, err := fsutil.OpenRegular(path)
	if err != nil {
		return LFS{}, false, err
	}
	defer f.Close()
	head := make([]byte, maxPointer+1)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return LFS{}, false, err
	}
	p, ok = ParseLFS(head[:n])
	return p, ok, nil
}

// Error is a data file that is a pointer to data ctgit does not have.
type Error struct {
	// File is the path as the user named it.
	File string
	// Why says what the file is, and Fix how to get the data.
	Why, Fix string
}

func (e *Error) Error() string { return fmt.Sprintf("%s %s; %s", e.File, e.Why, e.Fix) }

// CheckFile refuses f (opened on the file name names) when it is a Git LFS
// pointer. It reads at most the first 1 KiB with ReadAt, so f's offset is
// unchanged.
func CheckFile(f io.ReaderAt, name string) error {
	head := make([]byte, maxPointer+1)
	n, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil // the reader reports its own errors
	}
	p, ok := ParseLFS(head[:n])
	if !ok {
		return nil
	}
	return &Error{File: name,
		Why: fmt.Sprintf("is a Git LFS pointer (%s, %d bytes), not the data: its object was not fetched", shortOID(p.OID), p.Size),
		Fix: fmt.Sprintf("fetch it with `git lfs pull --include %s` (ctgit fetches Git LFS objects itself when it resolves data; a pointer that reaches the reader means that fetch did not happen or failed)", name)}
}

// Check refuses the file at path (named name) when it is a Git LFS pointer.
func Check(path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil // the caller reports a missing or unreadable file
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	return CheckFile(f, name)
}

// DVC says, for a data path that does not exist, whether DVC tracks it
// (a "<path>.dvc" file beside it) and how to get the data; nil otherwise.
func DVC(path, name string) error {
	if _, err := os.Stat(path + ".dvc"); err != nil {
		return nil
	}
	return &Error{File: name,
		Why: fmt.Sprintf("is tracked by DVC (%s.dvc) and its data is not in the work tree", name),
		Fix: fmt.Sprintf("fetch it with `dvc pull %s.dvc` (ctgit does not read DVC remotes itself yet)", name)}
}

func shortOID(oid string) string {
	if len(oid) > len("sha256:")+12 {
		return oid[:len("sha256:")+12] + "…"
	}
	return oid
}
