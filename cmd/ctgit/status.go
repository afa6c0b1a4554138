package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/promote"
	"github.com/ctgit/ctgit/internal/report"
)

func newStatusCmd(env environment) *cobra.Command {
	var (
		format, dir string
		pf          promoteFlags
	)
	cmd := &cobra.Command{
		Use:   "status [MODEL]",
		Short: "Show each model's current version and open promotion pull requests",
		Long: `status shows, for every model (or the one named, by model or pipeline
name) and every channel, the version its target holds on the base branch,
when the commit that set it landed, and the open promotion pull request of
its branch: on GitHub when a token and a GitHub repository are known, else
the local forge's .ctgit/prs/ files. Nothing is written but the load cache.`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, report.FormatText, report.FormatJSON); err != nil {
				return err
			}
			if err := pf.check(); err != nil {
				return err
			}
			ws, err := loadWorkspace(dir)
			if err != nil {
				return err
			}
			pipelines := ws.cfg.Pipelines
			if len(args) == 1 {
				pp := findModel(ws.cfg, args[0])
				if pp == nil {
					return fault.Input(fmt.Errorf("no model or pipeline named %q; pipelines here: %s", args[0], pipelineNames(ws.cfg)))
				}
				pipelines = []*config.Pipeline{pp}
			}
			p := &plan.Plan{Root: ws.root, Settings: ws.cfg.Settings}
			pr, err := pf.newPromoter(p, nil, true, io.Discard)
			if err != nil {
				return err
			}
			st, err := promote.ReadStatus(cmd.Context(), ws.root, promote.HistoryRev(ws.root, pr.Remote, pr.Base), pr.Base, pipelines, pr.Forge)
			if err != nil {
				return err
			}
			if format == report.FormatJSON {
				return report.WriteStatusJSON(cmd.OutOrStdout(), st)
			}
			return report.WriteStatusText(cmd.OutOrStdout(), st, ws.root)
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, flagFormat, report.FormatText, "output format: text or json")
	f.StringVar(&dir, flagDir, "", "pipelines directory (default: the repository's pipelines/)")
	f.StringVar(&pf.tokenFile, flagTokenFile, "", "file holding the GitHub token (default: $GITHUB_TOKEN)")
	f.StringVar(&pf.githubURL, flagGitHubURL, "", "GitHub Enterprise URL (default: settings.github.url, else github.com)")
	pf.mode, pf.env = "auto", env
	return cmd
}
