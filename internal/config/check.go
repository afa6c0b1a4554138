package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/fsutil"
	"github.com/ctgit/ctgit/internal/rewrite"
	"github.com/ctgit/ctgit/internal/semver"
)

// check finds what the schema cannot: paths that leave the repository or do
// not exist, duplicate model names, gates of no or several kinds, durations
// and schedules that do not parse. It decodes the durations it checks into
// their time.Duration fields, so nothing downstream parses them again.
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

		file := func(pos Pos, field, rel string, wantDir bool) {
			if err := RepoFile(cfg.Root, rel, wantDir); err != nil {
				ds = append(ds, diagAt(pos, pp+"."+field, "%v", err))
			}
		}
		for _, d := range []struct {
			field, file string
			pos         Pos
		}{
			{"reference", p.Data.Reference, p.Data.ReferencePos},
			{"current", p.Data.Current, p.Data.CurrentPos},
		} {
			file(d.pos, "data."+d.field, d.file, false)
			if DataFormat(d.file, p.Data.Format) == "" {
				ds = append(ds, diagAt(d.pos, pp+".data."+d.field, "cannot tell the format of %q from its extension: use .csv or .parquet, or set data.format", d.file))
			}
		}
		ds = append(ds, checkTarget(cfg.Root, p, p.Model.Target, []string{"model", "target"}, true)...)
		for i, ch := range p.Promote.Channels {
			ds = append(ds, checkTarget(cfg.Root, p, ch.Target, []string{"promote", "channels", strconv.Itoa(i), "target"}, false)...)
		}
		ds = append(ds, checkUniqueChannels(p)...)
		for i, t := range append([]Target{p.Model.Target}, channelTargets(p)...) {
			at := []string{"model", "target", "artifactFormat"}
			if i > 0 {
				at = []string{"promote", "channels", strconv.Itoa(i - 1), "target", "artifactFormat"}
			}
			if t.ArtifactFormat == ArtifactOCIImage && !strings.HasPrefix(cfg.Settings.Artifacts, "oci://") {
				ds = append(ds, diagAt(p.FieldPos(at...), "pipelines."+p.Name+"."+strings.Join(at, "."),
					"artifactFormat %q names an image in an OCI registry, but settings.artifacts is %s: use an oci:// store, or \"uri\"", t.ArtifactFormat, cfg.Settings.Artifacts))
			}
		}

		if t := p.Train; t != nil {
			if t.Code != "" {
				file(p.FieldPos("train", "code"), "train.code", t.Code, true)
			}
			if d, err := ParseDuration(t.Timeout); err != nil {
				ds = append(ds, diagAt(p.FieldPos("train", "timeout"), pp+".train.timeout", "%v", err))
			} else {
				t.TimeoutDuration = d
			}
			if err := cleanRel(t.Model); err != nil {
				ds = append(ds, diagAt(p.FieldPos("train", "model"), pp+".train.model", "%v", err))
			}
			for i, s := range t.Secrets {
				if _, clash := t.Env[s]; clash {
					ds = append(ds, diagAt(p.FieldPos("train", "secrets", strconv.Itoa(i)), pp+".train.secrets", "%q is both in env and in secrets: a secret's value comes from the runner's environment only", s))
				}
			}
			for i, c := range t.Caches {
				if !strings.HasPrefix(c, "/") {
					ds = append(ds, diagAt(p.FieldPos("train", "caches", strconv.Itoa(i)), pp+".train.caches", "cache directory %q must be an absolute path inside the container", c))
				}
			}
		}
		if e := p.Evaluate; e != nil {
			if p.Train == nil {
				ds = append(ds, diagAt(e.Pos, pp+".evaluate", "gates need a train step that produces a candidate"))
			}
			if err := cleanRel(e.Metrics); err != nil {
				ds = append(ds, diagAt(p.FieldPos("evaluate", "metrics"), pp+".evaluate.metrics", "%v", err))
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
					bound := col.FieldPos.Min
					if col.Min == nil {
						bound = col.FieldPos.Max
					}
					ds = append(ds, diagAt(bound, cp, "min and max apply to number and integer columns, not %s", col.Type))
				}
				if col.Allowed != nil && col.Type != "category" && col.Type != "string" && col.Type != "integer" {
					ds = append(ds, diagAt(col.FieldPos.Allowed, cp+".allowed", "allowed values apply to category, string and integer columns, not %s", col.Type))
				}
			}
		}
		tr := &p.Trigger
		if tr.Schedule != "" {
			if err := ParseSchedule(tr.Schedule); err != nil {
				ds = append(ds, diagAt(p.FieldPos("trigger", "schedule"), pp+".trigger.schedule", "%v", err))
			}
		}
		// Durations are decoded here, once: what runs later reads the
		// time.Duration fields and never parses again.
		type duration struct {
			field []string
			value string
			into  *time.Duration
		}
		durations := []duration{{[]string{"minInterval"}, tr.MinInterval, &tr.MinIntervalDuration}}
		if m := tr.MaxRetrains; m != nil {
			durations = append(durations, duration{[]string{"maxRetrains", "window"}, m.Window, &m.WindowDuration})
		}
		if l := tr.LabelLag; l != nil {
			durations = append(durations, duration{[]string{"labelLag", "maxLag"}, l.MaxLag, &l.MaxLagDuration})
		}
		for _, d := range durations {
			if d.value == "" {
				continue
			}
			v, err := ParseDuration(d.value)
			if err != nil {
				ds = append(ds, diagAt(p.FieldPos(append([]string{"trigger"}, d.field...)...), pp+".trigger."+strings.Join(d.field, "."), "%v", err))
				continue
			}
			*d.into = v
		}
		for i, g := range tr.Paths {
			field := fmt.Sprintf("%s.trigger.paths[%d]", pp, i)
			if _, err := CompilePathGlob(g); err != nil {
				ds = append(ds, diagAt(tr.PathsPos[i], field, "bad glob %q: %v", g, err))
			}
		}
	}
	ds = append(ds, checkBranches(cfg.Pipelines)...)
	ds = append(ds, checkTargetOwners(cfg.Pipelines)...)
	if b := cfg.Settings.BaseBranch; b != "" {
		if err := CheckBranchName(b); err != nil {
			ds = append(ds, diagAt(cfg.FieldPos("baseBranch"), "settings.baseBranch", "%v", err))
		} else {
			ds = append(ds, CheckBaseBranch(cfg, b)...)
		}
	}
	if err := cleanRel(cfg.Settings.Cache); err != nil {
		ds = append(ds, diagAt(cfg.FieldPos("cache"), "settings.cache", "%v", err))
	}
	return ds
}

