package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// Flag names shared by several subcommands.
const (
	flagRoot         = "root"
	flagFormat       = "format"
	flagDir          = "dir"
	flagChangedSince = "changed-since"
	flagForceTrain   = "force-train"
	flagOutput       = "output"
)

// addFormatFlag defines --format with the values a command allows, the
// first being the default, and completes them in the shell. The command
// still checks the value with checkFormat before it does anything.
func addFormatFlag(cmd *cobra.Command, format *string, allowed ...string) {
	cmd.Flags().StringVar(format, flagFormat, allowed[0], "output format: "+strings.Join(allowed, ", "))
	_ = cmd.RegisterFlagCompletionFunc(flagFormat, func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, f := range allowed {
			if strings.HasPrefix(f, toComplete) {
				out = append(out, f)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
}
