package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/report"
)

func init() { subcommands = append(subcommands, newVetCmd) }

func newVetCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "vet [DIR]",
		Short: "Check pipelines against the schema and the repository",
		Long: `vet loads every pipeline under DIR (default: the repository's pipelines/),
unifies it with ctgit's schema, and checks what CUE cannot: referenced files
exist inside the repository, no path leaves it, model names are unique, and
promotion targets hold the named fields. Every problem is printed with its
file:line:col. Exit 0 when valid, 2 otherwise.`,
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
			var ds plan.Diagnostics
			if err != nil && !errors.As(err, &ds) {
				return err
			}
			if format == report.FormatJSON {
				if err := report.Diagnostics(cmd.OutOrStdout(), ds, format); err != nil {
					return err
				}
			} else if len(ds) > 0 {
				report.Diagnostics(cmd.ErrOrStderr(), ds, format)
				fmt.Fprintf(cmd.ErrOrStderr(), "%d problem(s) found\n", len(ds))
			}
			if len(ds) > 0 {
				return withCode(ds, errSilent)
			}
			n := len(ws.cfg.Pipelines)
			if format == report.FormatText {
				fmt.Fprintf(cmd.OutOrStdout(), "%d pipeline(s) valid in %s\n", n, ws.cfg.Dir)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, flagFormat, report.FormatText, "output format: text or json")
	return cmd
}
