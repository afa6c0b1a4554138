package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/fsutil"
	"github.com/ctgit/ctgit/internal/monitor"
	"github.com/ctgit/ctgit/internal/promote"
)

func newMonitorCmd(env environment) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "monitor",
		Short: "Write monitoring configuration from the pipelines' SLIs",
		Args:  usageArgs(cobra.NoArgs),
	}
	var dir, output string
	rules := &cobra.Command{
		Use:   "rules [--output FILE]",
		Short: "Write Prometheus alerting rules from the pipelines' SLIs",
		Long: `rules writes Prometheus alerting rules from the slis the pipelines declare:
one alert per SLI on the version the watched stage holds now (watch.channel,
else the last channel, else the model's own target), and, for each channel
with an analysis, one per SLI it compares, canary against stable, with the
bounds and for windows ctgit itself judges by. Alerts and ctgit's decisions
(watch, trigger.onSLIBreach, promote --channel) thus come from one
definition. Versions are read from the targets in the work tree: write the
rules again after each promotion is merged.

Exit codes: 0 written, 2 bad input.`,
		Example: `  ctgit monitor rules --output deploy/prometheus/ctgit-rules.yml
  promtool check rules deploy/prometheus/ctgit-rules.yml`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ws, err := loadWorkspace(dir)
			if err != nil {
				return err
			}
			b, err := monitor.Rules(ws.cfg, func(p *config.Pipeline, channel string) (string, error) {
				t := p.Model.Target
				for _, c := range p.Promote.Channels {
					if c.Name == channel {
						t = c.Target
					}
				}
				return promote.ReadField(ws.root, t.File, t.Path)
			})
			if err != nil {
				return err
			}
			if output == "" {
				_, err = cmd.OutOrStdout().Write(b)
				return err
			}
			if err := fsutil.WriteFileAtomic(output, b, 0o644); err != nil {
				return fmt.Errorf("writing %s: %w", output, err)
			}
			return nil
		},
	}
	rules.Flags().StringVar(&dir, flagDir, "", "pipelines directory (default: the repository's pipelines/)")
	rules.Flags().StringVar(&output, flagOutput, "", "file to write (default: standard output)")
	cmd.AddCommand(rules)
	return cmd
}
