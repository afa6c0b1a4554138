package main

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/promote"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/report"
	"github.com/ctgit/ctgit/internal/telemetry"
	"github.com/ctgit/ctgit/internal/watch"
)

// Flag names of ctgit promote and ctgit rollback.
const (
	flagVersion  = "version"
	flagArtifact = "artifact"
	flagChannel  = "channel"
	flagDryRun   = "dry-run"
	flagTo       = "to"
	flagReason   = "reason"
)

type promoteCmdFlags struct {
	dir, version, artifact, channel, format string
	dryRun                                  bool
	promote                                 promoteFlags
	// metrics deliver a canary analysis's results.
	metrics metricsFlags
}

func newPromoteCmd(env environment) *cobra.Command {
	var f promoteCmdFlags
	cmd := &cobra.Command{
		Use:   "promote PIPELINE --version V [--artifact URI@sha256:HEX]",
		Short: "Open (or update) the pull request that promotes a model version",
		Long: `promote does by hand what ` + "`ctgit run`" + ` does after a candidate passes its
gates: it rewrites the version (and artifact) field of the pipeline's target
on branch ctgit/<model>, built fresh on the base branch as one commit with
provenance trailers, pushes it with a lease, and opens or updates the one
pull request of that branch (GitHub, or .ctgit/prs/ with the local forge).
The body is rendered from the newest run record whose candidate is this
artifact or version; without one it says the model was promoted by hand.

--channel NAME promotes to a stage of promote.channels: the version (and
artifact) the previous stage's target holds goes to NAME's target, on branch
ctgit/<model>-NAME. --dry-run prints the diff and the pull request and writes
nothing.

Exit codes: 0 done (or nothing to do), 2 bad input (unknown pipeline or
channel, missing target file or field, a version the scheme does not allow,
no token for GitHub), 3 push or API failure.`,
		Example: `  ctgit promote fraud --version 1.4.0 --dry-run
  ctgit promote fraud --version 1.4.0 --artifact oci://ghcr.io/acme/models/fraud@sha256:$DIGEST
  ctgit promote fraud --channel prod --format json`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error { return runPromote(cmd, args[0], f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dir, flagDir, "", "pipelines directory (default: the repository's pipelines/)")
	fl.StringVar(&f.version, flagVersion, "", "version to promote (default with --channel: the previous stage's)")
	fl.StringVar(&f.artifact, flagArtifact, "", "model artifact to pin, URI@sha256:HEX (default: the run record's candidate, when it has this version)")
	fl.StringVar(&f.channel, flagChannel, "", "promotion stage from promote.channels (default: the model's own target)")
	fl.BoolVar(&f.dryRun, flagDryRun, false, "print the diff and the pull request; write nothing")
	addFormatFlag(cmd, &f.format, report.FormatText, report.FormatJSON)
	addMetricsFlags(fl, &f.metrics, "a canary analysis's results, as metrics")
	f.promote.add(cmd, true, env)
	return cmd
}

func runPromote(cmd *cobra.Command, name string, f promoteCmdFlags) error {
	if err := checkFormat(f.format, report.FormatText, report.FormatJSON); err != nil {
		return err
	}
	if err := f.promote.check(); err != nil {
		return err
	}
	if f.promote.mode == "none" {
		return usagef("--%s none: promote always promotes; use auto, local or github", flagPromote)
	}
	if err := f.metrics.check(); err != nil {
		return err
	}
	ws, pp, err := loadPipeline(f.dir, name)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	p := &plan.Plan{Root: ws.root, Settings: ws.cfg.Settings}
	// Opening the store writes nothing; it is read for the run record of
	// the version promoted.
	store, err := openStore(ctx, p, f.promote.env)
	if err != nil {
		return err
	}
	defer store.Close()
	promoter, err := f.promote.newPromoter(p, store, f.dryRun, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	analysis, err := canaryAnalysis(cmd, ws.root, ws.cfg.Settings.Prometheus, pp, f)
	if err != nil {
		return err
	}
	out, err := promoter.PromoteManual(ctx, promote.ManualRequest{Pipeline: pp, Channel: f.channel, Version: f.version, Artifact: f.artifact, Analysis: analysis})
	if err != nil {
		return err
	}
	return reportOutcome(cmd, report.PromotionResultKind, ws.root, pp, out, f.dryRun, f.format)
}

// loadPipeline loads the workspace and finds a pipeline by name.
func loadPipeline(dir, name string) (*workspace, *config.Pipeline, error) {
	ws, err := loadWorkspace(dir)
	if err != nil {
		return nil, nil, err
	}
	if pp := ws.cfg.Pipeline(name); pp != nil {
		return ws, pp, nil
	}
	return nil, nil, fault.Input(fmt.Errorf("no pipeline named %q; pipelines here: %s", name, pipelineNames(ws.cfg)))
}

func pipelineNames(cfg *config.Config) string {
	var names []string
	for _, p := range cfg.Pipelines {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// reportOutcome says what a promotion or rollback (kind: which of the two)
// did, in format; a dry run's text prints the diff and the pull request
// it would open. A refused promotion is an error (exit 1) after its JSON.
func reportOutcome(cmd *cobra.Command, kind, root string, pp *config.Pipeline, out *promote.Outcome, dryRun bool, format string) error {
	res, err := report.NewPromotionResult(kind, root, pp.Name, pp.Model.Name, out.Promotion, out.Title, out.Body, out.Files, dryRun)
	if err != nil {
		return err
	}
	if err := report.Promotion(cmd.OutOrStdout(), res, format); err != nil {
		return err
	}
	if out.Promotion.Status == record.PromotionRefused {
		// The work ran and a rule said no: a human owns the branch or
		// closed its pull request.
		return fault.Check(fmt.Errorf("promotion refused: %s", out.Promotion.Reason))
	}
	return nil
}

// canaryAnalysis runs the analysis of the channel promoted into, when it
// declares one, on the version about to be carried there (the previous
// stage's, or --version) against the version the channel holds. A result
// that is not a pass — failed, or inconclusive for want of data — refuses
// the promotion (exit 1) before anything is written.
func canaryAnalysis(cmd *cobra.Command, root string, prom *config.PrometheusSettings, pp *config.Pipeline, f promoteCmdFlags) ([]report.AnalysisEvidence, error) {
	if f.channel == "" {
		return nil, nil
	}
	st, err := promote.StageOf(pp, f.channel)
	if err != nil {
		return nil, err
	}
	var declared bool
	for _, c := range pp.Promote.Channels {
		declared = declared || (c.Name == f.channel && c.Analysis != nil)
	}
	if !declared {
		return nil, nil
	}
	client, err := prometheusClient(prom, f.promote.env)
	if err != nil {
		return nil, err
	}
	canary := f.version
	if canary == "" {
		if canary, err = promote.ReadField(root, st.From.File, st.From.Path); err != nil {
			return nil, err
		}
	}
	stable, err := promote.ReadField(root, st.Target.File, st.Target.Path)
	if err != nil {
		return nil, err
	}
	canaryChannel := ""
	for i, c := range pp.Promote.Channels {
		if c.Name == f.channel && i > 0 {
			canaryChannel = pp.Promote.Channels[i-1].Name
		}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "canary analysis before %s: %s %s against %s %s\n", f.channel, pp.Model.Name, canary, f.channel, stable)
	evs, passed, err := watch.Analyze(cmd.Context(), watch.CanaryAnalysis{
		Pipeline: pp, Into: f.channel, CanaryChannel: canaryChannel, CanaryVersion: canary, StableVersion: stable, Client: client,
	})
	if err != nil {
		return nil, err
	}
	report.AnalysisText(cmd.ErrOrStderr(), f.channel, evs)
	if !f.dryRun {
		if err := publishProduction(cmd, f.metrics, nil, canaryMetrics(pp, f.channel, canary, evs), nil); err != nil {
			return nil, err
		}
	}
	if !passed {
		var why []string
		for _, e := range evs {
			if e.Phase != "Successful" {
				why = append(why, fmt.Sprintf("%s %s: %s", e.SLI, strings.ToLower(e.Phase), e.Message))
			}
		}
		return nil, fault.Check(fmt.Errorf("the canary analysis of %s %s before %s did not pass (%s): nothing promoted", pp.Model.Name, canary, f.channel, strings.Join(why, "; ")))
	}
	return evs, nil
}

// canaryMetrics are the production metrics of a canary analysis: per SLI,
// its verdict and, at its last measurement, the canary's value and
// canary − stable.
func canaryMetrics(pp *config.Pipeline, into, version string, evs []report.AnalysisEvidence) []telemetry.CanaryResult {
	var out []telemetry.CanaryResult
	now := time.Now()
	for _, e := range evs {
		c := telemetry.CanaryResult{Pipeline: pp.Name, Model: pp.Model.Name, SLI: e.SLI, Channel: into, Version: version, Passed: e.Phase == "Successful", At: now}
		if n := len(e.Measurements); n > 0 {
			last := e.Measurements[n-1]
			c.Value = last.Value
			if last.Value != nil && last.Stable != nil {
				d := *last.Value - *last.Stable
				c.Delta = &d
			}
		}
		out = append(out, c)
	}
	return out
}
