package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/report"
	"github.com/ctgit/ctgit/internal/version"
)

const flagOlderThan = "older-than"

func newCacheCmd(env environment) *cobra.Command {
	cmd := groupCommand(&cobra.Command{
		Use:     "cache",
		Short:   "Manage the step cache",
		Example: "  ctgit cache prune --older-than 30d",
	})
	var olderThan, dir, format string
	prune := &cobra.Command{
		Use:   "prune",
		Short: "Remove cache entries older than a duration",
		Long: `prune removes step cache entries (and their outputs) created longer ago than
--older-than, work directories left by killed runs, and downloaded data
objects and assembled datasets (data/) that no run used within --older-than.
The latest entry of each step is kept whatever its age, so plans can still
say what changed.`,
		Example: `  ctgit cache prune --older-than 30d
  ctgit cache prune --older-than 12h --format json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, report.FormatText, report.FormatJSON); err != nil {
				return err
			}
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
			return report.CachePrune(cmd.OutOrStdout(), &report.CachePruneResult{
				APIVersion: version.APIVersion, Kind: report.CachePruneResultKind,
				CacheDir: relTo(ws.root, ws.cache.Dir()), OlderThanSeconds: age.Seconds(),
				Entries: st.Entries, Downloads: st.Downloads, Profiles: st.Profiles, Bytes: st.Bytes,
			}, format)
		},
	}
	prune.Flags().StringVar(&olderThan, flagOlderThan, "", `age of the entries to remove, e.g. "30d" or "12h" (required)`)
	addFormatFlag(prune, &format, report.FormatText, report.FormatJSON)
	prune.Flags().StringVar(&dir, flagDir, "", "pipelines directory (default: the repository's pipelines/)")
	cmd.AddCommand(prune)
	return cmd
}
