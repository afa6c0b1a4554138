// Package scaffold holds the starter repository that `ctgit init` writes: an
// example pipeline that vets, plans and runs as it stands (with its small
// data, stdlib-Python trainer and YAML target), the GitHub Actions workflow
// of examples/workflows/ctgit.yml, and a .gitignore for ctgit's local state.
package scaffold

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ctgit/ctgit/internal/fsutil"
)

// files is the starter repository; "all:" keeps .github and .gitignore.
//
//go:embed all:files
var files embed.FS

// WorkflowPath is where the scaffold puts the GitHub Actions workflow, a copy
// of examples/workflows/ctgit.yml.
const WorkflowPath = ".github/workflows/ctgit.yml"

// File is one file of the starter repository.
type File struct {
	// Path is slash-separated and relative to the repository root.
	Path string
	// Data is the file's content.
	Data []byte
	// Mode is its permission bits: 0755 for scripts, else 0644.
	Mode fs.FileMode
}

// Files returns the starter repository's files, sorted by path.
func Files() []File {
	var out []File
	err := fs.WalkDir(files, "files", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if strings.HasSuffix(p, ".py") || strings.HasSuffix(p, ".sh") {
			mode = 0o755
		}
		out = append(out, File{Path: strings.TrimPrefix(p, "files/"), Data: data, Mode: mode})
		return nil
	})
	if err != nil {
		// The files are compiled in; failing to read them is a build bug.
		panic(fmt.Sprintf("scaffold: reading embedded files: %v", err))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// The workflow template installs ctgit through these two references, which
// Pin.apply replaces; the template itself is examples/workflows/ctgit.yml.
const (
	templateAction  = "uses: ctgit/ctgit@main"
	templateVersion = "CTGIT_VERSION: latest"
)

// Pin is the ctgit that the scaffolded workflow installs: the action's
// reference and the version it downloads.
type Pin struct {
	// Action is the `uses:` reference, "ctgit/ctgit@v1.2.3".
	Action string
	// Version is the action's version input, "v1.2.3" (or "latest").
	Version string
	// Pinned is true when both name one release.
	Pinned bool
	// Note says why the workflow is not pinned; empty when it is.
	Note string
}

// PinTo returns the pin to a ctgit release tag ("v1.2.3"). A development
// build ("" release) has no tag whose binaries and action exist, so its
// workflow keeps the template's ctgit/ctgit@main with the latest release,
// and Note says so.
func PinTo(release string) Pin {
	if release == "" {
		return Pin{
			Action: "ctgit/ctgit@main", Version: "latest",
			Note: "this ctgit is a development build, which no release matches; " +
				"set ctgit/ctgit@vX.Y.Z and CTGIT_VERSION: vX.Y.Z to a release tag, or run ctgit init from a release",
		}
	}
	return Pin{Action: "ctgit/ctgit@" + release, Version: release, Pinned: true}
}

// apply rewrites the workflow template's references to p's.
func (p Pin) apply(workflow []byte) []byte {
	s := strings.ReplaceAll(string(workflow), templateAction, "uses: "+p.Action)
	s = strings.ReplaceAll(s, templateVersion, "CTGIT_VERSION: "+p.Version)
	return []byte(s)
}

// ErrExists is returned, wrapped in an *ExistsError, when files of the
// starter repository already exist and overwriting was not asked for.
var ErrExists = errors.New("file exists")

// ExistsError lists the starter files already present in the directory.
type ExistsError struct {
	// Paths are slash-separated, relative to the directory, sorted.
	Paths []string
}

func (e *ExistsError) Error() string {
	verb := "exists"
	if len(e.Paths) > 1 {
		verb = "exist"
	}
	return fmt.Sprintf("%s already %s; nothing was written: move it away or pass --force to overwrite",
		strings.Join(e.Paths, ", "), verb)
}

// Unwrap makes errors.Is(err, ErrExists) hold.
func (e *ExistsError) Unwrap() error { return ErrExists }

// Write writes the starter repository into dir, its workflow installing
// the ctgit of pin, creating directories as needed, and returns the paths
// written. Unless force, it first checks
// every file and writes nothing when any exists (an *ExistsError naming
// them); a path whose place is taken by a directory, or by a file where a
// directory must go, is an error even with force. Each file is written
// atomically.
func Write(dir string, force bool, pin Pin) ([]string, error) {
	return writeFiles(dir, force, pin.files(Files()))
}

// files returns fsys with its workflow pinned.
func (p Pin) files(fsys []File) []File {
	for i, f := range fsys {
		if f.Path == WorkflowPath {
			fsys[i].Data = p.apply(f.Data)
		}
	}
	return fsys
}

// writeFiles is Write for the files fsys.
func writeFiles(dir string, force bool, fsys []File) ([]string, error) {
	var exist []string
	for _, f := range fsys {
		for d := path.Dir(f.Path); d != "."; d = path.Dir(d) {
			if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(d))); err == nil && !st.IsDir() {
				return nil, fmt.Errorf("%s is a file where ctgit init needs a directory", d)
			}
		}
		target := filepath.Join(dir, filepath.FromSlash(f.Path))
		if st, err := os.Stat(target); err == nil {
			if st.IsDir() {
				return nil, fmt.Errorf("%s is a directory where ctgit init writes a file", f.Path)
			}
			exist = append(exist, f.Path)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("checking %s: %w", f.Path, err)
		}
	}
	if len(exist) > 0 && !force {
		return nil, &ExistsError{Paths: exist}
	}
	var written []string
	for _, f := range fsys {
		target := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return written, fmt.Errorf("creating the directory of %s: %w", f.Path, err)
		}
		if err := fsutil.WriteFileAtomic(target, f.Data, f.Mode); err != nil {
			return written, fmt.Errorf("writing %s: %w", f.Path, err)
		}
		written = append(written, f.Path)
	}
	return written, nil
}
