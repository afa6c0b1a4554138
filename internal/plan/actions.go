package plan

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/dataset"
	"github.com/ctgit/ctgit/internal/digest"
)

// decideActions sets each step's action and reason from the step cache and
// the pipeline's conditions, in step order (a step's action depends on the
// actions before it).
func decideActions(steps []*Step, p *config.Pipeline, opt Options) {
	byName := map[StepName]*Step{}
	for _, s := range steps {
		byName[s.Name] = s
	}
	for _, s := range steps {
		// Promotion is never answered from the cache, and --force-train
		// trains and evaluates again: the executor does the same.
		bypass := s.Name == StepPromote || (opt.ForceTrain && (s.Name == StepTrain || s.Name == StepEvaluate))
		if opt.Cache != nil && !bypass {
			if e, ok := opt.Cache.Get(s.Key); ok {
				s.Action = ActionCached
				s.Reason = "unchanged since " + e.CreatedAt.UTC().Format("2006-01-02 15:04 UTC")
				if s.Name == StepDrift {
					s.Reason += driftVerdict(e.Result)
				}
				continue
			}
		}
		s.Action, s.Reason = ActionRun, changeReason(s, opt)

		if s.User {
			userAction(s, p, opt, byName)
			continue
		}
		switch s.Name {
		case StepTrain:
			drift := byName[StepDrift]
			switch {
			case opt.ForceTrain:
				s.Reason = "forced by --force-train (the step cache is bypassed); " + s.Reason
			case drift == nil || !p.Trigger.OnDrift:
			case len(p.Trigger.OnSLIBreach) > 0 && (drift.Action != ActionCached || !cachedDrifted(opt, drift)):
				s.Action, s.Reason = ActionConditional, "trains only if drift is found or an SLI of trigger.onSLIBreach breaches on the deployed version (read when it runs); "+s.Reason
			case drift.Action == ActionCached && !cachedDrifted(opt, drift):
				s.Action, s.Reason = ActionSkip, "no drift in the unchanged data: current model kept"
			case drift.Action != ActionCached:
				s.Action, s.Reason = ActionConditional, "trains only if drift is found (trigger.onDrift); "+s.Reason
			}
			if up := waitsOn(s, byName); up != nil && s.Action == ActionRun {
				s.Action, s.Reason = up.Action, up.Reason+"; "+s.Reason
			}
		case StepEvaluate, StepPromote:
			up := upstreamOf(s, byName)
			switch up.Action {
			case ActionSkip:
				s.Action, s.Reason = ActionSkip, "no candidate: training is skipped"
			case ActionConditional:
				s.Action = ActionConditional
				if s.Name == StepEvaluate {
					s.Reason = "gates the candidate if training runs"
				} else {
					s.Reason = "opens a promotion if training runs and every gate passes"
				}
			default:
				if s.Name == StepPromote {
					s.Reason = "re-checks the promotion branch and pull request (never cached)"
					if byName[StepEvaluate] != nil {
						s.Action, s.Reason = ActionConditional, "opens a promotion if every gate passes; "+s.Reason
					}
				}
			}
		}
	}
}

// upstreamOf is the step before s in the built-in chain: evaluate's is
// train, promote's evaluate or train.
func upstreamOf(s *Step, byName map[StepName]*Step) *Step {
	for _, n := range []StepName{StepEvaluate, StepTrain} {
		if u := byName[n]; u != nil && u != s && n != s.Name && slices.Contains(s.Needs, u.ID) {
			return u
		}
	}
	return &Step{Action: ActionRun}
}

// waitsOn returns, for a step that waits on a step of the user's that is
// skipped or conditional, the action and reason that follow from it, as a
// step carrying them; nil when none does.
func waitsOn(s *Step, byName map[StepName]*Step) *Step {
	for _, id := range s.Needs {
		u := byName[StepName(strings.TrimPrefix(id, s.Pipeline+"/"))]
		if u == nil || !u.User {
			continue
		}
		switch u.Action {
		case ActionSkip:
			return &Step{Action: ActionSkip, Reason: fmt.Sprintf("step %s is skipped", u.Name)}
		case ActionConditional:
			return &Step{Action: ActionConditional, Reason: fmt.Sprintf("runs if step %s runs", u.Name)}
		}
	}
	return nil
}

