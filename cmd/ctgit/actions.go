package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/artifact"
	"github.com/ctgit/ctgit/internal/ghactions"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/report"
)

// actionsSurface writes a run's GitHub Actions surfaces when ctgit runs in
// Actions (GITHUB_ACTIONS=true): masks, annotations, the step summary and
// step outputs. Elsewhere it does nothing.
type actionsSurface struct {
	on  bool
	env environment
	// commands receives workflow commands: stdout, or stderr when stdout
	// carries JSON that commands would corrupt.
	commands io.Writer
	links    report.Links
}

func newActionsSurface(cmd *cobra.Command, format string, env environment) *actionsSurface {
	a := &actionsSurface{on: env.inActions(), env: env, commands: cmd.OutOrStdout()}
	if format == report.FormatJSON {
		a.commands = cmd.ErrOrStderr()
	}
	if a.on {
		a.links = report.LinksFromEnv(env.get)
	}
	return a
}

// maskSecrets tells the runner to mask the values of every secret the
// selected pipelines pass to their steps, and the GitHub token.
func (a *actionsSurface) maskSecrets(p *plan.Plan) {
	if !a.on {
		return
	}
	seen := map[string]bool{}
	for _, pp := range p.Pipelines {
		if !pp.Selected || pp.Pipeline.Train == nil {
			continue
		}
		for _, name := range pp.Pipeline.Train.Secrets {
			if v := a.env.get(name); v != "" && !seen[v] {
				seen[v] = true
				ghactions.AddMask(a.commands, v)
			}
		}
	}
	if t := a.env.get("GITHUB_TOKEN"); t != "" && !seen[t] {
		ghactions.AddMask(a.commands, t)
	}
}

// report writes one run's annotations, step summary and outputs.
func (a *actionsSurface) report(ctx context.Context, r *record.Run, store artifact.Store) error {
	if !a.on {
		return nil
	}
	if err := ghactions.AnnotateAll(a.commands, report.RunAnnotations(r)); err != nil {
		return err
	}
	if path := a.env.get("GITHUB_STEP_SUMMARY"); path != "" {
		history, _ := store.Records(ctx, r.Pipeline)
		if err := ghactions.AppendStepSummary(path, func(room int) (string, bool) {
			return report.StepSummary(r, history, a.links, room)
		}); err != nil {
			return err
		}
	}
	if path := a.env.get("GITHUB_OUTPUT"); path != "" {
		if err := ghactions.WriteOutputs(path, report.RunOutputs(r)); err != nil {
			return err
		}
	}
	return nil
}
