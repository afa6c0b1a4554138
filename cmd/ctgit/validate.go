package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ctgit/ctgit/internal/fault"
)

// Every command checks its flags and arguments first, with the helpers
// below, before it opens the workspace: a refusal writes nothing and runs
// nothing. A usage error is a *flagError, which carries exit code 2.

// flagError is a usage error: a bad flag, a bad argument, flags that
// conflict. It is detected by cobra or by the checks below.
type flagError struct{ err error }

func (e *flagError) Error() string { return e.err.Error() }
func (e *flagError) Unwrap() error { return e.err }

// Fault makes a usage error bad input (exit 2 through exitCode, the one
// place errors become exit codes).
func (e *flagError) Fault() fault.Kind { return fault.BadInput }

// usagef returns a usage error.
func usagef(format string, args ...any) error {
	return &flagError{fmt.Errorf(format, args...)}
}

// checkEnum validates the value of --flag against the values it allows.
func checkEnum(flag, got string, allowed ...string) error {
	if slices.Contains(allowed, got) {
		return nil
	}
	return usagef("--%s %q is not supported here; use one of %s", flag, got, strings.Join(allowed, ", "))
}

// checkFormat validates a --format value against the ones a command allows.
func checkFormat(got string, allowed ...string) error {
	return checkEnum(flagFormat, got, allowed...)
}

// checkExclusive refuses flags that were set together but contradict each
// other; set says which flags the user gave.
func checkExclusive(set func(string) bool, a, b, why string) error {
	if set(a) && set(b) {
		return usagef("--%s and --%s cannot be used together: %s", a, b, why)
	}
	return nil
}

// readFlagFile reads the regular file that --flag names. A FIFO or a
// device is refused rather than read: it could block forever.
func readFlagFile(flag, path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, usagef("--%s %s: %v", flag, path, unwrapPath(err))
	}
	if !st.Mode().IsRegular() {
		return nil, usagef("--%s %s: not a regular file", flag, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--%s %s: %v", flag, path, unwrapPath(err))
	}
	return b, nil
}

// checkDirFlag checks that --flag names an existing directory.
func checkDirFlag(flag, path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return usagef("--%s %s: %v", flag, path, unwrapPath(err))
	}
	if !st.IsDir() {
		return usagef("--%s %s: not a directory", flag, path)
	}
	return nil
}

// checkOutputFlag checks that the file --flag names can be created where
// it is named: it is not a directory, and the nearest of its parent
// directories that exists is a directory (the missing ones are created
// with the file). It writes nothing; the file is written when the work is
// done.
func checkOutputFlag(flag, path string) error {
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return usagef("--%s %s: is a directory; name a file", flag, path)
	}
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		st, err := os.Stat(dir)
		switch {
		case err == nil && !st.IsDir():
			return usagef("--%s %s: %s is not a directory", flag, path, dir)
		case err == nil:
			return nil
		case !errors.Is(err, fs.ErrNotExist):
			return usagef("--%s %s: %v", flag, path, err)
		}
		if filepath.Dir(dir) == dir {
			return nil
		}
	}
}

// checkHTTPURL checks that --flag is an http(s) URL; "" is allowed (the
// default applies).
func checkHTTPURL(flag, u, example string) error {
	if u == "" {
		return nil
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return usagef("--%s %q is not an http(s) URL such as %s", flag, u, example)
	}
	return nil
}

// unwrapPath drops the operation and path a *fs.PathError repeats, since
// the message already names the flag and the path.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