// userAction decides the action of a step of the user's that is not
// cached: it runs, unless what it waits on is skipped or conditional. A
// step that feeds training waits on the drift decision as training does.
func userAction(s *Step, p *config.Pipeline, opt Options, byName map[StepName]*Step) {
	if drift := byName[StepDrift]; drift != nil && slices.Contains(s.Needs, drift.ID) && p.Trigger.OnDrift && !opt.ForceTrain {
		switch {
		case len(p.Trigger.OnSLIBreach) > 0 && (drift.Action != ActionCached || !cachedDrifted(opt, drift)):
			s.Action, s.Reason = ActionConditional, "runs only if training does (drift, or an SLI of trigger.onSLIBreach); "+s.Reason
			return
		case drift.Action == ActionCached && !cachedDrifted(opt, drift):
			s.Action, s.Reason = ActionSkip, "no drift in the unchanged data: training, which this step feeds, is skipped"
			return
		case drift.Action != ActionCached:
			s.Action, s.Reason = ActionConditional, "runs only if drift is found (it feeds training); "+s.Reason
			return
		}
	}
	for _, n := range []StepName{StepTrain, StepEvaluate} {
		if u := byName[n]; u != nil && slices.Contains(s.Needs, u.ID) {
			switch u.Action {
			case ActionSkip:
				s.Action, s.Reason = ActionSkip, fmt.Sprintf("%s is skipped", n)
				return
			case ActionConditional:
				s.Action, s.Reason = ActionConditional, fmt.Sprintf("runs if %s runs; ", n)+s.Reason
				return
			}
		}
	}
	if up := waitsOn(s, byName); up != nil {
		s.Action, s.Reason = up.Action, up.Reason+"; "+s.Reason
	}
}

// cachedDrifted reads the verdict of a cached drift result; an unreadable
// verdict counts as drifted, so training is planned rather than missed.
func cachedDrifted(opt Options, drift *Step) bool {
	e, ok := opt.Cache.Get(drift.Key)
	if !ok {
		return true
	}
	r, ok := readDriftResult(e.Result)
	if !ok {
		return true
	}
	return r.Drifted
}

func driftVerdict(result json.RawMessage) string {
	r, ok := readDriftResult(result)
	if !ok {
		return ""
	}
	if r.Drifted {
		return " (drift found)"
	}
	return " (no drift)"
}

// changeReason explains why a step's key is not in the cache, comparing
// with the latest key the step had.
func changeReason(s *Step, opt Options) string {
	if opt.Cache == nil {
		return "no step cache"
	}
	last, ok := opt.Cache.Last(s.ID)
	if !ok {
		return "never run"
	}
	var old KeyParts
	if json.Unmarshal(last.Parts, &old) != nil {
		return "previous result unreadable"
	}
	now := s.Parts
	var why []string
	if old.Semantics != now.Semantics {
		why = append(why, fmt.Sprintf("ctgit's step semantics changed (%s → %s)", old.Semantics, now.Semantics))
	}
	if old.Definition != now.Definition {
		why = append(why, "definition changed at "+s.Pos.String())
	}
	for _, in := range s.Inputs {
		if was := old.Inputs[in.Role]; was != in.Digest {
			if was == "" {
				why = append(why, fmt.Sprintf("%s added: %s", in.Role, short(in.Digest)))
			} else if in.Deployed {
				why = append(why, fmt.Sprintf("%s changed: the deployed version, or the first run's data, is another → %s", in.Role, shortHex(in.Digest)))
			} else if m, ok := last.Manifests[string(in.Role)]; ok && in.Snapshot() != nil {
				why = append(why, fmt.Sprintf("%s changed: %s → %s", in.Role, objectChanges(m, in.Snapshot()), shortHex(in.Digest)))
			} else {
				why = append(why, fmt.Sprintf("%s changed: %s → %s", in.Role, short(was), shortHex(in.Digest)))
			}
		}
	}
	if old.Image != now.Image {
		why = append(why, fmt.Sprintf("image changed: %s → %s", old.Image, now.Image))
	}
	if strings.Join(old.Command, "\x00") != strings.Join(now.Command, "\x00") {
		why = append(why, "command changed")
	}
	if changed := changedKeys(old.Env, now.Env); len(changed) > 0 {
		why = append(why, "env changed: "+strings.Join(changed, ", "))
	}
	if strings.Join(old.Secrets, ",") != strings.Join(now.Secrets, ",") {
		why = append(why, "secret names changed")
	}
	if len(why) == 0 {
		for name, key := range now.Upstream {
			if old.Upstream[name] != key {
				why = append(why, name+" step changed")
			}
		}
		sort.Strings(why)
	}
	if len(why) == 0 {
		return "no cached result for this key"
	}
	return strings.Join(why, "; ")
}

