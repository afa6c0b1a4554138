package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/gitops"
	"github.com/ctgit/ctgit/internal/report"
)

func newVetCmd(env environment) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "vet [DIR]",
		Short: "Check pipelines against the schema and the repository",
		Long: `vet loads every pipeline under DIR (default: the repository's pipelines/),
unifies it with ctgit's schema, and checks what CUE cannot: referenced files
exist inside the repository, no path leaves it, model names are unique,
promotion targets hold the named fields and a version the scheme can bump,
each target field has one owner, and every branch ctgit would push is a
valid Git branch apart from the base branch, and the steps form a graph:
no cycle, every input names a dataset or a step's declared output, outputs
stay in their directory. Every problem is printed with its file:line:col. A
trigger.paths glob that matches no file Git tracks, and a step whose outputs
nothing reads and that is not marked wanted, are warnings: vet still exits 0. Exit 0 when valid, 2 otherwise.`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, report.FormatText, report.FormatJSON); err != nil {
				return err
			}
			dir := ""
			if len(args) == 1 {
				dir = args[0]
			}
			ws, err := loadWorkspace(dir)
			var ds config.Diagnostics
			if err != nil && !errors.As(err, &ds) {
				return err
			}
			if err == nil {
				ds = checkBaseBranch(ws.cfg)
			}
			var warnings config.Diagnostics
			if len(ds) == 0 {
				files, tracked, err := gitops.TrackedFiles(ws.root)
				if err != nil {
					return err
				}
				warnings = config.UnmatchedPaths(ws.cfg, files, tracked)
				warnings = append(warnings, config.UnusedSteps(ws.cfg)...)
			}
			if format == report.FormatJSON {
				if err := report.Diagnostics(cmd.OutOrStdout(), ds, warnings, format); err != nil {
					return err
				}
			} else if len(ds)+len(warnings) > 0 {
				report.Diagnostics(cmd.ErrOrStderr(), ds, warnings, format)
				if len(ds) > 0 {
					fmt.Fprintf(cmd.ErrOrStderr(), "%d problem(s) found\n", len(ds))
				}
			}
			if len(ds) > 0 {
				return withCode(ds, errSilent)
			}
			n := len(ws.cfg.Pipelines)
			if format == report.FormatText {
				msg := fmt.Sprintf("%d pipeline(s) valid in %s", n, ws.cfg.Dir)
				if len(warnings) > 0 {
					msg += fmt.Sprintf(", %d warning(s)", len(warnings))
				}
				fmt.Fprintln(cmd.OutOrStdout(), msg)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, flagFormat, report.FormatText, "output format: text or json")
	return cmd
}

// checkBaseBranch checks the branches the pipelines push against the base
// branch Git names, as a promotion would pick it (gitops.BaseBranch):
// config.Load checks a configured settings.baseBranch itself, but cannot ask
// Git. Where Git names none (no repository, a detached HEAD) there is
// nothing to compare with; a promotion then refuses before any step.
func checkBaseBranch(cfg *config.Config) config.Diagnostics {
	if cfg.Settings.BaseBranch != "" {
		return nil
	}
	base, err := gitops.BaseBranch(cfg.Root, "", gitops.DefaultRemote(cfg.Root))
	if err != nil {
		return nil
	}
	return config.CheckBaseBranch(cfg, base)
}
