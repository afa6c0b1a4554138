package plan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/fsutil"
	"github.com/ctgit/ctgit/internal/rewrite"
)

// check finds what the schema cannot: paths that leave the repository or do
// not exist, duplicate model names, gates of no or several kinds, durations
// and schedules that do not parse.
func check(cfg *Config) Diagnostics {
	var ds Diagnostics
	models := map[string]string{}
	for _, p := range cfg.Pipelines {
		pp := "pipelines." + p.Name
		if first, dup := models[p.Model.Name]; dup {
			ds = append(ds, diagAt(p.Model.Pos, pp+".model.name",
				"model %q is already promoted by pipeline %s; model names must be unique", p.Model.Name, first))
		} else {
			models[p.Model.Name] = p.Name
		}

		file := func(pos, field, rel string, wantDir bool) {
			if err := RepoFile(cfg.Root, rel, wantDir); err != nil {
				ds = append(ds, diagAt(pos, pp+"."+field, "%v", err))
			}
		}
		for _, d := range []struct{ field, file, pos string }{
			{"reference", p.Data.Reference, p.Data.ReferencePos},
			{"current", p.Data.Current, p.Data.CurrentPos},
		} {
			file(d.pos, "data."+d.field, d.file, false)
			if DataFormat(d.file, p.Data.Format) == "" {
				ds = append(ds, diagAt(d.pos, pp+".data."+d.field, "cannot tell the format of %q from its extension: use .csv or .parquet, or set data.format", d.file))
			}
		}
		ds = append(ds, checkTarget(cfg.Root, p.Model.Target, pp+".model.target")...)
		for i, ch := range p.Promote.Channels {
			ds = append(ds, checkTarget(cfg.Root, ch.Target, fmt.Sprintf("%s.promote.channels[%d].target", pp, i))...)
		}
		ds = append(ds, checkUnique(p.Promote.Pos, pp+".promote.channels", "channel", channelNames(p.Promote.Channels))...)

		if t := p.Train; t != nil {
			if t.Code != "" {
				file(t.Pos, "train.code", t.Code, true)
			}
			if _, err := ParseDuration(t.Timeout); err != nil {
				ds = append(ds, diagAt(t.Pos, pp+".train.timeout", "%v", err))
			}
			if err := cleanRel(t.Model); err != nil {
				ds = append(ds, diagAt(t.Pos, pp+".train.model", "%v", err))
			}
			for _, s := range t.Secrets {
				if _, clash := t.Env[s]; clash {
					ds = append(ds, diagAt(t.Pos, pp+".train.secrets", "%q is both in env and in secrets: a secret's value comes from the runner's environment only", s))
				}
			}
			for _, c := range t.Caches {
				if !strings.HasPrefix(c, "/") {
					ds = append(ds, diagAt(t.Pos, pp+".train.caches", "cache directory %q must be an absolute path inside the container", c))
				}
			}
		}
		if e := p.Evaluate; e != nil {
			if p.Train == nil {
				ds = append(ds, diagAt(e.Pos, pp+".evaluate", "gates need a train step that produces a candidate"))
			}
			if err := cleanRel(e.Metrics); err != nil {
				ds = append(ds, diagAt(e.Pos, pp+".evaluate.metrics", "%v", err))
			}
			for i, g := range e.Gates {
				if err := checkGate(g); err != nil {
					ds = append(ds, diagAt(g.Pos, fmt.Sprintf("%s.evaluate.gates[%d]", pp, i), "%v", err))
				}
			}
		}
		if c := p.Checks; c != nil {
			for name, col := range c.Columns {
				cp := pp + ".checks.columns." + name
				if col.Min != nil && col.Max != nil && *col.Min > *col.Max {
					ds = append(ds, diagAt(col.FieldPos.Min, cp, "min %g is greater than max %g", *col.Min, *col.Max))
				}
				if (col.Min != nil || col.Max != nil) && col.Type != "number" && col.Type != "integer" {
					ds = append(ds, diagAt(col.Pos, cp, "min and max apply to number and integer columns, not %s", col.Type))
				}
				if col.Allowed != nil && col.Type != "category" && col.Type != "string" && col.Type != "integer" {
					ds = append(ds, diagAt(col.FieldPos.Allowed, cp+".allowed", "allowed values apply to category, string and integer columns, not %s", col.Type))
				}
			}
		}
		tr := p.Trigger
		if tr.Schedule != "" {
			if err := ParseSchedule(tr.Schedule); err != nil {
				ds = append(ds, diagAt(tr.Pos, pp+".trigger.schedule", "%v", err))
			}
		}
		for _, d := range []struct{ field, value string }{
			{"minInterval", tr.MinInterval},
			{"maxRetrains.window", windowOf(tr.MaxRetrains)},
			{"labelLag.maxLag", maxLagOf(tr.LabelLag)},
		} {
			if d.value == "" {
				continue
			}
			if _, err := ParseDuration(d.value); err != nil {
				ds = append(ds, diagAt(tr.Pos, pp+".trigger."+d.field, "%v", err))
			}
		}
		for i, g := range tr.Paths {
			field := fmt.Sprintf("%s.trigger.paths[%d]", pp, i)
			if _, err := CompilePathGlob(g); err != nil {
				ds = append(ds, diagAt(tr.PathsPos[i], field, "bad glob %q: %v", g, err))
			}
		}
	}
	ds = append(ds, checkBranches(cfg.Pipelines)...)
	if err := cleanRel(cfg.Settings.Cache); err != nil {
		ds = append(ds, Diagnostic{Path: "settings.cache", Message: err.Error()})
	}
	return ds
}

