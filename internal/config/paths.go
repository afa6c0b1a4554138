package config

import "fmt"

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
