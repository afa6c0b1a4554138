package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"
	"github.com/rogpeppe/go-internal/txtar"
)

// TestDecodeValueMatchesCUE decodes the settings and every pipeline of the
// examples and of the CUE files in the CLI's test scripts and corpus with
// both decodeValue and cue's Value.Decode, and requires the same values and
// the same errors.
func TestDecodeValueMatchesCUE(t *testing.T) {
	var dirs []string
	examples, err := filepath.Glob(filepath.Join("..", "..", "examples", "*", "pipelines"))
	if err != nil {
		t.Fatal(err)
	}
	dirs = append(dirs, examples...)
	archives, err := filepath.Glob(filepath.Join("..", "..", "cmd", "ctgit", "testdata", "*", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range archives {
		a, err := txtar.ParseFile(name)
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), filepath.Base(name))
		cueFiles := 0
		for _, f := range a.Files {
			if !strings.HasSuffix(f.Name, ".cue") {
				continue
			}
			p := filepath.Join(dir, f.Name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			cueFiles++
		}
		if cueFiles > 0 {
			dirs = append(dirs, dir)
		}
	}
	if len(examples) < 4 || len(dirs) < 50 {
		t.Fatalf("found %d example and %d directories in all; expected the examples and the CLI's test pipelines", len(examples), len(dirs))
	}

	ctx := cuecontext.New()
	schemaV, err := compileSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	compare := func(where string, v cue.Value, newX func() any) {
		t.Helper()
		if v.Validate(cue.Concrete(true)) != nil {
			return
		}
		want, got := newX(), newX()
		werr, gerr := v.Decode(want), decodeValue(v, got)
		if fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Errorf("%s: Value.Decode: %v; decodeValue: %v", where, werr, gerr)
		}
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s: decodeValue gave\n%#v\nValue.Decode gave\n%#v", where, got, want)
		}
		compared++
	}
	compare("#Settings", schemaV.LookupPath(cue.ParsePath("#Settings")), func() any { return new(Settings) })
	for _, dir := range dirs {
		for _, inst := range load.Instances([]string{"./..."}, &load.Config{Dir: dir}) {
			if inst.Err != nil {
				continue
			}
			user := ctx.BuildInstance(inst)
			if user.Err() != nil {
				continue
			}
			unified := schemaV.Unify(user)
			if sv := unified.LookupPath(cue.ParsePath("settings")); sv.Exists() {
				compare(dir+": settings", sv, func() any { return new(Settings) })
			}
			iter, err := unified.LookupPath(cue.ParsePath("pipelines")).Fields()
			if err != nil {
				continue
			}
			for iter.Next() {
				compare(dir+": "+iter.Selector().String(), iter.Value(), func() any { return new(Pipeline) })
			}
		}
	}
	if compared < 50 {
		t.Fatalf("compared %d values; expected the settings and pipelines of every directory", compared)
	}
	t.Logf("compared %d values from %d directories", compared, len(dirs))
}