// checkBranches rejects two uses of one branch (a model named
// "rollback-fraud" next to model "fraud", a channel "prod" of model "x" next
// to model "x-prod") and a branch that is a directory of another
// ("ctgit/x" and "ctgit/x/y"), which git cannot hold side by side: either
// would make one promotion or rollback replace another's pull request.
func checkBranches(pipelines []*Pipeline) Diagnostics {
	type use struct{ branch, what, pipeline, model, pos, field string }
	var uses []use
	for _, p := range pipelines {
		// The branch names come from the model's name unless promote.branch
		// sets them: point at whichever the user wrote.
		pos, field := p.Model.Pos, "pipelines."+p.Name+".model.name"
		if p.Promote.Branch != "" {
			pos, field = p.Promote.Pos, "pipelines."+p.Name+".promote.branch"
		}
		uses = append(uses, use{p.PromotionBranch(""), "promotion branch", p.Name, p.Model.Name, pos, field})
		for _, c := range p.Promote.Channels {
			uses = append(uses, use{p.PromotionBranch(c.Name), "promotion branch of channel " + c.Name, p.Name, p.Model.Name, pos, field})
		}
		uses = append(uses, use{p.RollbackBranch(), "rollback branch", p.Name, p.Model.Name, pos, field})
	}
	var ds Diagnostics
	reported := map[string]bool{}
	for i, a := range uses {
		for _, b := range uses[:i] {
			if reported[b.branch] || a.model == b.model {
				// One message per branch; a duplicate model name or channel
				// is reported on its own.
				continue
			}
			clash := ""
			switch {
			case a.branch == b.branch:
				clash = "is also"
			case strings.HasPrefix(a.branch, b.branch+"/") || strings.HasPrefix(b.branch, a.branch+"/"):
				clash = "cannot sit in git next to"
			default:
				continue
			}
			reported[b.branch] = true
			ds = append(ds, diagAt(a.pos, a.field,
				"%s %q of pipeline %s %s the %s %q of pipeline %s; rename a model or a channel, or set promote.branch",
				a.what, a.branch, a.pipeline, clash, b.what, b.branch, b.pipeline))
		}
	}
	return ds
}

func checkTarget(root string, t Target, field string) Diagnostics {
	if err := RepoFile(root, t.File, false); err != nil {
		return Diagnostics{diagAt(t.Pos, field+".file", "%v", err)}
	}
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(t.File)))
	if err != nil {
		return Diagnostics{diagAt(t.Pos, field+".file", "%v", err)}
	}
	var ds Diagnostics
	for _, f := range []struct{ name, path string }{{"path", t.Path}, {"artifact", t.Artifact}} {
		if f.path == "" {
			continue
		}
		if _, err := rewrite.Lookup(t.File, src, f.path); err != nil {
			ds = append(ds, diagAt(t.Pos, field+"."+f.name, "promotion target: %v", err))
		}
	}
	return ds
}

