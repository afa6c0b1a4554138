package main

import (
	"context"
	"fmt"
	"io"
	"net"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/artifact"
	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/exec"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/promote"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/report"
	"github.com/ctgit/ctgit/internal/version"
	"github.com/ctgit/ctgit/internal/watch"
)

// Flag names of ctgit run.
const (
	flagExecutor = "executor"
	flagParallel = "parallel"
	flagPromote  = "promote"
	flagTrigger  = "trigger"
	flagQuiet    = "quiet"
	flagVerbose  = "verbose"
	// flagDriftImage is the ctgit image the Dagger executor's drift step
	// runs in.
	flagDriftImage = "drift-image"
	// flagRunner labels the runner, for its price.
	flagRunner = "runner"
)

type runFlags struct {
	format, dir, since, executor, trigger string
	driftImage, runner                    string
	parallel                              int
	forceTrain, quiet, verbose            bool
	promote                               promoteFlags
	metrics                               metricsFlags
}

func newRunCmd(env environment) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [PIPELINE...]",
		Short: "Run pipelines: validate, drift, train, evaluate, promote",
		Long: `run executes the plan: it validates the current data, measures drift,
trains when drift is found (or --force-train), applies the gates against the
current model, and promotes a candidate that passes them. Cached steps are not
run again. Each pipeline's run record goes to the artifact store and to
.ctgit/runs/.

Exit codes: 0 success (including "no drift: current model kept"), 1 a check
said no (data check, gate) or training failed, 2 bad input, 3 infrastructure
failure or interruption.`,
		Args: cobra.ArbitraryArgs, // pipeline names, checked against the configuration
		RunE: func(cmd *cobra.Command, args []string) error { return runRun(cmd, args, f, env) },
	}
	fl := cmd.Flags()
	addFormatFlag(cmd, &f.format, report.FormatText, report.FormatJSON)
	fl.StringVar(&f.dir, flagDir, "", "pipelines directory (default: the repository's pipelines/)")
	fl.StringVar(&f.since, flagChangedSince, "", "run only pipelines affected by changes since this Git revision")
	fl.StringVar(&f.executor, flagExecutor, "auto", "where steps run: "+strings.Join(executors, ", "))
	fl.IntVar(&f.parallel, flagParallel, 2, "pipelines run at once, and steps of one pipeline run at once")
	fl.BoolVar(&f.forceTrain, flagForceTrain, false, "train even without drift, past the minInterval and maxRetrains guardrails")
	fl.StringVar(&f.trigger, flagTrigger, "", "what triggered the run: "+strings.Join(triggerKinds, ", ")+" (default: from GITHUB_EVENT_NAME, else manual)")
	fl.BoolVar(&f.quiet, flagQuiet, false, "print only the summary")
	fl.BoolVar(&f.verbose, flagVerbose, false, "print the steps' output as it comes")
	fl.StringVar(&f.runner, flagRunner, "", "label of the runner this run is on, for its price in settings.prices.EXECUTOR.runners (default: $"+config.RunnerEnv+")")
	fl.StringVar(&f.driftImage, flagDriftImage, "", "ctgit image the dagger executor runs the drift step in, e.g. ghcr.io/ctgit/ctgit:<version> (default: $"+exec.DriftImageEnv+", else this binary, when the engine has its OS and architecture)")
	f.promote.add(cmd, true, env)
	addMetricsFlags(fl, &f.metrics, "the run's metrics")
	return cmd
}

// executors are the values of --executor.
var executors = []string{"auto", "local", "dagger"}

// triggerKinds are the values of --trigger: record.Trigger's kinds.
var triggerKinds = []string{"manual", "push", "schedule", "pull_request", "workflow_dispatch"}

// check validates run's flags, and reads the files they name, before
// anything is opened or written.
func (f *runFlags) check(cmd *cobra.Command) error {
	if err := checkFormat(f.format, report.FormatText, report.FormatJSON); err != nil {
		return err
	}
	if f.parallel < 1 {
		return usagef("--%s %d: at least 1 pipeline must run at once", flagParallel, f.parallel)
	}
	if err := checkEnum(flagExecutor, f.executor, executors...); err != nil {
		return err
	}
	if cmd.Flags().Changed(flagTrigger) {
		if err := checkEnum(flagTrigger, f.trigger, triggerKinds...); err != nil {
			return err
		}
	}
	if err := checkExclusive(cmd.Flags().Changed, flagQuiet, flagVerbose, "--quiet prints only the summary, --verbose every step's output"); err != nil {
		return err
	}
	if err := f.metrics.check(); err != nil {
		return err
	}
	return f.promote.check()
}

