package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/bytesize"
	"github.com/ctgit/ctgit/internal/config"
)

const flagOlderThan = "older-than"

func newCacheCmd(env environment) *cobra.Command {
	cmd := groupCommand(&cobra.Command{
		Use:   "cache",
		Short: "Manage the step cache",
	})
	var olderThan, dir string
	prune := &cobra.Command{
		Use:   "prune",
		Short: "Remove cache entries older than a duration",
		Long: `prune removes step cache entries (and their outputs) created longer ago than
--older-than, work directories left by killed runs, and downloaded data
objects and assembled datasets (data/) that no run used within --older-than.
The latest entry of each step is kept whatever its age, so plans can still
say what changed.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Checked here rather than with MarkFlagRequired, whose error
			// carries no exit code.
			if olderThan == "" {
				return usagef(`--%s is required: the age of the entries to remove, e.g. "30d" or "12h"`, flagOlderThan)
			}
			age, err := config.ParseDuration(olderThan)
			if err != nil {
				return usagef("--%s: %v", flagOlderThan, err)
			}
			ws, err := loadWorkspace(dir)
			if err != nil {
				return err
			}
			st, err := ws.cache.Prune(age, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %d entries, %d downloads and %d reference profiles, %s, from %s\n", st.Entries, st.Downloads, st.Profiles, bytesize.Format(st.Bytes), relTo(ws.root, ws.cache.Dir()))
			return nil
		},
	}
	prune.Flags().StringVar(&olderThan, flagOlderThan, "", `age of the entries to remove, e.g. "30d" or "12h" (required)`)
	prune.Flags().StringVar(&dir, flagDir, "", "pipelines directory (default: the repository's pipelines/)")
	cmd.AddCommand(prune)
	return cmd
}
