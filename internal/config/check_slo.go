package config

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ctgit/ctgit/internal/sli"
)

// checkTemplate returns what is wrong with a query template, or "".
func checkTemplate(q string) string {
	var te *sli.TemplateError
	if err := sli.Validate(q); errors.As(err, &te) {
		return fmt.Sprintf("unknown variable {{%s}} in the query; it may use {{%s}}", te.Name, strings.Join(sli.Known, "}}, {{"))
	}
	return ""
}

// checkSLIs checks a pipeline's SLIs and where they are used: each bound
// makes sense, each template names known variables, each use names a
// declared SLI, a comparison is used only where there is a canary, and
// Prometheus is configured when anything reads it. It decodes durations.
func checkSLIs(cfg *Config, p *Pipeline) Diagnostics {
	var ds Diagnostics
	pp := "pipelines." + p.Name
	for _, name := range sortedSLINames(p) {
		s := p.SLIs[name]
		sp := pp + ".slis." + name
		if s.Min == nil && s.Max == nil && s.Compare == nil {
			ds = append(ds, diagAt(s.Pos, sp, "an SLI needs a bound: min, max, or compare (canary against stable)"))
		}
		if s.Min != nil && s.Max != nil && *s.Min > *s.Max {
			ds = append(ds, diagAt(p.FieldPos("slis", name, "min"), sp+".min", "min %g is greater than max %g", *s.Min, *s.Max))
		}
		if c := s.Compare; c != nil && c.MinDelta == nil && c.MaxDelta == nil {
			ds = append(ds, diagAt(p.FieldPos("slis", name, "compare"), sp+".compare", "compare needs minDelta or maxDelta: how far canary − stable may fall below zero, or rise above it"))
		}
		if c := s.Compare; c != nil && c.MinDelta != nil && c.MaxDelta != nil && *c.MinDelta > *c.MaxDelta {
			ds = append(ds, diagAt(p.FieldPos("slis", name, "compare"), sp+".compare", "minDelta %g is greater than maxDelta %g", *c.MinDelta, *c.MaxDelta))
		}
		if msg := checkTemplate(s.Query); msg != "" {
			ds = append(ds, diagAt(s.QueryPos, sp+".query", "%s", msg))
		}
		if s.For != "" {
			if d, err := ParseDuration(s.For); err != nil {
				ds = append(ds, diagAt(p.FieldPos("slis", name, "for"), sp+".for", "%v", err))
			} else {
				s.ForDuration = d
			}
		}
	}
	used := false
	use := func(list []string, at []string, comparable bool, what string) {
		for i, n := range list {
			used = true
			pos := p.FieldPos(append(slices.Clone(at), strconv.Itoa(i))...)
			field := pp + "." + strings.Join(at, ".")
			s, ok := p.SLIs[n]
			switch {
			case !ok:
				ds = append(ds, diagAt(pos, field, "unknown SLI %q; %s", n, p.slisHere()))
			case !comparable && s.Compare != nil:
				ds = append(ds, diagAt(pos, field, "SLI %s compares a canary with the stable version, but %s judges one version: use it in promote.channels[].analysis", n, what))
			}
		}
	}
	use(p.Trigger.OnSLIBreach, []string{"trigger", "onSLIBreach"}, false, "trigger.onSLIBreach")
	if w := p.Watch; w != nil {
		use(w.SLIs, []string{"watch", "slis"}, false, "watch")
		if w.Channel != "" && !slices.ContainsFunc(p.Promote.Channels, func(c Channel) bool { return c.Name == w.Channel }) {
			ds = append(ds, diagAt(p.FieldPos("watch", "channel"), pp+".watch.channel", "unknown channel %q; %s", w.Channel, p.channelsHere()))
		}
	}
	for i, c := range p.Promote.Channels {
		a := c.Analysis
		if a == nil {
			continue
		}
		at := []string{"promote", "channels", strconv.Itoa(i), "analysis"}
		use(a.SLIs, append(slices.Clone(at), "slis"), true, "")
		if d, err := ParseDuration(a.Interval); err != nil {
			ds = append(ds, diagAt(p.FieldPos(append(at, "interval")...), pp+"."+strings.Join(at, ".")+".interval", "%v", err))
		} else {
			a.IntervalDuration = d
		}
	}
	if used && cfg.Settings.Prometheus == nil {
		ds = append(ds, diagAt(p.Pos, pp, "the pipeline reads SLIs (trigger.onSLIBreach, watch or a channel's analysis), but settings.prometheus names no server"))
	}
	return ds
}

func sortedSLINames(p *Pipeline) []string {
	names := make([]string, 0, len(p.SLIs))
	for n := range p.SLIs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (p *Pipeline) slisHere() string {
	if len(p.SLIs) == 0 {
		return "the pipeline declares no slis"
	}
	return "slis here: " + strings.Join(sortedSLINames(p), ", ")
}

func (p *Pipeline) channelsHere() string {
	var names []string
	for _, c := range p.Promote.Channels {
		names = append(names, c.Name)
	}
	if len(names) == 0 {
		return "the pipeline has no promote.channels"
	}
	return "channels here: " + strings.Join(names, ", ")
}
