package config

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ctgit/ctgit/internal/rewrite"
	"github.com/ctgit/ctgit/internal/semver"
)

// Checks of the values a promotion turns into refs and file edits: the
// branches it pushes, the base branch, who owns each target field.

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
			// A tag is part of its field: image and image:tag share one owner.
			key := u.file + "\x00" + rewrite.WholeField(u.field)
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
