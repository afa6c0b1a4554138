package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestCorpus runs the hostile-input corpus in testdata/corpus: one script per
// case, each a user's mistake or an attacker's input. Every case checks the
// exit code, that the message names what and where, and, with snapshot and
// unchanged, that nothing was written: no file in the work tree (.ctgit
// included), no ref in any repository under $WORK (remotes included).
func TestCorpus(t *testing.T) {
	cases, _ := filepath.Glob(filepath.Join("testdata", "corpus", "*.txtar"))
	t.Logf("hostile-input corpus: %d cases", len(cases))
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/corpus",
		RequireExplicitExec: true,
		Setup:               scriptSetup,
		Cmds:                scriptCmds,
	})
}

func init() {
	// snapshot NAME: record the state of $WORK (every file's digest outside
	// Git's object stores, and every repository's refs).
	scriptCmds["snapshot"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) != 1 {
			ts.Fatalf("usage: snapshot NAME")
		}
		state, err := workState(ts.Getenv("WORK"))
		ts.Check(err)
		ts.Check(os.WriteFile(filepath.Join(ts.Getenv("WORK"), ".snapshot-"+args[0]), []byte(state), 0o644))
	}
	// unchanged NAME: fail, listing the differences, unless $WORK is as
	// snapshot NAME recorded it.
	scriptCmds["unchanged"] = func(ts *testscript.TestScript, neg bool, args []string) {
		if len(args) != 1 {
			ts.Fatalf("usage: unchanged NAME")
		}
		before, err := os.ReadFile(filepath.Join(ts.Getenv("WORK"), ".snapshot-"+args[0]))
		ts.Check(err)
		now, err := workState(ts.Getenv("WORK"))
		ts.Check(err)
		diff := lineDiff(string(before), now)
		switch {
		case neg && diff == "":
			ts.Fatalf("nothing was written since snapshot %s", args[0])
		case !neg && diff != "":
			ts.Fatalf("written since snapshot %s:\n%s", args[0], diff)
		}
	}
}

// workState describes dir: one line per file (path and digest) outside
// .git directories and bare repositories' internals, and one line per ref
// of each repository found.
func workState(dir string) (string, error) {
	var lines []string
	var repos []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if d.Name() == ".git" || strings.HasSuffix(d.Name(), ".git") {
				repos = append(repos, p)
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(rel, ".snapshot-") || strings.HasPrefix(rel, ".gitconfig") {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			// Not followed: a hostile case's link may lead to a FIFO or
			// to /dev/zero, which would hang the snapshot itself.
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			lines = append(lines, fmt.Sprintf("%s -> %s", rel, target))
			return nil
		}
		if d.Type()&fs.ModeType != 0 {
			lines = append(lines, fmt.Sprintf("%s %s", rel, d.Type()))
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			lines = append(lines, fmt.Sprintf("%s unreadable", rel))
			return nil
		}
		sum := sha256.Sum256(b)
		lines = append(lines, fmt.Sprintf("%s %s", rel, hex.EncodeToString(sum[:8])))
		return nil
	})
	if err != nil {
		return "", err
	}
	for _, r := range repos {
		out, err := exec.Command("git", "--git-dir", r, "for-each-ref", "--format=%(refname) %(objectname)").Output()
		if err != nil {
			return "", fmt.Errorf("refs of %s: %w", r, err)
		}
		rel, _ := filepath.Rel(dir, r)
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l != "" {
				lines = append(lines, "ref "+rel+" "+l)
			}
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n", nil
}

func lineDiff(a, b string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	var out []string
	for l := range mb {
		if !ma[l] {
			out = append(out, "+ "+l)
		}
	}
	for l := range ma {
		if !mb[l] {
			out = append(out, "- "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