func runRun(cmd *cobra.Command, args []string, f runFlags, env environment) error {
	if err := f.check(cmd); err != nil {
		return err
	}
	ctx := cmd.Context()
	stderr := cmd.ErrOrStderr()
	runner := f.runner
	if runner == "" {
		runner = env.get(config.RunnerEnv)
	}
	if runner != "" {
		if err := config.CheckRunnerLabel(runner); err != nil {
			if f.runner == "" {
				return usagef("$%s: %v", config.RunnerEnv, err)
			}
			return usagef("--%s: %v", flagRunner, err)
		}
	}

	// Everything below up to exec.Run only reads: the plan, the store's
	// records, the promotion preflight and the executor. A refusal there
	// leaves the repository as it was.
	p, ws, err := buildPlan(ctx, f.dir, args, f.since, f.forceTrain)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, p, env)
	if err != nil {
		return err
	}
	defer store.Close()
	if why := runnerLocal(store, p.Root, env); why != "" && !p.Settings.AllowLocalArtifacts {
		return fault.Input(fmt.Errorf("%s: models and run records must outlive the job; "+
			"set settings.artifacts: \"oci://ghcr.io/OWNER/REPO-models\" (or CTGIT_ARTIFACTS in the workflow; workflow permissions: packages: write) or a bucket (s3://, gs://, azblob://); "+
			"on a self-hosted runner whose disk persists, settings.allowLocalArtifacts: true keeps it", why))
	}

	trigger := triggerFrom(f.trigger, f.since, p, env)
	if trigger.Kind == "schedule" {
		// A scheduled workflow runs often; each pipeline runs once per slot
		// of its own trigger.schedule, as its run records tell.
		plan.SelectDue(p, time.Now(), func(pipeline string) time.Time {
			recs, _ := store.Records(ctx, pipeline)
			var last time.Time
			for _, r := range recs {
				if r.Trigger.Kind == "schedule" && r.StartedAt.After(last) {
					last = r.StartedAt
				}
			}
			return last
		})
		if !f.quiet {
			for _, pp := range p.Pipelines {
				fmt.Fprintf(stderr, "schedule: %s: %s\n", pp.Name, pp.Reason)
			}
		}
	}
	noteW := stderr
	if f.quiet {
		noteW = io.Discard
	}
	promoter, err := f.promote.newPromoter(p, store, false, noteW)
	if err != nil {
		return err
	}
	if promoter != nil && mayPromote(p) {
		// Before any step runs: a promotion that cannot be pushed or opened
		// fails now, not after training.
		if err := promoter.Preflight(ctx); err != nil {
			return fault.As(fault.KindOf(err), fmt.Errorf("%w (to run the pipelines without promoting, pass --promote none)", err))
		}
	}
	driftImage := f.driftImage
	if driftImage == "" {
		driftImage = env.get(exec.DriftImageEnv)
	}
	executor, err := chooseExecutor(ctx, f.executor, stderr, f.quiet, env,
		exec.DaggerOptions{DriftImage: driftImage, Repository: exec.RepositoryIdentity(p.Root)})
	if err != nil {
		return err
	}
	defer executor.Close()
	actions := newActionsSurface(cmd, f.format, env)
	actions.maskSecrets(p)
	progress := newProgress(stderr, f.quiet, f.verbose || actions.on, env)
	defer progress.close()
	if actions.on && (f.parallel == 1 || countSelected(p) == 1) {
		// Step logs fold into one group per step; groups cannot nest or
		// interleave, so only when steps run one at a time.
		progress.groups = stderr
	}
	res := exec.Run(ctx, p, exec.Options{
		Executor:    executor,
		Cache:       ws.cache,
		Memo:        ws.memo,
		Artifacts:   store,
		RunsDir:     filepath.Join(p.Root, ".ctgit", "runs"),
		Parallel:    f.parallel,
		ForceTrain:  f.forceTrain,
		Runner:      runner,
		Trigger:     trigger,
		CI:          ciFromEnv(env),
		Observe:     progress.observe,
		Promoter:    promoterOrNil(promoter),
		HistoryLost: historyLost(store, p.Root, env),
		Environ:     env.environ,
		Data:        ws.data,
		ReadSLIs:    readSLIs(ws, env),
	})
	progress.close()
	// The memo only saves work; failing to keep it is not worth failing for.
	_ = ws.memo.Save()
	if len(res.Records) == 0 {
		fmt.Fprintln(stderr, "nothing to run: no pipeline selected")
	}
	out := cmd.OutOrStdout()
	if f.format == report.FormatJSON {
		if err := writeRecordsJSON(out, res.Records); err != nil {
			return err
		}
	} else {
		for _, r := range res.Records {
			if err := report.Run(out, r, report.FormatText, nil, report.Links{}); err != nil {
				return err
			}
			fmt.Fprintf(out, "  record: %s\n", relTo(p.Root, exec.RecordPath(filepath.Join(p.Root, ".ctgit", "runs"), r)))
		}
	}
	// Telemetry and CI surfaces report the run; their failure is reported
	// after the run's own outcome, which matters more.
	var surfaceErr error
	for _, r := range res.Records {
		if err := actions.report(ctx, r, store); err != nil && surfaceErr == nil {
			surfaceErr = err
		}
		file := f.metrics.file
		if file != "" && len(res.Records) > 1 {
			file = perPipeline(file, r.Pipeline)
		}
		if err := publishMetrics(cmd, r, f.metrics.pushgateway, file); err != nil && surfaceErr == nil {
			surfaceErr = err
		}
	}
	if res.Err == nil && surfaceErr != nil {
		return surfaceErr
	}
	if res.Err != nil {
		return res.Err
	}
	return nil
}