// branchUse is one branch a pipeline pushes: its promotion branch, one per
// channel, and its rollback branch, with the field that names it.
type branchUse struct {
	branch, what, pipeline, model string
	pos                           Pos
	field                         string
}

// branchUses lists the branches p pushes. The names come from the model's
// (or channel's) name unless promote.branch sets them: each use points at
// whichever the user wrote.
func branchUses(p *Pipeline) []branchUse {
	pos, field := p.Model.Pos, "pipelines."+p.Name+".model.name"
	if p.Promote.Branch != "" {
		pos, field = p.FieldPos("promote", "branch"), "pipelines."+p.Name+".promote.branch"
	}
	uses := []branchUse{{p.PromotionBranch(""), "promotion branch", p.Name, p.Model.Name, pos, field}}
	for i, c := range p.Promote.Channels {
		cpos, cfield := pos, field
		if p.Promote.Branch == "" {
			cpos, cfield = p.FieldPos("promote", "channels", strconv.Itoa(i), "name"), fmt.Sprintf("pipelines.%s.promote.channels[%d].name", p.Name, i)
		}
		uses = append(uses, branchUse{p.PromotionBranch(c.Name), "promotion branch of channel " + c.Name, p.Name, p.Model.Name, cpos, cfield})
	}
	return append(uses, branchUse{p.RollbackBranch(), "rollback branch", p.Name, p.Model.Name, pos, field})
}

