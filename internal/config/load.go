package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"

	"github.com/ctgit/ctgit/internal/startgc"
	"github.com/ctgit/ctgit/schema"
)

// Config is everything declared under a pipelines directory: repository
// settings and the pipelines, decoded into plain Go values.
type Config struct {
	// Root is the absolute path of the repository root; every path in the
	// config is relative to it.
	Root string `json:"-"`
	// Dir is the pipelines directory, relative to Root.
	Dir       string      `json:"dir"`
	Settings  Settings    `json:"settings"`
	Pipelines []*Pipeline `json:"pipelines"`

	// fields locates every field the user declared, settings included.
	fields fieldPositions
}

// Pipeline returns the pipeline named name, or nil.
func (c *Config) Pipeline(name string) *Pipeline {
	for _, p := range c.Pipelines {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// isSchemaFile reports whether a position is inside the embedded schema, or
// a vendored dependency such as the schema's module, rather than in a file
// of the user's.
func isSchemaFile(name string) bool { return name == schema.Filename || inCUEMod(name) }

// Load reads every CUE package under dir (a directory inside root), unifies
// it with ctgit's schema and checks what CUE cannot. All problems found are
// returned together as Diagnostics, located relative to root.
func Load(root, dir string) (*Config, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	absDir := dir
	if !filepath.IsAbs(absDir) {
		absDir = filepath.Join(root, dir)
	}
	pz := positioner{root: root, fields: fieldPositions{}}
	relDir := pz.rel(absDir)

	files, err := cueFiles(absDir)
	if err != nil {
		return nil, Diagnostics{{File: relDir, Message: err.Error()}}
	}
	if len(files) == 0 {
		return nil, Diagnostics{{File: relDir, Message: "no CUE files here: declare pipelines in files such as " +
			relDir + "/NAME.cue holding `pipelines: NAME: {...}` (see `ctgit init`)"}}
	}

	// The evaluation of an unchanged directory is kept in the user's cache
	// (see loadcache.go); ctgit's own checks below run on every load.
	lc := openLoadCache(root, absDir, files)
	var (
		cfg     *Config
		schemaV cue.Value
		ds      Diagnostics
	)
	cached := lc.read()
	if cfg = cached; cfg != nil {
		cfg.Root, cfg.Dir = root, relDir
		pz.fields = cfg.fields
	} else {
		cfg = &Config{Root: root, Dir: relDir, fields: pz.fields}
		if schemaV, ds, err = evaluate(cfg, absDir, pz); err != nil {
			return nil, err
		}
	}
	for _, p := range cfg.Pipelines {
		p.fields = pz.fields
		locate(p)
	}
	sort.Slice(cfg.Pipelines, func(i, j int) bool { return cfg.Pipelines[i].Name < cfg.Pipelines[j].Name })

	if len(ds) == 0 && len(cfg.Pipelines) == 0 {
		ds = append(ds, Diagnostic{File: relDir, Message: "no pipelines declared: add `pipelines: NAME: {...}` to a CUE file here"})
	}
	// What the evaluation yielded is what the cache keeps, taken before
	// the checks, which may complete the decoded values.
	var snapshot []byte
	if len(ds) == 0 && cached == nil {
		snapshot = lc.encode(cfg)
	}
	if !settingsBroken(ds) {
		ds = append(ds, check(cfg)...)
	}
	if len(ds) > 0 {
		if !schemaV.Exists() {
			if schemaV, err = compileSchema(cuecontext.New()); err != nil {
				return nil, err
			}
		}
		suggestFields(ds, schemaV)
		return nil, ds.sortAndDedupe()
	}
	lc.write(snapshot)
	return cfg, nil
}

// evaluateGCPercent is the GOGC CUE's evaluation runs under.
var evaluateGCPercent = 400

// collectLess sets the collector's GOGC to percent until the returned
// function restores it. Until the process's first collection, startgc
// holds the collector off, and that collection restores Go's settings
// (GOGC 100): in the middle of an evaluation, which then ran under GOGC 100
// (a cold plan of 1,000 pipelines spent a sixth more CPU than with GOGC in
// the environment, which startgc leaves alone), and the restore at its
// end put startgc's hold back, leaving the collector off for the rest of
// the process. So once startgc lets go, the setting is applied again, and
// what the end restores is what startgc restored.
func collectLess(percent int) (restore func()) {
	prev := debug.SetGCPercent(percent)
	select {
	case <-startgc.Released():
		return func() { debug.SetGCPercent(prev) }
	default:
	}
	var mu sync.Mutex
	// again applies percent after startgc's restore, keeping what that
	// restored for the end; it changes nothing when startgc's restore came
	// before the setting above.
	again := func() {
		if p := debug.SetGCPercent(percent); p != percent {
			prev = p
		}
	}
	stop := make(chan struct{})
	go func() {
		select {
		case <-startgc.Released():
			mu.Lock()
			defer mu.Unlock()
			select {
			case <-stop:
			default:
				again()
			}
		case <-stop:
		}
	}()
	return func() {
		mu.Lock()
		defer mu.Unlock()
		close(stop)
		select {
		case <-startgc.Released():
			again() // in case the goroutine has not yet
		default:
		}
		debug.SetGCPercent(prev)
	}
}

// compileSchema compiles ctgit's embedded schema in ctx.
func compileSchema(ctx *cue.Context) (cue.Value, error) {
	v := ctx.CompileString(schema.Source, cue.Filename(schema.Filename))
	if err := v.Err(); err != nil {
		return cue.Value{}, fmt.Errorf("compiling ctgit's embedded schema: %w", err)
	}
	return v, nil
}

// evaluate loads every CUE package under absDir, unifies it with ctgit's
// schema and decodes settings and pipelines into cfg, recording the
// position of every declared field in pz. It returns the compiled schema
// and the problems CUE found; an error is ctgit's own failure.
func evaluate(cfg *Config, absDir string, pz positioner) (cue.Value, Diagnostics, error) {
	// CUE's evaluation allocates many short-lived values, and with the
	// default GOGC a third of its time went to collecting them; collecting
	// less often while it runs costs memory (see the README) only for the
	// time of the evaluation.
	defer collectLess(evaluateGCPercent)()
	ctx := cuecontext.New()
	schemaV, err := compileSchema(ctx)
	if err != nil {
		return cue.Value{}, nil, err
	}
	var ds Diagnostics
	insts := load.Instances([]string{"./..."}, &load.Config{Dir: absDir})
	pipelinePos := map[string]Pos{}
	var settingsPos Pos
	for _, inst := range insts {
		if inst.Err != nil {
			ds = append(ds, pz.fromCUE(inst.Err)...)
			continue
		}
		var instFiles []string
		for _, f := range inst.BuildFiles {
			instFiles = append(instFiles, pz.rel(f.Filename))
		}
		sort.Strings(instFiles)

		user := ctx.BuildInstance(inst)
		if err := user.Err(); err != nil {
			// A package that imports the schema module fails here; Err
			// holds only the first of its errors, Validate lists them all.
			if all := user.Validate(); all != nil {
				err = all
			}
			ds = append(ds, pz.fromCUE(err)...)
			continue
		}
		overflows := map[string]Diagnostics{}
		pz.fields.record(user, pz, nil, nil, overflows)
		unified := schemaV.Unify(user)
		// Report every problem of the package, then decode each pipeline
		// that is valid on its own, so one broken pipeline does not hide the
		// problems of the others.
		if err := unified.Validate(); err != nil {
			ds = append(ds, pz.fromCUE(err)...)
		}

		// Settings: at most one package may declare them.
		if sv := user.LookupPath(cue.ParsePath("settings")); sv.Exists() {
			if !settingsPos.IsZero() {
				ds = append(ds, pz.diag(sv.Pos(), "settings", "settings are declared again; first declared at %s", settingsPos))
			} else {
				settingsPos = pz.valuePos(sv)
				if ods := overflows[fieldKey("settings")]; len(ods) > 0 {
					ds = append(ds, ods...)
				} else if err := decodeConcrete(unified.LookupPath(cue.ParsePath("settings")), &cfg.Settings); err != nil {
					ds = append(ds, pz.fromCUE(err)...)
				}
			}
		}

		iter, err := unified.LookupPath(cue.ParsePath("pipelines")).Fields()
		if err != nil {
			ds = append(ds, pz.fromCUE(err)...)
			continue
		}
		for iter.Next() {
			name := iter.Selector().Unquoted()
			path := cue.MakePath(cue.Str("pipelines"), cue.Str(name))
			uv := user.LookupPath(path)
			pos := pz.valuePos(uv)
			if pos.IsZero() && len(instFiles) > 0 {
				pos = Pos{File: instFiles[0]}
			}
			if first, dup := pipelinePos[name]; dup {
				ds = append(ds, diagAt(pos, "pipelines."+name, "pipeline %q is declared again; first declared at %s", name, first))
				continue
			}
			pipelinePos[name] = pos

			if ods := overflows[fieldKey("pipelines", name)]; len(ods) > 0 {
				ds = append(ds, ods...)
				continue
			}
			var p Pipeline
			if err := decodeConcrete(iter.Value(), &p); err != nil {
				ds = append(ds, pz.fromCUE(err)...)
				continue
			}
			p.Pos = pos
			p.Files = instFiles
			cfg.Pipelines = append(cfg.Pipelines, &p)
		}
	}
	if settingsPos.IsZero() {
		// No package declared settings: take the schema's defaults.
		if err := decodeConcrete(schemaV.LookupPath(cue.ParsePath("#Settings")), &cfg.Settings); err != nil {
			return cue.Value{}, nil, fmt.Errorf("decoding default settings: %w", err)
		}
	}
	return schemaV, ds, nil
}

// decodeConcrete validates v as concrete and decodes it into x.
func decodeConcrete(v cue.Value, x any) error {
	if err := v.Validate(cue.Concrete(true)); err != nil {
		return err
	}
	return decodeValue(v, x)
}

// cueFiles lists the .cue files under dir, skipping hidden directories and
// cue.mod.
func cueFiles(dir string) ([]string, error) {
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("pipelines directory does not exist")
		}
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("not a directory")
	}
	var files []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != dir && (strings.HasPrefix(d.Name(), ".") || d.Name() == "cue.mod") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".cue") {
			files = append(files, path)
		}
		return nil
	})
	return files, err
}