// runnerLocal says why, under CI, the store is a directory that the next
// job will not see: one inside the checkout (a relative file:// path among
// them), or any directory of a GitHub-hosted runner. "" outside CI or for a
// shared store.
func runnerLocal(store artifact.Store, root string, env environment) string {
	if !env.inCI() || !store.Local() {
		return ""
	}
	if within(root, store.Dir()) {
		return fmt.Sprintf("the artifact store %s is inside the checkout, which CI discards or cleans between jobs", store)
	}
	if env.inActions() && env.get("RUNNER_ENVIRONMENT") != "self-hosted" {
		return fmt.Sprintf("the artifact store %s is a directory of this GitHub-hosted runner, gone when the job ends", store)
	}
	return ""
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// historyLost says why run records kept in store will not outlive this run
// under GitHub Actions: a file:// store on a GitHub-hosted runner (a fresh
// machine per job), or one inside the checkout, which actions/checkout
// cleans before the next job on a self-hosted runner. "" when they will.
func historyLost(store artifact.Store, root string, env environment) string {
	if !env.inActions() || !store.Local() {
		return ""
	}
	if env.get("RUNNER_ENVIRONMENT") != "self-hosted" {
		return fmt.Sprintf("the artifact store %s is a directory of this GitHub-hosted runner, gone when the job ends", store)
	}
	if within(root, store.Dir()) {
		return fmt.Sprintf("the artifact store %s is inside the checkout, which actions/checkout cleans before the next job", store)
	}
	return ""
}

func relTo(root, path string) string {
	if r, err := filepath.Rel(root, path); err == nil {
		return r
	}
	return path
}

func writeRecordsJSON(w io.Writer, recs []*record.Run) error {
	if recs == nil {
		recs = []*record.Run{}
	}
	return report.WriteJSON(w, struct {
		APIVersion string        `json:"apiVersion"`
		Kind       string        `json:"kind"`
		Runs       []*record.Run `json:"runs"`
	}{version.APIVersion, "RunList", recs})
}

// triggerFrom says why this run happens: the flag, else GitHub Actions'
// event, else a manual run.
func triggerFrom(flag, since string, p *plan.Plan, env environment) record.Trigger {
	t := record.Trigger{Kind: flag}
	if t.Kind == "" {
		t.Kind = env.get("GITHUB_EVENT_NAME")
	}
	if t.Kind == "" {
		t.Kind = "manual"
	}
	if since != "" {
		t.Detail = fmt.Sprintf("changed since %s: %s", since, strings.Join(p.Changed, ", "))
	}
	return t
}

// ciFromEnv describes the GitHub Actions run ctgit is part of, if any.
func ciFromEnv(env environment) *record.CI {
	if !env.inActions() {
		return nil
	}
	ci := &record.CI{Provider: "github-actions", Ref: env.get("GITHUB_REF"), Actor: env.get("GITHUB_ACTOR")}
	if srv, repo, id := env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"), env.get("GITHUB_RUN_ID"); srv != "" && repo != "" && id != "" {
		ci.RunURL = fmt.Sprintf("%s/%s/actions/runs/%s", srv, repo, id)
	}
	return ci
}