// checkBranches rejects a branch name Git would refuse or misread
// ("HEAD", "fraud..detector", "x.lock"), two uses of one branch (a model
// named "rollback-fraud" next to model "fraud", a channel "prod" of model
// "x" next to model "x-prod") and a branch that is a directory of another
// ("ctgit/x" and "ctgit/x/y"), which git cannot hold side by side: either
// would make one promotion or rollback replace another's pull request.
func checkBranches(pipelines []*Pipeline) Diagnostics {
	var uses []branchUse
	var ds Diagnostics
	for _, p := range pipelines {
		bad := map[string]bool{}
		for _, u := range branchUses(p) {
			if err := CheckBranchName(u.branch); err != nil {
				// One message per field: the rollback branch is broken
				// the same way as the promotion branch.
				if !bad[u.pos.String()+u.field] {
					ds = append(ds, diagAt(u.pos, u.field, "makes an invalid %s: %v", u.what, err))
				}
				bad[u.pos.String()+u.field] = true
				continue
			}
			uses = append(uses, u)
		}
	}
	reported := map[string]bool{}
	for i, a := range uses {
		for _, b := range uses[:i] {
			if reported[b.branch] || a.model == b.model {
				// One message per branch; a duplicate model name or channel
				// is reported on its own.
				continue
			}
			clash := branchClash(a.branch, b.branch)
			if clash == "" {
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

// branchClash says how two branch names collide in one repository ("is
// also", "cannot sit in git next to"), or "" when they do not.
func branchClash(a, b string) string {
	switch {
	case a == b:
		return "is also"
	case strings.HasPrefix(a, b+"/") || strings.HasPrefix(b, a+"/"):
		return "cannot sit in git next to"
	}
	return ""
}

// CheckBaseBranch checks the branches the pipelines push against base, the
// branch their pull requests target (settings.baseBranch, else what Git
// says: see gitops.BaseBranch): a promotion or rollback branch that is
// the base branch would push over it. Load checks a configured
// settings.baseBranch itself; commands call this with the base branch Git
// names before any step runs.
func CheckBaseBranch(cfg *Config, base string) Diagnostics {
	if base == "" {
		return nil
	}
	var ds Diagnostics
	where := "the base branch"
	if cfg.Settings.BaseBranch != "" {
		where = fmt.Sprintf("settings.baseBranch (%s)", cfg.FieldPos("baseBranch"))
	}
	for _, p := range cfg.Pipelines {
		for _, u := range branchUses(p) {
			if CheckBranchName(u.branch) != nil {
				continue // checkBranches reported it
			}
			if clash := branchClash(u.branch, base); clash != "" {
				ds = append(ds, diagAt(u.pos, u.field, "%s %q of pipeline %s %s %s %q, which promotions target: set promote.branch to a branch of its own",
					u.what, u.branch, p.Name, clash, where, base))
			}
		}
	}
	return ds.sortAndDedupe()
}

// targetUse is a field that a promotion rewrites.
type targetUse struct {
	file, field, owner string
	pos                Pos
}

// channelTargets are the targets of a pipeline's promotion channels.
func channelTargets(p *Pipeline) []Target {
	var ts []Target
	for _, ch := range p.Promote.Channels {
		ts = append(ts, ch.Target)
	}
	return ts
}

// checkTargetOwners rejects a field that two promotions rewrite (two
// models' targets, a model's and a channel's, a version and an artifact
// field): each would push its own branch over the same line, and the
// second merge would silently undo the first.
func checkTargetOwners(pipelines []*Pipeline) Diagnostics {
	var ds Diagnostics
	owners := map[string]targetUse{}
	claim := func(p *Pipeline, t Target, at []string, name string) {
		for _, f := range []struct{ sel, field string }{{"path", t.Path}, {"artifact", t.Artifact}} {
			if f.field == "" {
				continue
			}
			sel := append(append([]string{}, at...), f.sel)
			u := targetUse{file: path.Clean(t.File), field: f.field,
				owner: fmt.Sprintf("%s.%s of pipeline %s", name, f.sel, p.Name), pos: p.FieldPos(sel...)}
			key := u.file + "\x00" + u.field
			if first, taken := owners[key]; taken {
				ds = append(ds, diagAt(u.pos, "pipelines."+p.Name+"."+name+"."+f.sel,
					"%s %s is already rewritten by the %s (%s): a field has one owner, or two promotions push competing branches over it",
					u.file, u.field, first.owner, first.pos))
				continue
			}
			owners[key] = u
		}
	}
	for _, p := range pipelines {
		claim(p, p.Model.Target, []string{"model", "target"}, "model.target")
		for i, c := range p.Promote.Channels {
			claim(p, c.Target, []string{"promote", "channels", strconv.Itoa(i), "target"}, fmt.Sprintf("promote.channels[%d].target", i))
		}
	}
	return ds
}

// checkTarget checks a promotion target: its file, its fields, and the
// version it holds under the pipeline's scheme. at is the target's path
// in the pipeline; bump says that a run bumps it (the model's own target)
// rather than carrying an earlier stage's version into it (a channel's).
func checkTarget(root string, p *Pipeline, t Target, at []string, bump bool) Diagnostics {
	field := "pipelines." + p.Name + "." + strings.Join(at, ".")
	pos := func(sel string) Pos { return p.FieldPos(append(append([]string{}, at...), sel)...) }
	if err := RepoFile(root, t.File, false); err != nil {
		return Diagnostics{diagAt(pos("file"), field+".file", "%v", err)}
	}
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(t.File)))
	if err != nil {
		return Diagnostics{diagAt(pos("file"), field+".file", "%v", err)}
	}
	var ds Diagnostics
	for _, f := range []struct{ name, path string }{{"path", t.Path}, {"artifact", t.Artifact}} {
		if f.path == "" {
			continue
		}
		fl, err := rewrite.Lookup(t.File, src, f.path)
		if err != nil {
			ds = append(ds, diagAt(pos(f.name), field+"."+f.name, "promotion target: %v", err))
			continue
		}
		if f.name != "path" {
			continue
		}
		// The version a run reads and bumps after training: a version the
		// scheme cannot read or bump is bad input now, not after training.
		if bump {
			_, err = semver.NextVersion(fl.Value, p.Promote.Scheme, p.Promote.Bump)
		} else {
			err = semver.CheckVersion(fl.Value, p.Promote.Scheme)
		}
		if err != nil {
			scheme := "the default"
			if p.declares("promote", "scheme") {
				scheme = "declared at " + p.FieldPos("promote", "scheme").String()
			}
			ds = append(ds, Diagnostic{File: t.File, Line: fl.Line, Column: fl.Col, Path: field + ".path",
				Message: fmt.Sprintf("%s %s %v; the scheme is %s: write a version of it here, or \"\" for none yet",
					t.File, t.Path, err, scheme)})
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

// checkUniqueChannels rejects a channel name declared twice, at the
// second declaration, naming the first.
func checkUniqueChannels(p *Pipeline) Diagnostics {
	first := map[string]int{}
	var ds Diagnostics
	for i, c := range p.Promote.Channels {
		if j, seen := first[c.Name]; seen {
			ds = append(ds, diagAt(p.FieldPos("promote", "channels", strconv.Itoa(i), "name"), fmt.Sprintf("pipelines.%s.promote.channels[%d].name", p.Name, i),
				"channel %q is declared twice; first declared at %s", c.Name, p.FieldPos("promote", "channels", strconv.Itoa(j), "name")))
			continue
		}
		first[c.Name] = i
	}
	return ds
}

// cleanRel rejects paths that are absolute or climb out with "..". It is
// stricter than filepath.IsLocal, which accepts "a/../b": a path in a
// pipeline names its file one way only.
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
	if r, err := filepath.Rel(realRoot, resolved); err != nil || !filepath.IsLocal(r) {
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
			ds = append(ds, diagAt(p.FieldPos("trigger", "paths"), fmt.Sprintf("pipelines.%s.trigger.paths", p.Name),
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
				ds = append(ds, diagAt(p.FieldPos("trigger", "paths"), fmt.Sprintf("pipelines.%s.trigger.paths", p.Name),
					"the exclusions (\"!...\") remove every file the other globs select: the list matches %s", where))
			}
		}
	}
	return ds.sortAndDedupe()
}
