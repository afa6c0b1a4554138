package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/exec"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/promote"
	"github.com/ctgit/ctgit/internal/record"
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
the local forge's .ctgit/prs/ files. When settings.prices are declared, it
lists what each model's runs spent over its budget's window (30 days for a
model without a budget), from the run records. Nothing is written but the load cache.`,
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
			st.Spend = modelSpend(cmd.Context(), p, pipelines, env, time.Now())
			if format == report.FormatJSON {
				return report.WriteStatusJSON(cmd.OutOrStdout(), st)
			}
			return report.WriteStatusText(cmd.OutOrStdout(), st, ws.root)
		},
	}
	f := cmd.Flags()
	addFormatFlag(cmd, &format, report.FormatText, report.FormatJSON)
	f.StringVar(&dir, flagDir, "", "pipelines directory (default: the repository's pipelines/)")
	f.StringVar(&pf.tokenFile, flagTokenFile, "", "file holding the GitHub token (default: $GITHUB_TOKEN)")
	f.StringVar(&pf.githubURL, flagGitHubURL, "", "GitHub Enterprise URL (default: settings.github.url, else github.com)")
	pf.mode, pf.env = "auto", env
	return cmd
}

// spendWindow is the window of spend status shows for a model without a
// budget.
const spendWindow = "30d"

// modelSpend adds up, for each pipeline, what its runs spent over its
// budget's window, from the run records in the artifact store; nil when
// the repository declares no prices. A store that cannot be read is said
// per model, not fatal: the versions are still worth showing.
func modelSpend(ctx context.Context, p *plan.Plan, pipelines []*config.Pipeline, env environment, now time.Time) []record.ModelSpend {
	prices := p.Settings.Prices
	if len(prices) == 0 {
		return nil
	}
	store, openErr := openStore(ctx, p, env)
	if openErr == nil {
		defer store.Close()
	}
	var out []record.ModelSpend
	for _, pl := range pipelines {
		b := pl.Budget
		if b == nil {
			d, _ := config.ParseDuration(spendWindow)
			b = &config.Budget{Window: spendWindow, WindowDuration: d, Currency: p.Settings.Currency()}
		}
		ms := record.ModelSpend{Pipeline: pl.Name, Model: pl.Model.Name, Window: b.Window, Currency: b.Currency}
		if pl.Budget != nil {
			ms.Budget = &pl.Budget.Max
		}
		err := openErr
		if err == nil {
			var recs []*record.Run
			if recs, err = store.Records(ctx, pl.Name); err == nil {
				s := exec.BudgetSpend(recs, now, b, prices)
				ms.Amount, ms.Runs, ms.Unknown = s.Amount, s.Runs, s.Unknown
			}
		}
		if err != nil {
			ms.Error = "the run records cannot be read: " + err.Error()
		}
		out = append(out, ms)
	}
	return out
}
