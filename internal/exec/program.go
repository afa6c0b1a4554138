package exec

import (
	"bytes"
	"context"
	osexec "os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
	"unicode"
)

// versionProbeTimeout bounds asking an interpreter its version: the answer
// is a nicety for the record, never worth delaying or hanging a run.
const versionProbeTimeout = 3 * time.Second

// interpreterName matches the programs whose version is worth asking and
// cheap to get with --version: Python (python, python3, python3.12), R's
// Rscript, Julia and Node.
var interpreterName = regexp.MustCompile(`^(python[0-9.]*|pypy[0-9.]*|Rscript|julia|node)$`)

// localProgram is what the record names as the program the local executor
// started: the resolved absolute path for a command found in PATH, the
// path under train.code for a relative one (the copy ctgit ran lives in a
// scratch directory that is gone after the run).
func localProgram(name, resolved, code string) string {
	if strings.Contains(name, "/") && !filepath.IsAbs(name) {
		return path.Join(filepath.ToSlash(code), filepath.ToSlash(name))
	}
	return resolved
}

// programVersion asks a known interpreter for its version, with the step's
// environment and working directory, and returns the first line it printed
// ("Python 3.11.2"); "" for other programs, or when the answer is not there
// within versionProbeTimeout. Its process group is killed afterwards, so a
// wrapper (a pyenv shim) leaves nothing behind.
func programVersion(ctx context.Context, name, resolved, dir string, env []string) string {
	if !interpreterName.MatchString(filepath.Base(name)) {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, versionProbeTimeout)
	defer cancel()
	cmd := osexec.CommandContext(ctx, resolved, "--version")
	cmd.Dir, cmd.Env = dir, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// A child that keeps the pipe open must not keep us waiting.
	cmd.WaitDelay = time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if err != nil {
		return ""
	}
	return firstVersionLine(out.String())
}

// firstVersionLine is the first non-blank line of a --version answer,
// trimmed and cut to 80 bytes so it fits on one trailer line.
func firstVersionLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return -1
			}
			return r
		}, strings.ToValidUTF8(line, "")))
		if line == "" {
			continue
		}
		if len(line) > 80 {
			line = strings.ToValidUTF8(line[:80], "")
		}
		return line
	}
	return ""
}