func checkGate(g Gate) error {
	var kinds []string
	if g.Min != nil || g.Max != nil {
		kinds = append(kinds, "min/max")
	}
	if g.MaxDropFromBaseline != nil {
		kinds = append(kinds, "maxDropFromBaseline")
	}
	if g.MaxRiseFromBaseline != nil {
		kinds = append(kinds, "maxRiseFromBaseline")
	}
	if g.MaxSliceGap != nil {
		kinds = append(kinds, "maxSliceGap")
	}
	if g.MaxModelBytes != nil {
		kinds = append(kinds, "maxModelBytes")
	}
	switch {
	case len(kinds) == 0:
		return errors.New("gate sets no condition: give min, max, maxDropFromBaseline, maxRiseFromBaseline, maxSliceGap or maxModelBytes")
	case len(kinds) > 1:
		return fmt.Errorf("gate sets %s: one gate checks one condition; split it into several gates", strings.Join(kinds, " and "))
	case g.MaxModelBytes != nil && g.Metric != "":
		return fmt.Errorf("maxModelBytes measures the model artifact itself: remove metric %q", g.Metric)
	case g.MaxModelBytes == nil && g.Metric == "":
		return errors.New("gate needs a metric")
	case g.Min != nil && g.Max != nil && *g.Min > *g.Max:
		return fmt.Errorf("min %g is greater than max %g", *g.Min, *g.Max)
	}
	return nil
}

func checkUnique(pos, field, what string, names []string) Diagnostics {
	seen := map[string]bool{}
	var ds Diagnostics
	for _, n := range names {
		if seen[n] {
			ds = append(ds, diagAt(pos, field, "%s %q is declared twice", what, n))
		}
		seen[n] = true
	}
	return ds
}

func channelNames(cs []Channel) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func windowOf(m *MaxRetrains) string {
	if m == nil {
		return ""
	}
	return m.Window
}

func maxLagOf(l *LabelLag) string {
	if l == nil {
		return ""
	}
	return l.MaxLag
}