// locate records, on the decoded pipeline, the positions that later
// failures name (a failed gate, a missing data file), so that they point at
// the line the user wrote. A value the user left to the schema's defaults
// is located at its nearest declared ancestor.
func locate(p *Pipeline) {
	at := p.FieldPos
	p.Model.Pos = at("model", "name")
	p.Model.Target.Pos = at("model", "target")
	p.Data.Pos = at("data")
	p.Data.ReferencePos, p.Data.CurrentPos = at("data", "reference"), at("data", "current")
	if p.declares("data", "reference", "from") {
		p.Data.ReferencePos = at("data", "reference", "from")
	}
	if p.declares("data", "current", "from") {
		p.Data.CurrentPos = at("data", "current", "from")
	}
	p.Promote.Pos = at("promote")
	p.Trigger.Pos = at("trigger")
	p.Trigger.PathsPos = make([]Pos, len(p.Trigger.Paths))
	for i := range p.Trigger.Paths {
		p.Trigger.PathsPos[i] = at("trigger", "paths", strconv.Itoa(i))
	}
	for i := range p.Promote.Channels {
		p.Promote.Channels[i].Target.Pos = at("promote", "channels", strconv.Itoa(i), "target")
	}
	if c := p.Checks; c != nil {
		c.Pos = at("checks")
		c.MinRowsPos = at("checks", "minRows")
		for name, col := range c.Columns {
			col.Pos = at("checks", "columns", name)
			col.FieldPos = ColumnFieldPos{
				Type:         at("checks", "columns", name, "type"),
				Min:          at("checks", "columns", name, "min"),
				Max:          at("checks", "columns", name, "max"),
				Allowed:      at("checks", "columns", name, "allowed"),
				MaxNullShare: at("checks", "columns", name, "maxNullShare"),
				DriftSkip:    at("checks", "columns", name, "drift", "skip"),
			}
			c.Columns[name] = col
		}
		if c.Drift != nil {
			c.Drift.Pos = at("checks", "drift")
			c.Drift.ColumnsPos = at("checks", "drift", "columns")
		}
	}
	if t := p.Train; t != nil {
		t.Pos = at("train")
	}
	for name, s := range p.Steps {
		s.Pos = at("steps", name)
	}
	for name, s := range p.SLIs {
		s.Name, s.Pos, s.QueryPos = name, at("slis", name), at("slis", name, "query")
	}
	if w := p.Watch; w != nil {
		w.Pos = at("watch")
	}
	for i, c := range p.Promote.Channels {
		if c.Analysis != nil {
			c.Analysis.Pos = at("promote", "channels", strconv.Itoa(i), "analysis")
		}
	}
	if e := p.Evaluate; e != nil {
		e.Pos = at("evaluate")
		for i := range e.Gates {
			e.Gates[i].Pos = at("evaluate", "gates", strconv.Itoa(i))
		}
	}
}
