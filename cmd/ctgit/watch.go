package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/ghactions"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/promote"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/report"
	"github.com/ctgit/ctgit/internal/sli"
	"github.com/ctgit/ctgit/internal/telemetry"
	"github.com/ctgit/ctgit/internal/version"
	"github.com/ctgit/ctgit/internal/watch"
)

type watchFlags struct {
	dir, format string
	dryRun      bool
	promote     promoteFlags
	metrics     metricsFlags
}

func newWatchCmd(env environment) *cobra.Command {
	var f watchFlags
	cmd := &cobra.Command{
		Use:   "watch [MODEL...]",
		Short: "Judge deployed models by their SLIs; open a rollback pull request on a breach",
		Long: `watch is one pass of the production loop, for a scheduled workflow: for each
model whose pipeline declares watch (or each MODEL named), it reads the SLIs
watch names from Prometheus (settings.prometheus) for the version the watched
stage holds (watch.channel, else the last channel, else the model's own
target), respecting each SLI's for window. When one breaches, it opens a pull
request back to the previous version — on the rollback branch, updated in
place on the next pass — with the evidence: each query, its values over the
window as a chart, the promotion that introduced the version and its run.

It never rolls back past a human: a version set by hand (a commit without
ctgit's provenance trailers) is pinned, and a version a rollback restored is
held; both are reported, not undone. Every model is judged before anything is
written: a query Prometheus refuses, or a server that does not answer,
opens nothing.

Exit codes: 0 every watched SLI holds (or is pending: breaching, not yet for
its whole window); 1 a breach (a rollback pull request opened, or a pinned,
held or first version left as it is) or no data for an SLI (the rollback
watch promises cannot be decided); 2 bad input (no watch, a query Prometheus
refuses, several series where one is expected); 3 Prometheus, the forge or
the store unreachable.`,
		Example: `  ctgit watch                      # every model with a watch block
  ctgit watch churn-eu --dry-run   # judge one; print the rollback it would open
  ctgit watch --format json`,
		Args: usageArgs(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error { return runWatch(cmd, args, f, env) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dir, flagDir, "", "pipelines directory (default: the repository's pipelines/)")
	addFormatFlag(cmd, &f.format, report.FormatText, report.FormatJSON)
	fl.BoolVar(&f.dryRun, flagDryRun, false, "judge and print the rollback that would be opened; write nothing")
	f.promote.add(cmd, false, env)
	addMetricsFlags(fl, &f.metrics, "the SLIs read and the rollbacks opened, as metrics")
	return cmd
}

func runWatch(cmd *cobra.Command, args []string, f watchFlags, env environment) error {
	if err := checkFormat(f.format, report.FormatText, report.FormatJSON); err != nil {
		return err
	}
	if err := f.promote.check(); err != nil {
		return err
	}
	if err := f.metrics.check(); err != nil {
		return err
	}
	ws, err := loadWorkspace(f.dir)
	if err != nil {
		return err
	}
	var pipelines []*config.Pipeline
	if len(args) == 0 {
		for _, p := range ws.cfg.Pipelines {
			if p.Watch != nil {
				pipelines = append(pipelines, p)
			}
		}
	}
	for _, a := range args {
		p := findModel(ws.cfg, a)
		switch {
		case p == nil:
			return fault.Input(fmt.Errorf("no model or pipeline named %q; pipelines here: %s", a, pipelineNames(ws.cfg)))
		case p.Watch == nil:
			return fault.Input(fmt.Errorf("%s declares no watch: add watch: {slis: [...]} to pipeline %s (at %s)", a, p.Name, p.Pos))
		}
		pipelines = append(pipelines, p)
	}
	if len(pipelines) == 0 {
		return fault.Input(errors.New("no pipeline declares watch: nothing to judge"))
	}
	client, err := prometheusClient(ws.cfg.Settings.Prometheus, env)
	if err != nil {
		return err
	}
	p := &plan.Plan{Root: ws.root, Settings: ws.cfg.Settings}
	store, err := openStore(cmd.Context(), p, f.promote.env)
	if err != nil {
		return err
	}
	defer store.Close()
	// The forge and the token are checked before Prometheus is asked, so
	// a breach never finds them missing.
	promoter, err := f.promote.newPromoter(p, store, f.dryRun, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	rev := "HEAD"
	if promoter != nil {
		rev = promote.HistoryRev(ws.root, promoter.Remote, promoter.Base)
	}
	opt := watch.Options{Root: ws.root, Rev: rev, Client: client, Now: time.Now(), Versions: targetVersions(ws.root),
		Records: func(ctx context.Context, pipeline string) []*record.Run {
			recs, _ := store.Records(ctx, pipeline)
			return recs
		}}
	if promoter != nil {
		opt.Forge = promoter.Forge
	}
	models, err := watch.Judge(cmd.Context(), pipelines, opt)
	if err != nil {
		return err
	}
	for _, m := range models {
		if m.Status != watch.Breached || promoter == nil {
			continue
		}
		if err := watch.Rollback(cmd.Context(), promoter, m); err != nil {
			return err
		}
	}
	if path := env.get("GITHUB_OUTPUT"); path != "" {
		if err := ghactions.WriteOutputs(path, watchOutputs(models)); err != nil {
			return err
		}
	}
	if !f.dryRun {
		obs, rollbacks := watchMetrics(models, opt.Now)
		if err := publishProduction(cmd, f.metrics, obs, nil, rollbacks); err != nil {
			return err
		}
	}
	if f.format == report.FormatJSON {
		err = report.WriteJSON(cmd.OutOrStdout(), struct {
			APIVersion string         `json:"apiVersion"`
			Kind       string         `json:"kind"`
			Models     []*watch.Model `json:"models"`
		}{version.APIVersion, "WatchResult", models})
	} else {
		err = watchText(cmd.OutOrStdout(), models, f.dryRun || promoter == nil)
	}
	if err != nil {
		return err
	}
	for _, m := range models {
		if m.Status != watch.Healthy && m.Status != watch.Pending {
			return withCode(fault.Check(errors.New("a watched SLI breached or has no data")), errSilent)
		}
	}
	return nil
}

// prometheusClient is the client of settings.prometheus, its credentials
// read from the environment variables the settings name.
func prometheusClient(s *config.PrometheusSettings, env environment) (*sli.Client, error) {
	if s == nil {
		return nil, fault.Input(errors.New("settings.prometheus names no server to read SLIs from"))
	}
	c := &sli.Client{URL: s.URL}
	if s.TimeoutDuration > 0 {
		c.HTTP = &http.Client{Timeout: s.TimeoutDuration}
	}
	if n := s.BearerTokenEnv; n != "" {
		if c.BearerToken = env.get(n); c.BearerToken == "" {
			return nil, fault.Input(fmt.Errorf("settings.prometheus.bearerTokenEnv names %s, which is not set", n))
		}
	}
	if b := s.BasicAuth; b != nil {
		c.Username, c.Password = env.get(b.UsernameEnv), env.get(b.PasswordEnv)
		if c.Username == "" || c.Password == "" {
			return nil, fault.Input(fmt.Errorf("settings.prometheus.basicAuth names %s and %s; both must be set", b.UsernameEnv, b.PasswordEnv))
		}
	}
	return c, nil
}

// targetVersions reads what a stage's target holds in the work tree.
func targetVersions(root string) func(p *config.Pipeline, channel string) (string, error) {
	return func(p *config.Pipeline, channel string) (string, error) {
		st, err := promote.StageOf(p, channel)
		if err != nil {
			return "", err
		}
		return promote.ReadField(root, st.Target.File, st.Target.Path)
	}
}

func watchText(w io.Writer, models []*watch.Model, dry bool) error {
	for _, m := range models {
		stage := ""
		if m.Channel != "" {
			stage = " (" + m.Channel + ")"
		}
		fmt.Fprintf(w, "%s %s%s: %s: %s\n", m.Model, m.Version, stage, m.Status, m.Reason)
		if m.ApprovalSeconds != nil {
			line := fmt.Sprintf("  promotion approved in %s", (time.Duration(*m.ApprovalSeconds) * time.Second).Round(time.Second))
			if m.TimeToRetrainSeconds != nil {
				line += fmt.Sprintf("; trigger to merge %s", (time.Duration(*m.TimeToRetrainSeconds) * time.Second).Round(time.Second))
			}
			fmt.Fprintln(w, line)
		}
		for _, v := range m.SLIs {
			fmt.Fprintf(w, "  %s %s: %s\n", v.Name, v.Status, v.Reason)
		}
		switch {
		case m.Rollback != nil:
			fmt.Fprintf(w, "  rollback to %s: %s %s %s\n", m.RolledBackTo, m.Rollback.Status, m.Rollback.Branch, m.Rollback.URL)
		case m.Status == watch.Breached && dry:
			fmt.Fprintf(w, "  would roll back to %s (nothing written)\n", m.RolledBackTo)
		}
	}
	return nil
}

// watchOutputs are the Actions outputs of a pass: which models breached,
// which were rolled back (and where), which had no data.
func watchOutputs(models []*watch.Model) []ghactions.Output {
	var breached, rolled, nodata, urls []string
	for _, m := range models {
		switch m.Status {
		case watch.Breached, watch.Pinned, watch.Held, watch.NoEarlier:
			breached = append(breached, m.Model)
		case watch.Inconclusive:
			nodata = append(nodata, m.Model)
		}
		if m.Rollback != nil {
			rolled = append(rolled, m.Model)
			if m.Rollback.URL != "" {
				urls = append(urls, m.Rollback.URL)
			}
		}
	}
	return []ghactions.Output{
		{Name: "breached", Value: strings.Join(breached, " ")},
		{Name: "rolled-back", Value: strings.Join(rolled, " ")},
		{Name: "rollback-urls", Value: strings.Join(urls, " ")},
		{Name: "inconclusive", Value: strings.Join(nodata, " ")},
	}
}

// watchMetrics are the production metrics of a pass: every SLI read, and
// the rollbacks opened or updated.
func watchMetrics(models []*watch.Model, at time.Time) ([]telemetry.SLIObservation, []telemetry.Rollback) {
	var obs []telemetry.SLIObservation
	var rbs []telemetry.Rollback
	for _, m := range models {
		for _, v := range m.SLIs {
			obs = append(obs, telemetry.SLIObservation{Pipeline: m.Pipeline, Model: m.Model, SLI: v.Name, Version: m.Version, Channel: m.Channel, Value: v.Value, Status: v.Status, At: at})
		}
		if m.Rollback != nil {
			rbs = append(rbs, telemetry.Rollback{Pipeline: m.Pipeline, Model: m.Model, Channel: m.Channel, From: m.Version, To: m.RolledBackTo, At: at})
		}
	}
	return obs, rbs
}
