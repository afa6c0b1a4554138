package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
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

		for _, d := range []struct {
			field, file string
			pos         Pos
			window      *Window
		}{
			{"reference", p.Data.Reference, p.Data.ReferencePos, p.Data.ReferenceWindow},
			{"current", p.Data.Current, p.Data.CurrentPos, p.Data.CurrentWindow},
		} {
			if d.field == "reference" && p.Data.ReferenceDeployed && d.file == "" {
				if d.window != nil {
					ds = append(ds, diagAt(p.FieldPos("data", "reference", "window"), pp+".data.reference.window", "a window needs from: the location a first run reads"))
				}
				continue
			}
			ds = append(ds, checkDataset(cfg.Root, p, d.field, d.file, d.pos, d.window)...)
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
			ds = append(ds, checkContainer(cfg.Root, p, &t.Container, "train")...)
			if err := cleanRel(t.Model); err != nil {
				ds = append(ds, diagAt(p.FieldPos("train", "model"), pp+".train.model", "%v", err))
			}
		}
		ds = append(ds, checkGraph(cfg.Root, p)...)
		ds = append(ds, checkSLIs(cfg, p)...)
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
		ds = append(ds, checkDrift(p)...)
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
	ds = append(ds, checkCost(cfg)...)
	ds = append(ds, checkBranches(cfg.Pipelines)...)
	ds = append(ds, checkTargetOwners(cfg.Pipelines)...)
	if b := cfg.Settings.BaseBranch; b != "" {
		if err := CheckBranchName(b); err != nil {
			ds = append(ds, diagAt(cfg.FieldPos("baseBranch"), "settings.baseBranch", "%v", err))
		} else {
			ds = append(ds, CheckBaseBranch(cfg, b)...)
		}
	}
	if pr := cfg.Settings.Prometheus; pr != nil {
		if d, err := ParseDuration(pr.Timeout); err != nil {
			ds = append(ds, diagAt(cfg.FieldPos("prometheus", "timeout"), "settings.prometheus.timeout", "%v", err))
		} else {
			pr.TimeoutDuration = d
		}
	}
	if err := cleanRel(cfg.Settings.Cache); err != nil {
		ds = append(ds, diagAt(cfg.FieldPos("cache"), "settings.cache", "%v", err))
	}
	return ds
}

// settingsBroken reports whether ds holds a schema error under settings:
// the settings then did not decode, and checking their zero value would
// add errors of its own ("settings.cache: path is empty") to the real one.
func settingsBroken(ds Diagnostics) bool {
	for _, d := range ds {
		if d.Path == "settings" || strings.HasPrefix(d.Path, "settings.") {
			return true
		}
	}
	return false
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
