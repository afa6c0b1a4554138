package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/promote"
	"github.com/ctgit/ctgit/internal/report"
)

type rollbackFlags struct {
	dir, to, reason, channel, format string
	dryRun                           bool
	promote                          promoteFlags
}

func newRollbackCmd(env environment) *cobra.Command {
	var f rollbackFlags
	cmd := &cobra.Command{
		Use:   "rollback MODEL [--channel NAME] [--to VERSION] [--reason TEXT]",
		Short: "Open a pull request that returns a model to an earlier version",
		Long: `rollback reads the values the model's target field has held in the Git
history of the base branch and opens a pull request back to the previous one
(or to --to VERSION), on its own branch ctgit/rollback-<model> (with
--channel, the channel's target, on ctgit/rollback-<model>-<channel>): a
pending promotion (branch ctgit/<model>) and its pull request are left alone. When
the target has an artifact field, it is restored from the same commit. The
reason goes into the pull request body. Nothing is retrained.

MODEL is a model name or a pipeline name. The history needs the commits
that set earlier versions: in CI, check out with fetch-depth: 0.

The restored artifact must still be in the artifact store
(settings.artifacts): a version whose artifact is gone, or whose artifact
reference points into another store, is refused before anything is written.

Exit codes: 0 done, 2 bad input (unknown model, no earlier version, a
version the target never held, an artifact no longer in the store), 3 push,
API or artifact store failure (the store cannot be asked).`,
		Example: `  ctgit rollback fraud-detector --reason "AUC fell in production" --dry-run
  ctgit rollback fraud-detector --to 1.2.0 --reason "1.3.0 mis-scores EU traffic"
  ctgit rollback fraud-detector --channel prod --format json`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runRollback(cmd, args[0], f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dir, flagDir, "", "pipelines directory (default: the repository's pipelines/)")
	fl.StringVar(&f.to, flagTo, "", "version to return to (default: the previous one)")
	fl.StringVar(&f.channel, flagChannel, "", "the channel (promote.channels) to roll back (default: the model's own target)")
	fl.StringVar(&f.reason, flagReason, "", "why, for the pull request body")
	fl.BoolVar(&f.dryRun, flagDryRun, false, "print the diff and the pull request; write nothing")
	addFormatFlag(cmd, &f.format, report.FormatText, report.FormatJSON)
	f.promote.add(cmd, false, env)
	return cmd
}

func runRollback(cmd *cobra.Command, model string, f rollbackFlags) error {
	if err := checkFormat(f.format, report.FormatText, report.FormatJSON); err != nil {
		return err
	}
	if err := f.promote.check(); err != nil {
		return err
	}
	ws, err := loadWorkspace(f.dir)
	if err != nil {
		return err
	}
	pp := findModel(ws.cfg, model)
	if pp == nil {
		return fault.Input(fmt.Errorf("no model or pipeline named %q; pipelines here: %s", model, pipelineNames(ws.cfg)))
	}
	p := &plan.Plan{Root: ws.root, Settings: ws.cfg.Settings}
	// The store is asked whether the restored artifact is still there;
	// opening it writes nothing.
	store, err := openStore(cmd.Context(), p, f.promote.env)
	if err != nil {
		return err
	}
	defer store.Close()
	promoter, err := f.promote.newPromoter(p, store, f.dryRun, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	out, err := promoter.Rollback(cmd.Context(), promote.RollbackRequest{
		Pipeline: pp, To: f.to, Reason: f.reason, RequestedBy: f.promote.env.get("GITHUB_ACTOR"), Channel: f.channel,
	})
	if err != nil {
		return err
	}
	return reportOutcome(cmd, report.RollbackResultKind, ws.root, pp, out, f.dryRun, f.format)
}

// findModel returns the pipeline whose model (or, failing that, whose own
// name) is name.
func findModel(cfg *config.Config, name string) *config.Pipeline {
	for _, p := range cfg.Pipelines {
		if p.Model.Name == name {
			return p
		}
	}
	return cfg.Pipeline(name)
}
