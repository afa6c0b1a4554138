package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ctgit/ctgit/internal/dataset"
	"github.com/ctgit/ctgit/internal/fsutil"
	"github.com/ctgit/ctgit/internal/table"
)

// cleanRel rejects paths that are empty, absolute or climb out with "..".
func cleanRel(rel string) error { return dataset.CleanRel(rel) }

// DataFile checks a data file: a regular file inside the repository
// (RepoFile). A Git LFS pointer is accepted (ctgit reads its object), and
// so is a missing file that DVC tracks ("<rel>.dvc" beside it): its
// identity comes from the .dvc file, and reading it says to pull it.
func DataFile(root, rel string) error {
	abs := filepath.Join(root, filepath.FromSlash(rel))
	if err := RepoFile(root, rel, false); err != nil {
		if _, statErr := os.Lstat(abs); errors.Is(statErr, fs.ErrNotExist) && cleanRel(rel) == nil {
			if _, err := os.Stat(abs + ".dvc"); err == nil {
				return nil
			}
		}
		return err
	}
	return nil
}

// RepoFile checks that rel names an existing file (or directory, when
// wantDir) inside root, also after following symlinks.
func RepoFile(root, rel string, wantDir bool) error {
	if err := cleanRel(rel); err != nil {
		return err
	}
	abs := filepath.Join(root, filepath.FromSlash(rel))
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s does not exist", rel)
		}
		return fmt.Errorf("%s: %w", rel, err)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	if r, err := filepath.Rel(realRoot, resolved); err != nil || !filepath.IsLocal(r) {
		return fmt.Errorf("%s is a symlink that leaves the repository (to %s)", rel, resolved)
	}
	st, err := os.Stat(resolved)
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	if wantDir && !st.IsDir() {
		return fmt.Errorf("%s is a file, not a directory", rel)
	}
	if !wantDir && st.IsDir() {
		return fmt.Errorf("%s is a directory, not a file", rel)
	}
	if !wantDir && !st.Mode().IsRegular() {
		return regularOnly(rel, st.Mode())
	}
	if wantDir {
		return regularTree(resolved, rel)
	}
	return nil
}

// regularTree refuses a directory (train.code) that holds a FIFO, a socket
// or a device, which hashing or copying it for the step would block on;
// it skips what the digest skips.
func regularTree(dir, rel string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && (d.Name() == "__pycache__" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		mode := d.Type()
		if mode&fs.ModeSymlink != 0 {
			st, err := os.Stat(p)
			if err != nil {
				return nil // the digest reports a dangling or escaping link
			}
			mode = st.Mode().Type()
		}
		if mode != 0 && !mode.IsDir() {
			inner, _ := filepath.Rel(dir, p)
			return regularOnly(path.Join(rel, filepath.ToSlash(inner)), mode)
		}
		return nil
	})
}

// regularOnly is the refusal of a data or code file that is a FIFO, a
// socket or a device: hashing or reading it could block forever or never
// end, so ctgit reads regular files only.
func regularOnly(rel string, mode fs.FileMode) error {
	return fmt.Errorf("%s is %s, not a regular file: ctgit reads only regular files, since reading this one could block or never end", rel, fsutil.Kind(mode))
}

// DataFormat returns "csv" or "parquet" for a data file, from format when
// it is not "auto", else from the extension; "" when unknown.
func DataFormat(file, format string) string {
	if format != "" && format != "auto" {
		return format
	}
	switch strings.ToLower(path.Ext(table.TrimCompressed(file))) {
	case ".csv":
		return "csv"
	case ".parquet", ".pq":
		return "parquet"
	}
	return ""
}
