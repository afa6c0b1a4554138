package main

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
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
	// The project's own CI sets CI=true; a script that exercises CI mode
	// says so itself.
	env.Setenv("CI", "")
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
	// widecsv FILE ROWS SEED SPEC...: write a CSV file of ROWS generated
	// rows, one column per SPEC: NAME is normal(100, 10), NAME*F the same
	// scaled by F (a shifted feature), NAME:bin 0 or 1, NAME:ts a label
	// timestamp.
	"widecsv": func(ts *testscript.TestScript, neg bool, args []string) {
		if neg || len(args) < 4 {
			ts.Fatalf("usage: widecsv FILE ROWS SEED SPEC...")
		}
		rows, err := strconv.Atoi(args[1])
		ts.Check(err)
		seed, err := strconv.ParseUint(args[2], 10, 64)
		ts.Check(err)
		path := ts.MkAbs(args[0])
		ts.Check(os.MkdirAll(filepath.Dir(path), 0o755))
		ts.Check(os.WriteFile(path, wideCSV(rows, seed, args[3:]), 0o644))
	},
}

func wideCSV(rows int, seed uint64, specs []string) []byte {
	rng := rand.New(rand.NewPCG(seed, seed))
	var b strings.Builder
	for i, s := range specs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strings.FieldsFunc(s, func(r rune) bool { return r == '*' || r == ':' })[0])
	}
	b.WriteByte('\n')
	for range rows {
		for i, s := range specs {
			if i > 0 {
				b.WriteByte(',')
			}
			name, kind, _ := strings.Cut(s, ":")
			_, factor, scaled := strings.Cut(name, "*")
			switch {
			case kind == "bin":
				b.WriteString(strconv.Itoa(rng.IntN(2)))
			case kind == "ts":
				b.WriteString("2026-11-01T00:00:00Z")
			default:
				f := 1.0
				if scaled {
					f, _ = strconv.ParseFloat(factor, 64)
				}
				b.WriteString(strconv.FormatFloat(f*(100+10*rng.NormFloat64()), 'f', 2, 64))
			}
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
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