// chooseExecutor picks where steps run and says why.
// dopt carries the Dagger executor's options other than where the engine
// is.
func chooseExecutor(ctx context.Context, name string, w io.Writer, quiet bool, env environment, dopt exec.DaggerOptions) (exec.Executor, error) {
	note := func(format string, args ...any) {
		if !quiet {
			fmt.Fprintf(w, format+"\n", args...)
		}
	}
	const localNote = "steps run on this host and their images are not used"
	host, configured := exec.EngineConfigured(env.get)
	switch name {
	case "local":
		note("executor: local (--executor local); %s", localNote)
		return newLocal(env)
	case "dagger":
		dopt.RunnerHost = host
		d, err := exec.NewDagger(ctx, dopt)
		if err != nil {
			return nil, err
		}
		note("executor: dagger (--executor dagger), engine %s", orDefault(host, "provisioned by the Dagger SDK"))
		return d, nil
	case "auto":
		if !configured {
			if sock, found := dockerSocket(env); found {
				d, err := exec.NewDagger(ctx, dopt)
				if err != nil {
					return nil, err
				}
				note("executor: dagger (auto: a Docker engine answers at %s, so the Dagger SDK provisions an engine there)", sock)
				return d, nil
			}
			note("executor: local (auto: %s is not set and no Docker engine answers); %s", exec.RunnerHostEnv, localNote)
			return newLocal(env)
		}
		dopt.RunnerHost = host
		d, err := exec.NewDagger(ctx, dopt)
		if err != nil {
			return nil, err
		}
		note("executor: dagger (auto: %s=%s answers)", exec.RunnerHostEnv, host)
		return d, nil
	}
	return nil, checkEnum(flagExecutor, name, executors...)
}

// dockerSocket finds a Docker engine the Dagger SDK could provision on.
func dockerSocket(env environment) (string, bool) {
	addr := "/var/run/docker.sock"
	if h := env.get("DOCKER_HOST"); strings.HasPrefix(h, "unix://") {
		addr = strings.TrimPrefix(h, "unix://")
	} else if h != "" {
		return "", false
	}
	c, err := net.DialTimeout("unix", addr, time.Second)
	if err != nil {
		return "", false
	}
	c.Close()
	if _, err := osexec.LookPath("docker"); err != nil {
		return "", false
	}
	return addr, true
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// promote and exec are peers: this is where a *promote.Promoter becomes
// the exec.Promoter a run promotes through.
var _ exec.Promoter = (*promote.Promoter)(nil)

// promoterOrNil keeps a nil *promote.Promoter from becoming a non-nil
// interface.
func promoterOrNil(p *promote.Promoter) exec.Promoter {
	if p == nil {
		return nil
	}
	return p
}

// mayPromote says whether some selected pipeline has a promote step the
// plan does not already skip.
func mayPromote(p *plan.Plan) bool {
	for _, pp := range p.Pipelines {
		if s := pp.Step(plan.StepPromote); pp.Selected && s != nil && s.Action != plan.ActionSkip {
			return true
		}
	}
	return false
}

func countSelected(p *plan.Plan) int {
	n := 0
	for _, pp := range p.Pipelines {
		if pp.Selected {
			n++
		}
	}
	return n
}

// perPipeline names the metrics file of one pipeline when a run has
// several: ctgit.prom → ctgit-fraud.prom.
func perPipeline(path, pipeline string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-" + pipeline + ext
}

// readSLIs reads trigger.onSLIBreach's SLIs from settings.prometheus, nil
// without one.
func readSLIs(ws *workspace, env environment) func(context.Context, *config.Pipeline) ([]record.SLIReading, error) {
	if ws.cfg.Settings.Prometheus == nil {
		return nil
	}
	return func(ctx context.Context, p *config.Pipeline) ([]record.SLIReading, error) {
		client, err := prometheusClient(ws.cfg.Settings.Prometheus, env)
		if err != nil {
			return nil, err
		}
		return watch.Read(ctx, p, watch.Options{Root: ws.root, Client: client, Now: time.Now(), Versions: targetVersions(ws.root)})
	}
}
