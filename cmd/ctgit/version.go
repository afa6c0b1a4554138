package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/version"
)

func newVersionCmd(env environment) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print ctgit's version",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(cmd.OutOrStdout(), versionText())
			return err
		},
	}
}

// versionText is what `ctgit version` and `ctgit --version` print.
func versionText() string {
	s := fmt.Sprintf("ctgit %s\n", version.String())
	if bi, ok := debug.ReadBuildInfo(); ok {
		s += fmt.Sprintf("go %s\n", bi.GoVersion)
	}
	return s
}
