// Package monitor writes Prometheus alerting rules from the SLIs the
// pipelines declare, so that alerts and ctgit's own decisions (watch,
// trigger.onSLIBreach, a channel's analysis) come from one definition.
package monitor

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/sli"
)

// Stage is a place a model's version is deployed: its own target (Channel
// "") or a channel, with the version the target holds now.
type Stage struct {
	Channel string
	Version string
}

// Versions says which version a pipeline's stage holds now; channel ""
// is the model's own target.
type Versions func(p *config.Pipeline, channel string) (string, error)

// WatchedStage is the stage whose version watch and trigger.onSLIBreach
// judge: watch.channel, else the last channel, else the model's own
// target.
func WatchedStage(p *config.Pipeline) string {
	if p.Watch != nil && p.Watch.Channel != "" {
		return p.Watch.Channel
	}
	if n := len(p.Promote.Channels); n > 0 {
		return p.Promote.Channels[n-1].Name
	}
	return ""
}

type ruleFile struct {
	Groups []group `yaml:"groups"`
}

type group struct {
	Name  string `yaml:"name"`
	Rules []rule `yaml:"rules"`
}

type rule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for,omitempty"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// Rules renders one rule group per pipeline with SLIs: an alert per SLI
// on the watched stage's version, and per canary analysis an alert on
// each comparison it makes, with the bounds, windows and variables ctgit
// itself uses. Versions are read now: the rules are written again after
// each promotion is merged.
func Rules(cfg *config.Config, versions Versions) ([]byte, error) {
	var f ruleFile
	for _, p := range cfg.Pipelines {
		if len(p.SLIs) == 0 {
			continue
		}
		g := group{Name: "ctgit-" + p.Name}
		names := make([]string, 0, len(p.SLIs))
		for n := range p.SLIs {
			names = append(names, n)
		}
		sort.Strings(names)
		watched := WatchedStage(p)
		for _, n := range names {
			s := p.SLIs[n]
			if s.Compare != nil {
				continue // judged in an analysis, below
			}
			v, err := versions(p, watched)
			if err != nil {
				return nil, err
			}
			q, err := sli.Render(s.Query, sli.Vars{sli.VarModel: p.Model.Name, sli.VarVersion: v, sli.VarChannel: watched})
			if err != nil {
				return nil, fmt.Errorf("%s: pipelines.%s.slis.%s.query: %w", s.QueryPos, p.Name, n, err)
			}
			g.Rules = append(g.Rules, rule{
				Alert:  alertName(p.Model.Name, n, ""),
				Expr:   boundExpr("("+q+")", s.Min, s.Max),
				For:    promDuration(s.ForDuration),
				Labels: map[string]string{"ctgit_pipeline": p.Name, "ctgit_model": p.Model.Name, "ctgit_sli": n, "ctgit_version": v, "ctgit_channel": watched},
				Annotations: map[string]string{
					"summary":     fmt.Sprintf("%s %s breaches SLI %s (%s)", p.Model.Name, v, n, boundText(s.Min, s.Max)),
					"description": describe(s, "ctgit watch opens a rollback pull request for it; trigger.onSLIBreach retrains on it"),
				},
			})
		}
		for i, c := range p.Promote.Channels {
			if c.Analysis == nil {
				continue
			}
			canary := ""
			if i > 0 {
				canary = p.Promote.Channels[i-1].Name
			}
			cv, err := versions(p, canary)
			if err != nil {
				return nil, err
			}
			sv, err := versions(p, c.Name)
			if err != nil {
				return nil, err
			}
			for _, n := range c.Analysis.SLIs {
				s := p.SLIs[n]
				vars := sli.Vars{sli.VarModel: p.Model.Name, sli.VarVersion: cv, sli.VarChannel: canary, sli.VarStableVersion: sv, sli.VarStableChannel: c.Name}
				q, err := sli.Render(s.Query, vars)
				if err != nil {
					return nil, fmt.Errorf("%s: pipelines.%s.slis.%s.query: %w", s.QueryPos, p.Name, n, err)
				}
				expr, what := boundExpr("("+q+")", s.Min, s.Max), boundText(s.Min, s.Max)
				if cmp := s.Compare; cmp != nil {
					stable, err := sli.Render(s.Query, sli.StableVars(vars))
					if err != nil {
						return nil, fmt.Errorf("%s: pipelines.%s.slis.%s.query: %w", s.QueryPos, p.Name, n, err)
					}
					delta := "((" + q + ") - (" + stable + "))"
					dexpr, dwhat := boundExpr(delta, cmp.MinDelta, cmp.MaxDelta), "canary − stable "+boundText(cmp.MinDelta, cmp.MaxDelta)
					if s.Min != nil || s.Max != nil {
						expr, what = dexpr+" or "+expr, dwhat+"; canary "+what
					} else {
						expr, what = dexpr, dwhat
					}
				}
				g.Rules = append(g.Rules, rule{
					Alert:  alertName(p.Model.Name, n, c.Name),
					Expr:   expr,
					For:    promDuration(s.ForDuration),
					Labels: map[string]string{"ctgit_pipeline": p.Name, "ctgit_model": p.Model.Name, "ctgit_sli": n, "ctgit_version": cv, "ctgit_channel": canary, "ctgit_promotes_to": c.Name},
					Annotations: map[string]string{
						"summary":     fmt.Sprintf("%s %s (canary for %s) breaches SLI %s (%s)", p.Model.Name, cv, c.Name, n, what),
						"description": describe(s, fmt.Sprintf("ctgit promote --channel %s runs this SLI as its canary analysis and refuses the promotion while it fails", c.Name)),
					},
				})
			}
		}
		if len(g.Rules) > 0 {
			f.Groups = append(f.Groups, g)
		}
	}
	var b bytes.Buffer
	b.WriteString("# Prometheus alerting rules written by `ctgit monitor rules` from the slis of\n# the pipelines; write them again after each promotion is merged.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// boundExpr is the PromQL that is non-empty when v leaves [min, max].
func boundExpr(v string, min, max *float64) string {
	var parts []string
	if min != nil {
		parts = append(parts, fmt.Sprintf("%s < %s", v, num(*min)))
	}
	if max != nil {
		parts = append(parts, fmt.Sprintf("%s > %s", v, num(*max)))
	}
	return strings.Join(parts, " or ")
}

func boundText(min, max *float64) string {
	switch {
	case min != nil && max != nil:
		return fmt.Sprintf("must stay within %s…%s", num(*min), num(*max))
	case min != nil:
		return "must stay ≥ " + num(*min)
	case max != nil:
		return "must stay ≤ " + num(*max)
	}
	return ""
}

func describe(s *config.SLI, use string) string {
	d := s.Description
	if d != "" && !strings.HasSuffix(d, ".") {
		d += "."
	}
	if d != "" {
		d += " "
	}
	return d + "Declared at " + s.Pos.String() + "; " + use + "."
}

func num(v float64) string { return fmt.Sprintf("%g", v) }

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_]`)

// alertName is a valid Prometheus alert name for an SLI of a model (and
// the channel whose analysis uses it).
func alertName(model, sli, channel string) string {
	n := "CtgitSLI_" + unsafeName.ReplaceAllString(model, "_") + "_" + unsafeName.ReplaceAllString(sli, "_")
	if channel != "" {
		n += "_canary_for_" + unsafeName.ReplaceAllString(channel, "_")
	}
	return n
}

// promDuration writes d as Prometheus reads durations: whole seconds, or
// milliseconds; "" for none.
func promDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d/time.Millisecond)
}