// cleanRel rejects paths that are absolute or climb out with "..".
func cleanRel(rel string) error {
	switch {
	case rel == "":
		return errors.New("path is empty")
	case strings.HasPrefix(rel, "/") || filepath.IsAbs(rel):
		return fmt.Errorf("%q is absolute: paths are relative to the repository root", rel)
	case strings.Contains(rel, `\`):
		return fmt.Errorf("%q uses backslashes: write paths with /", rel)
	}
	for _, part := range strings.Split(rel, "/") {
		if part == ".." {
			return fmt.Errorf("%q leaves the repository through \"..\"", rel)
		}
	}
	return nil
}

// RepoFile checks that rel names an existing file (or directory, when
// wantDir) inside root, also after following symlinks.
func RepoFile(root, rel string, wantDir bool) error {
	if err := cleanRel(rel); err != nil {
		return err
	}
	abs := filepath.Join(root, filepath.FromSlash(rel))
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s does not exist", rel)
		}
		return fmt.Errorf("%s: %w", rel, err)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	if r, err := filepath.Rel(realRoot, resolved); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s is a symlink that leaves the repository (to %s)", rel, resolved)
	}
	st, err := os.Stat(resolved)
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	if wantDir && !st.IsDir() {
		return fmt.Errorf("%s is a file, not a directory", rel)
	}
	if !wantDir && st.IsDir() {
		return fmt.Errorf("%s is a directory, not a file", rel)
	}
	if !wantDir && !st.Mode().IsRegular() {
		return regularOnly(rel, st.Mode())
	}
	if wantDir {
		return regularTree(resolved, rel)
	}
	return nil
}

// regularTree refuses a directory (train.code) that holds a FIFO, a socket
// or a device, which hashing or copying it for the step would block on;
// it skips what the digest skips.
func regularTree(dir, rel string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && (d.Name() == "__pycache__" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		mode := d.Type()
		if mode&fs.ModeSymlink != 0 {
			st, err := os.Stat(p)
			if err != nil {
				return nil // the digest reports a dangling or escaping link
			}
			mode = st.Mode().Type()
		}
		if mode != 0 && !mode.IsDir() {
			inner, _ := filepath.Rel(dir, p)
			return regularOnly(path.Join(rel, filepath.ToSlash(inner)), mode)
		}
		return nil
	})
}

// regularOnly is the refusal of a data or code file that is a FIFO, a
// socket or a device: hashing or reading it could block forever or never
// end, so ctgit reads regular files only.
func regularOnly(rel string, mode fs.FileMode) error {
	return fmt.Errorf("%s is %s, not a regular file: ctgit reads only regular files, since reading this one could block or never end", rel, fsutil.Kind(mode))
}

// DataFormat returns "csv" or "parquet" for a data file, from format when
// it is not "auto", else from the extension; "" when unknown.
func DataFormat(file, format string) string {
	if format != "" && format != "auto" {
		return format
	}
	switch strings.ToLower(path.Ext(file)) {
	case ".csv":
		return "csv"
	case ".parquet", ".pq":
		return "parquet"
	}
	return ""
}

// ParseDuration parses a Go duration that may also use days ("7d", "1d12h").
func ParseDuration(s string) (time.Duration, error) {
	var total time.Duration
	rest := s
	if i := strings.Index(rest, "d"); i >= 0 {
		var days float64
		if _, err := fmt.Sscanf(rest[:i], "%g", &days); err != nil || days < 0 || strings.ContainsAny(rest[:i], "hmsun") {
			return 0, fmt.Errorf("duration %q: cannot read days before \"d\"", s)
		}
		total = time.Duration(days * float64(24*time.Hour))
		rest = rest[i+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("duration %q: use units ns, us, ms, s, m, h or d, e.g. \"90m\" or \"7d\"", s)
		}
		total += d
	}
	if total <= 0 {
		return 0, fmt.Errorf("duration %q must be positive", s)
	}
	return total, nil
}

// UnmatchedPaths warns about trigger.paths entries that select none of
// files (the repository's tracked files): a glob that matches nothing
// never triggers a run, and usually holds a typo. Exclusions ("!...") are
// left alone; an include list whose exclusions remove every file it
// selected is warned about at the list. tracked says whether files are
// Git's, for the message.
func UnmatchedPaths(cfg *Config, files []string, tracked bool) Diagnostics {
	where := "no file tracked by Git"
	if !tracked {
		where = "no file in the repository"
	}
	var ds Diagnostics
	for _, p := range cfg.Pipelines {
		tr := p.Trigger
		filter, err := CompilePathFilter(tr.Paths)
		if err != nil || len(filter) == 0 {
			continue // Load reported it
		}
		included, onlyExclusions := false, true
		for i, g := range filter {
			onlyExclusions = onlyExclusions && g.Negate
			if g.Negate {
				continue
			}
			hit := false
			for _, f := range files {
				if g.Match(f) {
					hit = true
					break
				}
			}
			included = included || hit
			if !hit {
				ds = append(ds, diagAt(tr.PathsPos[i], fmt.Sprintf("pipelines.%s.trigger.paths[%d]", p.Name, i),
					"glob %q matches %s, so no change to it will trigger this pipeline", g.Raw, where))
			}
		}
		if onlyExclusions {
			ds = append(ds, diagAt(tr.Pos, fmt.Sprintf("pipelines.%s.trigger.paths", p.Name),
				"holds only exclusions (\"!...\"), which select nothing: list what to include before what to exclude"))
		}
		if included {
			selected := false
			for _, f := range files {
				if filter.Match(f) != "" {
					selected = true
					break
				}
			}
			if !selected {
				ds = append(ds, diagAt(tr.Pos, fmt.Sprintf("pipelines.%s.trigger.paths", p.Name),
					"the exclusions (\"!...\") remove every file the other globs select: the list matches %s", where))
			}
		}
	}
	return ds.sortAndDedupe()
}
