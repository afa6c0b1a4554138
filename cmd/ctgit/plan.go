package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/report"
)

func init() { subcommands = append(subcommands, newPlanCmd) }

func newPlanCmd() *cobra.Command {
	var (
		format, dir, since string
		forceTrain         bool
	)
	cmd := &cobra.Command{
		Use:   "plan [PIPELINE...]",
		Short: "Show what a run would do, and why",
		Long: `plan builds each pipeline's graph of steps (validate → drift → train →
evaluate → promote) and decides, against the step cache, whether each step
will run, is cached, depends on an earlier result, or is skipped, with the
reason. Nothing is executed or written except the file-digest memo.

--changed-since REF plans only the pipelines whose definition, data, code or
trigger.paths changed between REF and the work tree.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, report.FormatText, report.FormatJSON, report.FormatMarkdown); err != nil {
				return err
			}
			p, _, err := buildPlan(dir, args, since, forceTrain)
			if err != nil {
				return err
			}
			return report.Plan(cmd.OutOrStdout(), p, format)
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, flagFormat, report.FormatText, "output format: text, json or markdown")
	f.StringVar(&dir, flagDir, "", "pipelines directory (default: the repository's pipelines/)")
	f.StringVar(&since, flagChangedSince, "", "plan only pipelines affected by changes since this Git revision")
	f.BoolVar(&forceTrain, flagForceTrain, false, "plan training even when no drift is found")
	return cmd
}

// buildPlan loads the workspace and plans the named pipelines (all when
// none), restricted to those changed since a revision when since is set.
func buildPlan(dir string, names []string, since string, forceTrain bool) (*plan.Plan, *workspace, error) {
	ws, err := loadWorkspace(dir)
	if err != nil {
		return nil, nil, err
	}
	opt := plan.Options{
		Pipelines:  names,
		Commit:     plan.HeadCommit(ws.root),
		Cache:      ws.cache,
		Memo:       ws.memo,
		ForceTrain: forceTrain,
	}
	if since != "" {
		changed, err := plan.ChangedFiles(ws.root, since)
		switch {
		case errors.Is(err, plan.ErrNoBase):
			// A new branch: no earlier commit, so everything is new.
		case err != nil:
			return nil, nil, err
		default:
			opt.Changed, opt.ChangedSince = changed, since
		}
	}
	p, err := plan.Build(ws.cfg, opt)
	if err != nil {
		return nil, nil, err
	}
	// The memo only saves work; failing to keep it is not worth failing for.
	_ = ws.memo.Save()
	return p, ws, nil
}
