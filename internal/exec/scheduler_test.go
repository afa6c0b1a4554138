package exec

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/artifact"
	"github.com/ctgit/ctgit/internal/cache"
	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
)

// repo is a scratch repository with one pipeline whose training is a shell
// script, so scheduling is tested with real processes in milliseconds.
type repo struct {
	t    *testing.T
	root string
}

const refCSV = "x,c\n1,a\n2,b\n3,a\n4,b\n5,a\n6,b\n7,a\n8,b\n9,a\n10,b\n"

// driftedCSV has moved far from refCSV.
const driftedCSV = "x,c\n91,z\n92,z\n93,z\n94,z\n95,z\n96,z\n97,z\n98,z\n99,z\n100,z\n"

func newRepo(t *testing.T, pipeline string, files map[string]string) *repo {
	t.Helper()
	r := &repo{t: t, root: t.TempDir()}
	base := map[string]string{
		"data/ref.csv":     refCSV,
		"data/cur.csv":     driftedCSV,
		"deploy/model.cue": "model: {\n\tversion: \"1.0.0\"\n\tartifact: \"none\"\n}\n",
		"pipelines/p.cue":  pipeline,
	}
	for k, v := range files {
		base[k] = v
	}
	for name, content := range base {
		r.write(name, content)
	}
	return r
}

