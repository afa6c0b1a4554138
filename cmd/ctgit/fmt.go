package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/fsutil"
)

// flagCheck makes ctgit fmt list the files it would change instead of
// changing them.
const flagCheck = "check"

func newFmtCmd(env environment) *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "fmt [--check] [PATH...]",
		Short: "Format CUE files as cue fmt does",
		Long: `fmt rewrites every .cue file under each PATH (a file or a directory; default:
--root, else the current directory) in CUE's standard format, the one cue fmt
writes: ctgit formats through the CUE library it is built with, so the bytes
are those of cue fmt at that version. Directories named cue.mod, testdata, or
starting with "." or "_" are skipped unless named as a PATH.

With --check nothing is written: fmt lists the files that are not formatted
and exits 1 if there are any. A file that does not parse is bad input
(exit 2, with its file:line:col), and then no file is written. Each file is
rewritten atomically, keeping its permissions.`,
		Example: `  ctgit fmt                   # format every .cue file of the repository
  ctgit fmt pipelines/fraud.cue
  ctgit fmt --check .         # in CI: list unformatted files, exit 1`,
		// Any number of paths; each is checked to exist in cueFilesUnder.
		Args: usageArgs(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{repoRoot}
				if repoRoot == "" {
					args = []string{"."}
				}
			}
			files, err := cueFilesUnder(args)
			if err != nil {
				return err
			}
			changed, err := formatCUEFiles(files)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if check {
				for _, c := range changed {
					fmt.Fprintln(out, c.path)
				}
				if len(changed) > 0 {
					return fault.Check(fmt.Errorf("%d of %d CUE files are not formatted; run ctgit fmt", len(changed), len(files)))
				}
				return nil
			}
			for _, c := range changed {
				if err := fsutil.WriteFileAtomic(c.path, c.formatted, c.mode); err != nil {
					return fault.Infra(fmt.Errorf("writing %s: %w", c.path, err))
				}
				fmt.Fprintf(out, "formatted %s\n", c.path)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, flagCheck, false, "list the files that are not formatted and exit 1 if any; write nothing")
	return cmd
}

// cueFilesUnder lists the .cue files that the paths name: a file as given,
// a directory walked as cue fmt --files walks it, and testdata skipped too
// (test inputs are often unformatted on purpose).
func cueFilesUnder(paths []string) ([]string, error) {
	var files []string
	for _, arg := range paths {
		arg = filepath.Clean(arg)
		st, err := os.Stat(arg)
		if err != nil {
			return nil, fault.Input(err)
		}
		if !st.IsDir() {
			if !st.Mode().IsRegular() {
				return nil, fault.Input(fmt.Errorf("%s is not a regular file", arg))
			}
			files = append(files, arg)
			continue
		}
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if path != arg && (name == "cue.mod" || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
					return filepath.SkipDir
				}
				return nil
			}
			// A symlink is not followed: it may lead out of the tree.
			if d.Type().IsRegular() && strings.HasSuffix(name, ".cue") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, fault.Infra(err)
		}
	}
	return files, nil
}

// unformatted is a file whose formatted bytes differ from its contents.
type unformatted struct {
	path      string
	formatted []byte
	mode      os.FileMode
}

// formatCUEFiles formats each file in memory and returns those that
// change. A file that does not parse is bad input, and all such files are
// reported together, so that nothing is written when any of them is wrong.
func formatCUEFiles(files []string) ([]unformatted, error) {
	var changed []unformatted
	var errs []error
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, fault.Infra(err)
		}
		out, err := formatCUE(path, src)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !bytes.Equal(out, src) {
			st, err := os.Stat(path)
			if err != nil {
				return nil, fault.Infra(err)
			}
			changed = append(changed, unformatted{path: path, formatted: out, mode: st.Mode().Perm()})
		}
	}
	if len(errs) > 0 {
		return nil, fault.Input(errors.Join(errs...))
	}
	return changed, nil
}

// formatCUE returns src in CUE's standard format: parsed with its comments
// and printed by the CUE formatter with cue fmt's default options.
func formatCUE(filename string, src []byte) ([]byte, error) {
	f, err := parser.ParseFile(filename, src, parser.ParseComments)
	if err != nil {
		var msgs []error
		for _, e := range cueerrors.Errors(err) {
			format, args := e.Msg()
			msgs = append(msgs, fmt.Errorf("%s: %s", e.Position(), fmt.Sprintf(format, args...)))
		}
		return nil, errors.Join(msgs...)
	}
	return format.Node(f)
}
