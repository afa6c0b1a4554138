package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// repoDir is the root of this repository, found from this file's place.
func repoDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// scriptSetup prepares the environment every script starts from: git
// identity for scripts that commit, no inherited GitHub Actions context, and
// where the repository's examples are.
func scriptSetup(env *testscript.Env) error {
	env.Setenv("GIT_AUTHOR_NAME", "Test")
	env.Setenv("GIT_AUTHOR_EMAIL", "test@example.com")
	env.Setenv("GIT_COMMITTER_NAME", "Test")
	env.Setenv("GIT_COMMITTER_EMAIL", "test@example.com")
	env.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(env.WorkDir, ".gitconfig-none"))
	env.Setenv("GITHUB_ACTIONS", "")
	env.Setenv("GITHUB_TOKEN", "")
	env.Setenv("EXAMPLES", filepath.Join(repoDir(), "examples"))
	return nil
}

// scriptCmds are the commands scripts may use beyond testscript's own.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	// example NAME [DIR]: copy examples/NAME (without local state) into
	// DIR, default the current directory.
	"example": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 1 || len(args) > 2 {
			ts.Fatalf("usage: example NAME [DIR]")
		}
		src := filepath.Join(repoDir(), "examples", args[0])
		dst := ts.MkAbs(".")
		if len(args) == 2 {
			dst = ts.MkAbs(args[1])
		}
		ts.Check(copyTree(src, dst))
	},
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && (d.Name() == ".ctgit" || d.Name() == "__pycache__") {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if strings.HasSuffix(path, ".pyc") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, info.Mode().Perm())
	})
}