func (r *repo) write(name, content string) {
	r.t.Helper()
	p := filepath.Join(r.root, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	mode := os.FileMode(0o644)
	if strings.HasSuffix(name, ".sh") {
		mode = 0o755
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		r.t.Fatal(err)
	}
}

// pipeline is a CUE pipeline around a training script in train/.
func pipeline(train, extra string) string {
	return `package pipelines

pipelines: p: {
	model: {name: "m", target: {file: "deploy/model.cue", path: "model.version", artifact: "model.artifact"}}
	data: {reference: "data/ref.csv", current: "data/cur.csv"}
	checks: {
		minRows: 5
		columns: x: {type: "number", min: 0}
		columns: c: {type: "category"}
		drift: {method: "auto", share: 0.5}
	}
	train: {
		image: "busybox"
		code: "train"
` + train + `
	}
	evaluate: {
		gates: [{metric: "auc", min: 0.5}, {metric: "auc", maxDropFromBaseline: 0.1}]
		firstRun: "promote"
	}
` + extra + `
}
`
}

// okTrain writes a model and metrics.
const okTrain = `#!/bin/sh
echo "training on $CTGIT_CURRENT_FILE"
printf 'weights' > "$CTGIT_MODEL_PATH"
printf '{"auc": 0.9, "slices": {"a": {"auc": 0.9}}}' > "$CTGIT_METRICS_FILE"
`

type runOpts struct {
	force    bool
	ctx      context.Context
	promoter Promoter
	now      time.Time
	environ  []string
	ci       *record.CI
	lost     string
	// artifacts is the artifact store URL (file://.ctgit/artifacts when "").
	artifacts string
	// parallel is Options.Parallel.
	parallel int
}

// run plans and runs the repository once with the local executor.
func (r *repo) run(o runOpts) *Result { return r.runReadingSLIs(o, nil) }

// runReadingSLIs is run with the function that reads trigger.onSLIBreach's SLIs.
func (r *repo) runReadingSLIs(o runOpts, readSLIs func(context.Context, *config.Pipeline) ([]record.SLIReading, error)) *Result {
	r.t.Helper()
	cfg, err := config.Load(r.root, "pipelines")
	if err != nil {
		r.t.Fatalf("Load: %v", err)
	}
	store := cache.Open(filepath.Join(r.root, ".ctgit", "cache"))
	memo := digest.NewMemo()
	p, err := plan.Build(cfg, plan.Options{Cache: store, Memo: memo, ForceTrain: o.force})
	if err != nil {
		r.t.Fatalf("Build: %v", err)
	}
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	storeURL := o.artifacts
	if storeURL == "" {
		storeURL = "file://.ctgit/artifacts"
	}
	arts, err := artifact.Open(ctx, storeURL, r.root)
	if err != nil {
		r.t.Fatal(err)
	}
	defer arts.Close()
	opt := Options{
		Executor:    &Local{KillGrace: 200 * time.Millisecond},
		Cache:       store,
		Memo:        memo,
		Artifacts:   arts,
		RunsDir:     filepath.Join(r.root, ".ctgit", "runs"),
		ForceTrain:  o.force,
		Promoter:    o.promoter,
		RetryBase:   10 * time.Millisecond,
		Environ:     o.environ,
		CI:          o.ci,
		HistoryLost: o.lost,
		Parallel:    o.parallel,
		ReadSLIs:    readSLIs,
	}
	if !o.now.IsZero() {
		opt.Now = func() time.Time { return o.now }
	}
	return Run(ctx, p, opt)
}

func statuses(rec *record.Run) []string {
	var out []string
	for _, s := range rec.Steps {
		out = append(out, s.Name+"="+string(s.Status))
	}
	return out
}

func TestRunTrainsOnDriftThenCachesEverything(t *testing.T) {
	r := newRepo(t, pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{"train/train.sh": okTrain})
	res := r.run(runOpts{})
	if res.Err != nil {
		t.Fatalf("run: %v", res.Err)
	}
	rec := res.Records[0]
	want := []string{"validate=succeeded", "drift=succeeded", "train=succeeded", "evaluate=succeeded", "promote=skipped"}
	if diff := cmp.Diff(want, statuses(rec)); diff != "" {
		t.Fatalf("steps (-want +got):\n%s", diff)
	}
	if rec.Outcome != record.OutcomePassed || rec.Candidate == nil || rec.Candidate.Version != "1.1.0" {
		t.Fatalf("outcome %s, candidate %+v", rec.Outcome, rec.Candidate)
	}
	if !strings.HasPrefix(rec.Gates[1].Reason, "not evaluated: no run record promoted m 1.0.0") || !rec.Gates[1].Skipped {
		t.Errorf("first run's relative gate: %q", rec.Gates[1].Reason)
	}
	// The model is in the artifact store under its digest.
	want0 := digest.Bytes([]byte("weights"))
	if rec.Candidate.Digest != want0 {
		t.Errorf("candidate digest %s, want %s", rec.Candidate.Digest, want0)
	}
	stored := filepath.Join(r.root, ".ctgit", "artifacts", "models", "m", "sha256", strings.TrimPrefix(want0, digest.Prefix))
	if b, err := os.ReadFile(stored); err != nil || string(b) != "weights" {
		t.Errorf("stored artifact: %q, %v", b, err)
	}
	// The record is written, atomically, where the run says.
	if _, err := record.Read(RecordPath(filepath.Join(r.root, ".ctgit", "runs"), rec)); err != nil {
		t.Errorf("reading the record back: %v", err)
	}

	again := r.run(runOpts{}).Records[0]
	want = []string{"validate=cached", "drift=cached", "train=cached", "evaluate=cached", "promote=skipped"}
	if diff := cmp.Diff(want, statuses(again)); diff != "" {
		t.Fatalf("rerun (-want +got):\n%s", diff)
	}
	if again.Outcome != record.OutcomePassed || again.Training == nil || again.Training.Metrics["auc"] != 0.9 {
		t.Fatalf("rerun restored outcome %s, training %+v", again.Outcome, again.Training)
	}
}

func TestRunNoDriftKeepsTheCurrentModel(t *testing.T) {
	r := newRepo(t, pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{
		"train/train.sh": "#!/bin/sh\nexit 99\n",
		"data/cur.csv":   refCSV,
	})
	res := r.run(runOpts{})
	if res.Err != nil {
		t.Fatalf("no drift is a success, got %v", res.Err)
	}
	rec := res.Records[0]
	want := []string{"validate=succeeded", "drift=succeeded", "train=skipped", "evaluate=skipped", "promote=skipped"}
	if diff := cmp.Diff(want, statuses(rec)); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if rec.Outcome != record.OutcomeNoDrift || rec.Steps[2].Reason != "no drift: current model kept" {
		t.Errorf("outcome %s, train reason %q", rec.Outcome, rec.Steps[2].Reason)
	}
	// --force-train trains anyway; this training fails.
	forced := r.run(runOpts{force: true})
	if fault.KindOf(forced.Err) != fault.CheckFailed || forced.Records[0].Outcome != record.OutcomeFailed {
		t.Fatalf("forced: %v, %s", forced.Err, forced.Records[0].Outcome)
	}
}

func TestRunRetriesWithBackoff(t *testing.T) {
	// Fails on the first two attempts, succeeds on the third.
	flaky := `#!/bin/sh
n=$(cat "$COUNTER" 2>/dev/null || echo 0)
n=$((n+1))
echo $n > "$COUNTER"
if [ $n -lt 3 ]; then echo "attempt $n failed" >&2; exit 7; fi
` + strings.TrimPrefix(okTrain, "#!/bin/sh\n")
	counter := filepath.Join(t.TempDir(), "n")
	env := fmt.Sprintf(`env: COUNTER: %q`, counter)
	r := newRepo(t, pipeline(`command: ["sh", "train.sh"], retries: 2, `+env, ""), map[string]string{"train/train.sh": flaky})
	res := r.run(runOpts{})
	if res.Err != nil {
		t.Fatalf("third attempt should succeed: %v", res.Err)
	}
	if st := res.Records[0].Steps[2]; st.Attempts != 3 || st.Status != record.StepSucceeded {
		t.Fatalf("train: %+v", st)
	}

	os.Remove(counter)
	r2 := newRepo(t, pipeline(`command: ["sh", "train.sh"], retries: 1, `+env, ""), map[string]string{"train/train.sh": flaky})
	res = r2.run(runOpts{})
	st := res.Records[0].Steps[2]
	if fault.KindOf(res.Err) != fault.CheckFailed || st.Attempts != 2 || st.ExitCode == nil || *st.ExitCode != 7 {
		t.Fatalf("err %v, train %+v", res.Err, st)
	}
	if !strings.Contains(st.Stderr, "attempt 2 failed") || !strings.Contains(st.Reason, "the current model is kept") {
		t.Errorf("stderr %q, reason %q", st.Stderr, st.Reason)
	}
	if _, ok := cache.Open(filepath.Join(r2.root, ".ctgit", "cache")).Get(trainKey(t, r2)); ok {
		t.Error("a failed training left a cache entry")
	}
}

// trainKey is the planned key of the repository's training step.
func trainKey(t *testing.T, r *repo) string {
	cfg, err := config.Load(r.root, "pipelines")
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Build(cfg, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Pipelines[0].Step(plan.StepTrain).Key
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func waitGone(t *testing.T, pidFile string) {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the step did not record its child: %v", err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid <= 0 {
		t.Fatalf("the step recorded no pid of its child: %q", b)
	}
	deadline := time.Now().Add(3 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d of the step's group survived it", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sleeper starts a background child (recording its pid) and hangs.
const sleeper = `#!/bin/sh
sleep 60 &
echo $! > "$PIDFILE"
echo started >&2
sleep 60
`

func TestRunTimeoutKillsTheProcessGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	r := newRepo(t, pipeline(fmt.Sprintf(`command: ["sh", "train.sh"], timeout: "1s", env: PIDFILE: %q`, pidFile), ""),
		map[string]string{"train/train.sh": sleeper})
	start := time.Now()
	res := r.run(runOpts{})
	st := res.Records[0].Steps[2]
	if fault.KindOf(res.Err) != fault.CheckFailed || !strings.Contains(st.Reason, "timed out after 1s") {
		t.Fatalf("err %v, train %+v", res.Err, st)
	}
	if time.Since(start) > 20*time.Second {
		t.Fatal("the timeout did not stop the step")
	}
	waitGone(t, pidFile)
}

func TestRunCancelStopsTheStepAndWritesNothingHalfway(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	r := newRepo(t, pipeline(fmt.Sprintf(`command: ["sh", "train.sh"], env: PIDFILE: %q`, pidFile), ""),
		map[string]string{"train/train.sh": sleeper})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Once the pid is written, not when the file appears: a cancel
		// between the two would leave no pid to check.
		for {
			if b, err := os.ReadFile(pidFile); err == nil && strings.HasSuffix(string(b), "\n") {
				cancel()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	res := r.run(runOpts{ctx: ctx})
	rec := res.Records[0]
	if rec.Outcome != record.OutcomeCanceled || fault.KindOf(res.Err) != fault.Infrastructure {
		t.Fatalf("outcome %s, err %v", rec.Outcome, res.Err)
	}
	waitGone(t, pidFile)
	// The interrupted run is recorded; its training left nothing behind.
	if _, err := record.Read(RecordPath(filepath.Join(r.root, ".ctgit", "runs"), rec)); err != nil {
		t.Errorf("record of the interrupted run: %v", err)
	}
	tmp, _ := os.ReadDir(filepath.Join(r.root, ".ctgit", "cache", "tmp"))
	if len(tmp) != 0 {
		t.Errorf("work directories left: %v", tmp)
	}
	if _, ok := cache.Open(filepath.Join(r.root, ".ctgit", "cache")).Get(trainKey(t, r)); ok {
		t.Error("an interrupted training left a cache entry")
	}
}

func TestRunGateFailure(t *testing.T) {
	p := strings.Replace(pipeline(`command: ["sh", "train.sh"]`, ""), `{metric: "auc", min: 0.5}`, `{metric: "auc", min: 0.95}`, 1)
	r := newRepo(t, p, map[string]string{"train/train.sh": okTrain})
	res := r.run(runOpts{})
	rec := res.Records[0]
	if fault.KindOf(res.Err) != fault.CheckFailed || rec.Outcome != record.OutcomeGatesFailed {
		t.Fatalf("err %v, outcome %s", res.Err, rec.Outcome)
	}
	g := rec.Gates[0]
	if g.Passed || g.Reason != "auc 0.9 < 0.95" || g.Pos.File != "pipelines/p.cue" || g.Pos.Line == 0 {
		t.Errorf("gate %+v", g)
	}
	if rec.Steps[4].Status != record.StepSkipped {
		t.Errorf("promote ran after a failed gate: %+v", rec.Steps[4])
	}
}

func TestRunBadTrainingOutputIsBadInput(t *testing.T) {
	tests := []struct {
		name, script, command, want string
	}{
		{"command missing", okTrain, `["no-such-trainer-xyz"]`, `command "no-such-trainer-xyz" not found in PATH`},
		{"metrics not JSON", "#!/bin/sh\necho w > $CTGIT_MODEL_PATH\necho 'auc=1' > $CTGIT_METRICS_FILE\n", `["sh", "train.sh"]`, "is not a JSON object"},
		{"metric missing", "#!/bin/sh\necho w > $CTGIT_MODEL_PATH\necho '{\"acc\": 1}' > $CTGIT_METRICS_FILE\n", `["sh", "train.sh"]`, `has no metric "auc" (it has: acc)`},
		{"no model", "#!/bin/sh\necho '{\"auc\": 1}' > $CTGIT_METRICS_FILE\n", `["sh", "train.sh"]`, "the training did not write model in $CTGIT_OUTPUT_DIR"},
		{"model escapes", "#!/bin/sh\nln -s /etc/hostname $CTGIT_MODEL_PATH\necho '{\"auc\": 1}' > $CTGIT_METRICS_FILE\n", `["sh", "train.sh"]`, "is a symlink out of the output directory"},
		{"other output escapes", okTrain + "ln -s /etc $CTGIT_OUTPUT_DIR/etc\n", `["sh", "train.sh"]`, "output etc is a symlink out of the output directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRepo(t, pipeline(`command: `+tt.command, ""), map[string]string{"train/train.sh": tt.script})
			res := r.run(runOpts{})
			if fault.KindOf(res.Err) != fault.BadInput {
				t.Fatalf("failure kind %s (%v), want bad input", fault.KindOf(res.Err), res.Err)
			}
			if !strings.Contains(res.Err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", res.Err, tt.want)
			}
			if res.Records[0].Promotion != nil {
				t.Error("something was promoted")
			}
		})
	}
}

func TestRunDataCheckFailureNamesTheLine(t *testing.T) {
	r := newRepo(t, pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{
		"train/train.sh": okTrain,
		"data/cur.csv":   "x,c\n1,a\n-2,b\n3,a\n-4,b\n5,a\n6,b\n",
	})
	res := r.run(runOpts{})
	rec := res.Records[0]
	if fault.KindOf(res.Err) != fault.CheckFailed || rec.Outcome != record.OutcomeInvalidData {
		t.Fatalf("err %v, outcome %s", res.Err, rec.Outcome)
	}
	if !strings.Contains(res.Err.Error(), "x min (2 of 6 values not ≥ 0 (first: -2 in row 2), declared at pipelines/p.cue:8:32)") {
		t.Errorf("error: %v", res.Err)
	}
}

func TestRunSecretsNeverRecorded(t *testing.T) {
	secret := "s3cr3t-value-123"
	script := okTrain + "echo \"token is $API_TOKEN\"\necho \"token is $API_TOKEN\" >&2\nexit 3\n"
	r := newRepo(t, pipeline(`command: ["sh", "train.sh"], secrets: ["API_TOKEN"]`, ""), map[string]string{"train/train.sh": script})
	var logs []string
	res := r.run(runOpts{environ: append(os.Environ(), "API_TOKEN="+secret)})
	if res.Err == nil {
		t.Fatal("the training exits 3")
	}
	_ = logs
	b, _ := os.ReadFile(RecordPath(filepath.Join(r.root, ".ctgit", "runs"), res.Records[0]))
	if strings.Contains(string(b), secret) {
		t.Fatal("the secret's value is in the run record")
	}
	if !strings.Contains(string(b), "token is ***") {
		t.Error("the stderr tail should be recorded, masked")
	}
	// A missing secret is bad input, before anything runs.
	res = r.run(runOpts{environ: []string{"PATH=" + os.Getenv("PATH")}})
	if fault.KindOf(res.Err) != fault.BadInput || !strings.Contains(res.Err.Error(), "API_TOKEN, not set") {
		t.Errorf("missing secret: %v", res.Err)
	}
}

func TestGuardrails(t *testing.T) {
	day := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	extra := `trigger: {maxRetrains: {count: 1, window: "7d"}, minInterval: "1h"}`
	r := newRepo(t, pipeline(`command: ["sh", "train.sh"]`, extra), map[string]string{"train/train.sh": okTrain})
	if res := r.run(runOpts{now: day}); res.Err != nil {
		t.Fatal(res.Err)
	}
	// New data: training would run, but within the hour it is held.
	r.write("data/cur.csv", driftedCSV+"101,z\n")
	rec := r.run(runOpts{now: day.Add(30 * time.Minute)}).Records[0]
	if rec.Outcome != record.OutcomeHeld || !strings.Contains(rec.Steps[2].Reason, "held by guardrail minInterval") {
		t.Fatalf("outcome %s, train %q", rec.Outcome, rec.Steps[2].Reason)
	}
	// Past the hour, the weekly budget of one retrain holds it.
	rec = r.run(runOpts{now: day.Add(2 * time.Hour)}).Records[0]
	if rec.Outcome != record.OutcomeHeld || !strings.Contains(rec.Steps[2].Reason, "1 retrain(s) in the last 7d already, at most 1") {
		t.Fatalf("outcome %s, train %q", rec.Outcome, rec.Steps[2].Reason)
	}
	// A week later it trains again; --force-train would have earlier.
	if rec = r.run(runOpts{now: day.Add(8 * 24 * time.Hour)}).Records[0]; rec.Steps[2].Status != record.StepSucceeded {
		t.Fatalf("a week later: %+v", rec.Steps[2])
	}
	r.write("data/cur.csv", driftedCSV+"102,z\n")
	if rec = r.run(runOpts{now: day.Add(8*24*time.Hour + time.Minute), force: true}).Records[0]; rec.Steps[2].Status != record.StepSucceeded {
		t.Fatalf("forced: %+v", rec.Steps[2])
	}
}

func TestLabelLagHold(t *testing.T) {
	extra := `trigger: labelLag: {column: "labeled_at", minLabeledShare: 0.8, maxLag: "2d"}`
	cur := "x,c,labeled_at\n"
	for i := 1; i <= 10; i++ {
		ts := "2026-11-19T00:00:00Z"
		if i > 7 {
			ts = "" // three rows not labelled yet
		}
		cur += fmt.Sprintf("%d,z,%s\n", 90+i, ts)
	}
	r := newRepo(t, pipeline(`command: ["sh", "train.sh"]`, extra), map[string]string{"train/train.sh": okTrain, "data/cur.csv": cur})
	rec := r.run(runOpts{now: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}).Records[0]
	if rec.Outcome != record.OutcomeHeld || !strings.Contains(rec.Steps[2].Reason, "70.0% of current rows are labelled, at least 80.0% required") {
		t.Fatalf("outcome %s: %q %+v", rec.Outcome, rec.Steps[2].Reason, rec.Steps)
	}
	if rec.LabelLag == nil || rec.LabelLag.LabeledShare != 0.7 || *rec.LabelLag.LagSeconds != 86400 {
		t.Errorf("label lag %+v", rec.LabelLag)
	}
}

func TestBaselineFromRecords(t *testing.T) {
	// The current version's metrics come from the record of the run that
	// promoted it.
	r := newRepo(t, pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{"train/train.sh": okTrain})
	p := &recordingPromoter{}
	if res := r.run(runOpts{promoter: p}); res.Err != nil {
		t.Fatal(res.Err)
	}
	// "Merge" the promotion, and train a worse model on new data.
	r.write("deploy/model.cue", "model: {\n\tversion: \"1.1.0\"\n\tartifact: \"none\"\n}\n")
	r.write("train/train.sh", strings.Replace(okTrain, `"auc": 0.9`, `"auc": 0.7`, 1))
	r.write("data/cur.csv", driftedCSV+"101,z\n")
	res := r.run(runOpts{promoter: p})
	rec := res.Records[0]
	if rec.Outcome != record.OutcomeGatesFailed {
		t.Fatalf("outcome %s (%v)", rec.Outcome, res.Err)
	}
	g := rec.Gates[1]
	if g.Passed || g.Reason != "auc dropped 0.2 from 0.9, allowed 0.1" || rec.Baseline.Version != "1.1.0" {
		t.Errorf("relative gate %+v, baseline %+v", g, rec.Baseline)
	}
	if len(p.calls) != 1 || p.calls[0] != "1.0.0 → 1.1.0" {
		t.Errorf("promotions: %v", p.calls)
	}
}

type recordingPromoter struct{ calls []string }

func (p *recordingPromoter) Promote(_ context.Context, _ *plan.PipelinePlan, _ *record.Run, version, current string) (*record.Promotion, error) {
	p.calls = append(p.calls, current+" → "+version)
	return &record.Promotion{Status: "opened", From: current, To: version}, nil
}

func TestLocalGPUPreflight(t *testing.T) {
	dir := t.TempDir()
	// A stand-in nvidia-smi that lists one GPU.
	smi := filepath.Join(dir, "nvidia-smi")
	os.WriteFile(smi, []byte("#!/bin/sh\necho 'GPU 0: Test GPU (UUID: GPU-1)'\n"), 0o755)
	l := &Local{NvidiaSMI: smi}
	names, visible, err := l.gpuPreflight(context.Background(), 1, "")
	if err != nil || visible != "0" || len(names) != 1 || !strings.Contains(names[0], "Test GPU") {
		t.Fatalf("one GPU: %v %q %v", names, visible, err)
	}
	// Asking for more than there are fails before the step, as infrastructure.
	_, _, err = l.gpuPreflight(context.Background(), 2, "")
	var se *StepError
	if !errors.As(err, &se) || !se.Infra || se.Retryable || !strings.Contains(err.Error(), "train needs 2 GPU(s), but 1 are visible") {
		t.Fatalf("two GPUs: %v", err)
	}
	// No driver at all.
	l.NvidiaSMI = filepath.Join(dir, "missing")
	if _, _, err = l.gpuPreflight(context.Background(), 1, ""); err == nil || !strings.Contains(err.Error(), "is the NVIDIA driver installed") {
		t.Fatalf("no driver: %v", err)
	}
	// CUDA_VISIBLE_DEVICES narrows what the step may use.
	l.NvidiaSMI = smi
	if _, visible, err = l.gpuPreflight(context.Background(), 1, "0"); err != nil || visible != "0" {
		t.Fatalf("visible devices: %q %v", visible, err)
	}
}
