package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/ctgit/ctgit/internal/startgc"
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

// TestRecordOverflowsMatchesWalk checks that the integers too large for
// 64 bits that record reports while locating fields are the ones, with the
// same paths and positions, a walk of each pipeline and of the settings
// by overflows finds.
func TestRecordOverflowsMatchesWalk(t *testing.T) {
	const big = "18446744073709551616"
	srcs := []string{
		`package pipelines
settings: {forge: "github", retries: ` + big + `}
pipelines: a: {checks: {minRows: ` + big + `, columns: "my col": {min: -` + big + `, allowed: [1, ` + big + `]}}}
pipelines: "b-c": {x: y: ` + big + `, z?: ` + big + `}
pipelines: d: {train: timeout: "1m"}
other: ` + big + `
`,
		`package pipelines
pipelines: e: {evaluate: gates: [{metric: "m", min: ` + big + `}, {metric: "n", max: 1}]}
`,
	}
	ctx := cuecontext.New()
	root := t.TempDir()
	pz := positioner{root: root, fields: fieldPositions{}}
	checked := 0
	for i, src := range srcs {
		user := ctx.CompileString(src, cue.Filename(filepath.Join(root, fmt.Sprintf("p%d.cue", i))))
		if err := user.Err(); err != nil {
			t.Fatal(err)
		}
		over := map[string]Diagnostics{}
		fieldPositions{}.record(user, pz, nil, nil, over)
		want := map[string]Diagnostics{}
		if ds := pz.overflows(user.LookupPath(cue.ParsePath("settings")), []string{"settings"}); len(ds) > 0 {
			want[fieldKey("settings")] = ds
		}
		iter, err := user.LookupPath(cue.ParsePath("pipelines")).Fields()
		if err != nil {
			t.Fatal(err)
		}
		for iter.Next() {
			name := iter.Selector().Unquoted()
			if ds := pz.overflows(iter.Value(), []string{"pipelines", name}); len(ds) > 0 {
				want[fieldKey("pipelines", name)] = ds
			}
		}
		for _, ds := range want {
			checked += len(ds)
		}
		if !reflect.DeepEqual(over, want) {
			t.Errorf("source %d: record found\n%v\noverflows found\n%v", i, over, want)
		}
	}
	if checked < 6 {
		t.Fatalf("only %d overflowing integers found; the sources hold more", checked)
	}
}

// gcPercent is the collector's GOGC.
func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

// TestCollectLessOutlivesStartGC checks that the evaluation's GOGC holds
// after startgc's first collection restores Go's settings, and that the
// settings startgc restored are what remains afterwards.
func TestCollectLessOutlivesStartGC(t *testing.T) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOGC or GOMEMLIMIT is set: startgc holds nothing")
	}
	select {
	case <-startgc.Released():
		t.Skip("startgc released the collector before this test")
	default:
	}
	restore := collectLess(400)
	runtime.GC() // the first collection: startgc restores Go's settings
	<-startgc.Released()
	for i := 0; gcPercent() != 400; i++ {
		if i == 1000 {
			t.Fatalf("GOGC is %d after startgc let go; want 400", gcPercent())
		}
		time.Sleep(time.Millisecond)
	}
	restore()
	if p := gcPercent(); p != 100 {
		t.Fatalf("GOGC is %d after the evaluation; want Go's 100", p)
	}
}

// TestCollectLessRestores checks that, once startgc has let go, an
// evaluation's GOGC holds while it runs and is undone at its end.
func TestCollectLessRestores(t *testing.T) {
	if os.Getenv("GOGC") != "" {
		t.Skip("GOGC is set")
	}
	startgc.Release()
	restore := collectLess(400)
	time.Sleep(20 * time.Millisecond) // what runs beside an evaluation has run
	if p := gcPercent(); p != 400 {
		t.Fatalf("GOGC is %d during a later evaluation; want 400", p)
	}
	restore()
	if p := gcPercent(); p != 100 {
		t.Fatalf("GOGC is %d after a later evaluation; want Go's 100", p)
	}
}
