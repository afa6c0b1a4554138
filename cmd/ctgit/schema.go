package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/schema"
)

func newSchemaCmd(env environment) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print ctgit's CUE schema",
		Long: `schema prints the CUE schema that ctgit unifies pipelines with. Save it as
schema.cue beside your pipelines (changing its package clause to yours) to
get the same checks from cue vet and from editors.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := io.WriteString(cmd.OutOrStdout(), schema.Source)
			return err
		},
	}
}
