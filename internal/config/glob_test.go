package config

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ctgit/ctgit/internal/pos"
)

// TestPathFilterGitHubCheatSheet pins the examples of GitHub's "filter
// pattern cheat sheet" for paths (workflow syntax for GitHub Actions): each
// list selects the paths in match and none of those in miss.
func TestPathFilterGitHubCheatSheet(t *testing.T) {
	for _, tc := range []struct {
		globs       []string
		match, miss []string
	}{
		{[]string{"*"}, []string{"README.md", "server.rb"}, []string{"docs/README.md"}},
		{[]string{"*.jsx?"}, []string{"page.js", "page.jsx"}, []string{"page.jsxx", "src/page.js"}},
		{[]string{"**"}, []string{"all/the/files.md"}, nil},
		{[]string{"*.js"}, []string{"app.js", "index.js"}, []string{"js/index.js"}},
		{[]string{"**.js"}, []string{"index.js", "js/index.js", "src/js/app.js"}, []string{"index.jsx"}},
		{[]string{"docs/*"}, []string{"docs/README.md", "docs/file.txt"}, []string{"docs/mona/octocat.txt"}},
		{[]string{"docs/**"}, []string{"docs/README.md", "docs/mona/octocat.txt"}, []string{"docs", "mydocs/a"}},
		{[]string{"docs/**/*.md"}, []string{"docs/README.md", "docs/mona/hello-world.md", "docs/a/markdown/file.md"}, []string{"docs/a.txt"}},
		{[]string{"**/docs/**"}, []string{"docs/hello.md", "dir/docs/my-file.txt", "space/docs/plan/space.doc"}, []string{"mydocs/a"}},
		{[]string{"**/README.md"}, []string{"README.md", "js/README.md"}, []string{"README.mdx"}},
		{[]string{"**/*src/**"}, []string{"a/src/app.js", "my-src/code/js/app.js"}, []string{"src"}},
		{[]string{"**/*-post.md"}, []string{"my-post.md", "path/their-post.md"}, nil},
		{[]string{"**/migrate-*.sql"}, []string{"migrate-10909.sql", "db/migrate-v1.0.sql", "db/sept/migrate-v1.sql"}, nil},
		{[]string{"*.md", "!README.md"}, []string{"hello.md"}, []string{"README.md", "docs/hello.md"}},
		{[]string{"*.md", "!README.md", "README*"}, []string{"hello.md", "README.md", "README.doc"}, nil},
		// The branch examples use the same characters.
		{[]string{"v[12].[0-9].[0-9]"}, []string{"v1.2.3", "v2.0.0"}, []string{"v3.0.0", "v1.10.1"}},
		{[]string{"[CB]at", "[1-2]00"}, []string{"Cat", "Bat", "100", "200"}, []string{"Hat", "300"}},
		// What the earlier matcher got right stays right.
		{[]string{"features/**/*.py"}, []string{"features/a/b.py", "features/b.py"}, []string{"features/b.pyc"}},
		{[]string{"features/*.py"}, []string{"features/b.py"}, []string{"features/a/b.py"}},
		{[]string{"**/*.sql"}, []string{"sql/x/y.sql", "y.sql"}, nil},
		{[]string{"data/*.csv"}, []string{"data/x.csv"}, []string{"other/x.csv"}},
		// What issue 12 saw match nothing.
		{[]string{"data/*/raw/**"}, []string{"data/eu/raw/x.csv", "data/us/raw/2026/01.csv"}, []string{"data/raw/x.csv", "data/eu/clean/x.csv"}},
		{[]string{"**.sql"}, []string{"a.sql", "db/q/a.sql"}, []string{"a.sqlx"}},
		{[]string{"data/**.csv"}, []string{"data/a.csv", "data/x/y/b.csv"}, []string{"data.csv", "other/a.csv"}},
		{[]string{`a\*b`, `c\?`, `\!x`, "{x,y}"}, []string{"a*b", "c?", "!x", "{x,y}"}, []string{"axb", "c", "x"}},
		{[]string{"!*.md"}, nil, []string{"a.md", "a.txt"}},
	} {
		f, err := CompilePathFilter(tc.globs)
		if err != nil {
			t.Fatalf("%q: %v", tc.globs, err)
		}
		for _, name := range tc.match {
			if f.Match(name) == "" {
				t.Errorf("%q should select %q", tc.globs, name)
			}
		}
		for _, name := range tc.miss {
			if by := f.Match(name); by != "" {
				t.Errorf("%q should not select %q (selected by %q)", tc.globs, name, by)
			}
		}
	}
}