func changedKeys(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// short is "sha256:ab12cd34…", shortHex the same without the prefix, which
// reads better after an arrow.
func short(d string) string    { return digest.Short(d) + "…" }
func shortHex(d string) string { return strings.TrimPrefix(digest.Short(d), digest.Prefix) + "…" }

// dataAffectedBy says how a change to the repository path c changes the
// data at location (" changed: c", or ": c changed (DVC-tracked data)"),
// or "" when it does not. A file location is changed by itself; a
// directory by any path under it; a glob by any path it matches; each of
// them also by the .dvc file of anything it holds, and by the .dvc file
// of a DVC-tracked directory holding it, since that is what changes in Git
// when DVC data does. A store location is never changed by a commit: its
// objects change in the store.
func dataAffectedBy(location, c string) string {
	loc, err := dataset.Parse(location)
	if err != nil || loc.Remote() {
		return ""
	}
	holds := func(rel string) bool {
		if loc.Pattern != "" {
			ok, err := doublestar.Match(loc.Pattern, rel)
			return err == nil && ok
		}
		dir := strings.TrimSuffix(loc.Prefix, "/")
		return rel == dir || strings.HasPrefix(rel, dir+"/")
	}
	if tracked, ok := strings.CutSuffix(c, ".dvc"); ok && tracked != "" {
		// What it tracks is in the location, or is a directory the
		// location (or a glob's fixed part) lies in.
		if holds(tracked) || strings.HasPrefix(loc.Prefix, tracked+"/") {
			return ": " + c + " changed (DVC-tracked data)"
		}
	}
	if holds(c) {
		return " changed: " + c
	}
	return ""
}

// affectedBy returns why a change to any of changed (repository paths)
// affects p, or "" when none does. The target file is left out on purpose:
// merging a promotion must not trigger another training. trigger.paths
// adds to what the pipeline reads; its exclusions ("!...") narrow only the
// list itself.
func affectedBy(p *config.Pipeline, changed []string) string {
	// Load rejected every glob that does not compile.
	paths, _ := config.CompilePathFilter(p.Trigger.Paths)
	for _, c := range changed {
		if why := dataAffectedBy(p.Data.Reference, c); why != "" {
			return "reference data" + why
		}
		if why := dataAffectedBy(p.Data.Current, c); why != "" {
			return "current data" + why
		}
		switch {
		case contains(p.Files, c):
			return "definition changed: " + c
		case p.Train != nil && p.Train.Code != "" && strings.HasPrefix(c, strings.TrimSuffix(p.Train.Code, "/")+"/"):
			return "training code changed: " + c
		}
		for _, name := range sortedKeys(p.Steps) {
			if code := p.Steps[name].Code; code != "" && strings.HasPrefix(c, strings.TrimSuffix(code, "/")+"/") {
				return fmt.Sprintf("code of step %s changed: %s", name, c)
			}
		}
		if g := paths.Match(c); g != "" {
			return fmt.Sprintf("%s matches trigger.paths %q", c, g)
		}
	}
	return ""
}

// objectChanges says how a dataset's objects changed since the manifest
// prev: "1 new or changed object: dt=2026-11-30; 1 gone".
func objectChanges(prev []dataset.Object, now *dataset.Snapshot) string {
	arrived := dataset.Arrived(&dataset.Snapshot{Objects: prev}, now)
	keys := map[string]bool{}
	for _, o := range now.Objects {
		keys[o.Key] = true
	}
	var gone []dataset.Object
	for _, o := range prev {
		if !keys[o.Key] {
			gone = append(gone, o)
		}
	}
	var parts []string
	if len(arrived) > 0 {
		parts = append(parts, dataset.Summary(arrived, "arrived or changed"))
	}
	if len(gone) > 0 {
		parts = append(parts, dataset.Summary(gone, "left"))
	}
	if len(parts) == 0 {
		return "the same objects"
	}
	return strings.Join(parts, ", ")
}
