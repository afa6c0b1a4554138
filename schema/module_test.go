package schema

import (
	"os"
	"regexp"
	"testing"

	"cuelang.org/go/cue/format"
	"cuelang.org/go/mod/modfile"
	"cuelang.org/go/mod/module"
)

// TestModuleFile: the schema module is a valid CUE module whose path
// carries its major version, written for the CUE language version of the
// cuelang.org/go that ctgit is built with (go.mod's), so that the cue
// command users run at that version reads it as ctgit does.
func TestModuleFile(t *testing.T) {
	f, err := modfile.Parse([]byte(ModuleFile), "cue.mod/module.cue")
	if err != nil {
		t.Fatal(err)
	}
	if f.Module != ImportPath {
		t.Errorf("module %q, want %q", f.Module, ImportPath)
	}
	if err := module.CheckPath(f.Module); err != nil {
		t.Error(err)
	}
	if f.MajorVersion() != "v0" {
		t.Errorf("major version %q, want v0 while ctgit is v0.x", f.MajorVersion())
	}
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*cuelang\.org/go (v\S+)`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod requires no cuelang.org/go")
	}
	if got := LanguageVersion(); got != string(m[1]) {
		t.Errorf("language.version %s, go.mod pins cuelang.org/go %s: set it in schema/cue.mod/module.cue", got, m[1])
	}
}

// TestGeneratedFilesFormatted: what ctgit writes into a user's repository
// is in cue fmt's format, so ctgit fmt --check passes there.
func TestGeneratedFilesFormatted(t *testing.T) {
	files := map[string]string{"module.cue (schema)": ModuleFile, "module.cue (user)": UserModuleFile()}
	for _, f := range Vendored("v1.2.3") {
		files[f.Path] = string(f.Data)
	}
	for name, src := range files {
		out, err := format.Source([]byte(src))
		if err != nil {
			t.Errorf("%s: %v", name, err)
		} else if string(out) != src {
			t.Errorf("%s is not formatted:\n%s\nwant\n%s", name, src, out)
		}
	}
	if _, err := modfile.Parse([]byte(UserModuleFile()), "cue.mod/module.cue"); err != nil {
		t.Errorf("the user module file: %v", err)
	}
}