func TestCompilePathGlobErrors(t *testing.T) {
	for glob, want := range map[string]string{
		"":                "empty pattern",
		"!":               "empty pattern",
		"a//b":            "empty path element",
		"a/":              "empty path element",
		"?a":              "preceding character",
		"a/?b":            "preceding character",
		"a??":             "preceding character",
		"c++/*.h":         "`+`",
		"[a-z":            "without `]`",
		"a]":              "without `[`",
		"[]x":             "empty `[]`",
		"[!a]x":           "no negated classes",
		"[z-a]":           "ranges go from",
		"[a-Z]":           "ranges go from",
		`a\`:              "escapes nothing",
		"**a**b**c**d**e": "more than 4",
	} {
		_, err := CompilePathGlob(glob)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CompilePathGlob(%q) = %v, want an error containing %q", glob, err, want)
		}
	}
}

// referenceRegexp is the cheat sheet's wording turned into a regular
// expression, independent of doublestar: the oracle FuzzPathGlob checks the
// translation against.
func referenceRegexp(pat string) *regexp.Regexp {
	pat = strings.TrimPrefix(pat, "!")
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for i := 0; i < len(pat); i++ {
		switch c := pat[i]; c {
		case '*':
			if i+1 < len(pat) && pat[i+1] == '*' {
				for i+1 < len(pat) && pat[i+1] == '*' {
					i++
				}
				if (i == 1 || pat[i-2] == '/') && i+1 < len(pat) && pat[i+1] == '/' {
					b.WriteString(`(?:.*/)?`)
					i++
				} else {
					b.WriteString(`.*`)
				}
				continue
			}
			b.WriteString(`[^/]*`)
		case '?':
			b.WriteString(`?`)
		case '[':
			j := strings.IndexByte(pat[i:], ']') + i
			b.WriteString(`[`)
			for _, r := range pat[i+1 : j] {
				if r == '-' {
					b.WriteByte('-')
				} else {
					b.WriteString(regexp.QuoteMeta(string(r)))
				}
			}
			b.WriteString(`]`)
			i = j
		case '\\':
			_, n := utf8.DecodeRuneInString(pat[i+1:])
			b.WriteString(regexp.QuoteMeta(pat[i+1 : i+1+n]))
			i += n
		default:
			_, n := utf8.DecodeRuneInString(pat[i:])
			b.WriteString(regexp.QuoteMeta(pat[i : i+n]))
			i += n - 1
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// FuzzPathGlob checks that whatever pattern CompilePathGlob accepts matches
// a repository path exactly when the cheat sheet's reading of it does.
func FuzzPathGlob(f *testing.F) {
	for _, seed := range [][2]string{
		{"**.sql", "db/a.sql"}, {"data/*/raw/**", "data/eu/raw/x.csv"}, {"*.jsx?", "page.js"},
		{"docs/**", "docs"}, {"**/README.md", "README.md"}, {"a**/b", "a/b"}, {"[CB]at?", "Ca"},
		{`a\{b\}`, "a{b}"}, {"x**y**z", "x/y/z"}, {"**/**", "a"}, {"é?x", "x"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pat, name string) {
		if !utf8.ValidString(pat) || !utf8.ValidString(name) || !repoPath(name) {
			return
		}
		g, err := CompilePathGlob(pat)
		if err != nil {
			return
		}
		want := referenceRegexp(pat).MatchString(name)
		if got := g.Match(name); got != want {
			t.Fatalf("%q on %q: got %v, the cheat sheet says %v (doublestar patterns %q)", pat, name, got, want, g.alts)
		}
	})
}

// repoPath reports whether name could be a file's path in a Git tree.
func repoPath(name string) bool {
	if name == "" {
		return false
	}
	for _, e := range strings.Split(name, "/") {
		if e == "" {
			return false
		}
	}
	return true
}

func TestUnmatchedPaths(t *testing.T) {
	files := []string{"data/eu/raw/a.csv", "db/q.sql", "README.md"}
	for _, tc := range []struct {
		globs []string
		want  []string // paths of the warnings
	}{
		{[]string{"data/*/raw/**", "**.sql"}, nil},
		{[]string{"data/*/raw/**", "dbt/**", "!nothing/**"}, []string{"pipelines.p.trigger.paths[1]"}},
		{[]string{"data/**", "!data/*/raw/**"}, []string{"pipelines.p.trigger.paths"}},
		{[]string{"!README.md"}, []string{"pipelines.p.trigger.paths"}},
	} {
		p := &Pipeline{Name: "p", Trigger: Trigger{Paths: tc.globs, Pos: pos.Parse("p.cue:1:1"), PathsPos: make([]Pos, len(tc.globs))}}
		for i := range tc.globs {
			p.Trigger.PathsPos[i] = Pos{File: "p.cue", Line: 2, Col: i + 1}
		}
		var got []string
		for _, d := range UnmatchedPaths(&Config{Pipelines: []*Pipeline{p}}, files, true) {
			got = append(got, d.Path)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: warnings at %q, want %q", tc.globs, got, tc.want)
		}
	}
}
