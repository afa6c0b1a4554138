package exec

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
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

// The tests in this file run against a real Dagger engine: CI starts one
// (test/dagger/start.sh) and sets CTGIT_DAGGER_TEST=1 with the runner host
// and two root filesystems (busybox, and Debian with python3).

func requireEngine(t *testing.T) (busybox, python string) {
	t.Helper()
	if os.Getenv("CTGIT_DAGGER_TEST") != "1" {
		t.Skip("skipping: CTGIT_DAGGER_TEST is not 1, so no Dagger engine was started for this run (see test/dagger/README.md)")
	}
	busybox, python = os.Getenv("CTGIT_DAGGER_BUSYBOX_ROOTFS"), os.Getenv("CTGIT_DAGGER_PYTHON_ROOTFS")
	if busybox == "" || python == "" || os.Getenv(RunnerHostEnv) == "" {
		t.Fatal("CTGIT_DAGGER_TEST=1 but the engine's env file was not sourced (test/dagger/start.sh writes it)")
	}
	return busybox, python
}

var (
	staticOnce sync.Once
	staticBin  string
	staticErr  error
)

// staticCtgit builds the static ctgit binary the drift container runs.
func staticCtgit(t *testing.T) string {
	t.Helper()
	staticOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		dir, err := os.MkdirTemp("", "ctgit-static-")
		if err != nil {
			staticErr = err
			return
		}
		staticBin = filepath.Join(dir, "ctgit")
		cmd := exec.Command("go", "build", "-o", staticBin, "./cmd/ctgit")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			staticErr = err
			t.Logf("%s", out)
		}
	})
	if staticErr != nil {
		t.Fatalf("building a static ctgit: %v", staticErr)
	}
	return staticBin
}

func nonce() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// runWith plans and runs r with an executor.
func (r *repo) runWith(ctx context.Context, ex Executor, environ []string) *Result {
	r.t.Helper()
	cfg, err := config.Load(r.root, "pipelines")
	if err != nil {
		r.t.Fatalf("Load: %v", err)
	}
	store := cache.Open(filepath.Join(r.root, ".ctgit", "cache"))
	memo := digest.NewMemo()
	p, err := plan.Build(cfg, plan.Options{Cache: store, Memo: memo})
	if err != nil {
		r.t.Fatalf("Build: %v", err)
	}
	arts, err := artifact.Open(ctx, "file://.ctgit/artifacts", r.root)
	if err != nil {
		r.t.Fatal(err)
	}
	defer arts.Close()
	return Run(ctx, p, Options{Executor: ex, Cache: store, Memo: memo, Artifacts: arts,
		RunsDir: filepath.Join(r.root, ".ctgit", "runs"), RetryBase: 10 * time.Millisecond, Environ: environ})
}

func newDagger(t *testing.T, ctx context.Context) *Dagger {
	t.Helper()
	host, _ := EngineConfigured(os.Getenv)
	d, err := NewDagger(ctx, DaggerOptions{CtgitBinary: staticCtgit(t), RunnerHost: host})
	if err != nil {
		t.Fatalf("NewDagger: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestDaggerQuickstart runs the quickstart in containers (drift in the
// static-ctgit container, the trainer in the Debian python3 image) and
// checks that the numbers are those of the local executor.
func TestDaggerQuickstart(t *testing.T) {
	_, python := requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	copyQuickstart := func() *repo { return quickstart(t, python) }
	dg := newDagger(t, ctx)
	inDagger := copyQuickstart().runWith(ctx, dg, nil)
	if inDagger.Err != nil {
		t.Fatalf("dagger run: %v", inDagger.Err)
	}
	// Debian's /bin is a link to usr/bin: the witness still finds its
	// shell, so whether the trainer ran is known.
	if len(dg.witness.cached) != 1 {
		t.Errorf("%d witnessed steps, want the trainer's", len(dg.witness.cached))
	}
	local := copyQuickstart().runWith(ctx, &Local{}, nil)
	if local.Err != nil {
		t.Fatalf("local run: %v", local.Err)
	}
	d, l := inDagger.Records[0], local.Records[0]
	if d.Outcome != record.OutcomePassed || d.Executor != "dagger" {
		t.Fatalf("outcome %s, executor %s", d.Outcome, d.Executor)
	}
	// Same drift numbers from the container's ctgit as from in-process.
	if diff := cmp.Diff(l.Drift, d.Drift, sameDriftButProfile); diff != "" {
		t.Errorf("drift report differs between executors (-local +dagger):\n%s", diff)
	}
	if d.Drift.ReferenceProfile != nil || l.Drift.ReferenceProfile == nil {
		t.Errorf("reference profile: dagger %v, local %v; want none under Dagger (not there yet), one locally", d.Drift.ReferenceProfile, l.Drift.ReferenceProfile)
	}
	// Same model: the trainer is deterministic, so the same bytes.
	if d.Candidate == nil || l.Candidate == nil || d.Candidate.Digest != l.Candidate.Digest {
		t.Errorf("candidates differ: dagger %+v, local %+v", d.Candidate, l.Candidate)
	}
	if d.Training.Metrics["auc"] != l.Training.Metrics["auc"] {
		t.Errorf("auc: dagger %v, local %v", d.Training.Metrics["auc"], l.Training.Metrics["auc"])
	}
	// Each record says what ran: the image in the engine, the host's
	// interpreter locally (and no image there).
	if dt := d.Training; dt.Executor != "dagger" || dt.Image != "rootfs:"+python || dt.Program != "" {
		t.Errorf("dagger training provenance: executor %q, image %q, program %q", dt.Executor, dt.Image, dt.Program)
	}
	if lt := l.Training; lt.Executor != "local" || lt.Image != "" || !filepath.IsAbs(lt.Program) {
		t.Errorf("local training provenance: executor %q, image %q, program %q", lt.Executor, lt.Image, lt.Program)
	}
}

// quickstart is a copy of examples/quickstart whose trainer runs in the
// python root filesystem.
func quickstart(t *testing.T, python string) *repo {
	t.Helper()
	src := filepath.Join("..", "..", "examples", "quickstart")
	r := &repo{t: t, root: t.TempDir()}
	if out, err := exec.Command("cp", "-r", src+"/.", r.root).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	os.RemoveAll(filepath.Join(r.root, ".ctgit"))
	def := filepath.Join(r.root, "pipelines", "fraud.cue")
	b, _ := os.ReadFile(def)
	os.WriteFile(def, []byte(strings.Replace(string(b), `"python:3.12-slim"`, `"rootfs:`+python+`"`, 1)), 0o644)
	return r
}

// countingTrain increments a counter in a cache volume (volumes are not
// part of an exec's cache key) and records it in its outputs: an exec that
// really runs moves the counter; an answer from the engine's cache does not.
const countingTrain = `n=$(cat /count/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /count/n
echo "run $n $NONCE"
echo $n > "$CTGIT_OUTPUT_DIR/run"
printf w > "$CTGIT_MODEL_PATH"
printf '{"auc": 0.9}' > "$CTGIT_METRICS_FILE"`

func TestDaggerSecondRunIsAnsweredFromTheEngineCache(t *testing.T) {
	busybox, _ := requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	n := nonce()
	r := newRepo(t, daggerPipeline(busybox, `command: ["sh", "-c", `+jsonString(countingTrain)+`], caches: ["/count"], env: NONCE: "`+n+`"`, ""), map[string]string{"train/keep": ""})
	d := newDagger(t, ctx)
	first := r.runWith(ctx, d, nil)
	if first.Err != nil {
		t.Fatal(first.Err)
	}
	runFile := func() string {
		e, ok := cache.Open(filepath.Join(r.root, ".ctgit", "cache")).Get(trainKey(t, r))
		if !ok {
			t.Fatal("no cached training")
		}
		dir, err := cache.Open(filepath.Join(r.root, ".ctgit", "cache")).OutputsDir(e, digest.NewMemo())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(dir, "run"))
		return strings.TrimSpace(string(b))
	}
	before := runFile()
	// Forget ctgit's own cache, so ctgit asks the engine again.
	os.RemoveAll(filepath.Join(r.root, ".ctgit", "cache"))
	second := r.runWith(ctx, d, nil)
	if second.Err != nil {
		t.Fatal(second.Err)
	}
	if st := second.Records[0].Steps[2]; st.Status != record.StepSucceeded {
		t.Fatalf("train: %+v", st)
	}
	after := runFile()
	// The counter in the volume, read by a fresh exec.
	volume, err := d.image("rootfs:"+busybox).
		WithMountedCache("/count", d.client.CacheVolume("ctgit-p-count")).
		WithExec([]string{"sh", "-c", "cat /count/n # " + nonce()}).Stdout(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != before || strings.TrimSpace(volume) != before {
		t.Fatalf("the second run's training really ran: outputs say run %s then %s, the volume holds %s", before, after, strings.TrimSpace(volume))
	}
	// And the records say which run trained and which the cache answered.
	if tr := first.Records[0].Training; tr.EngineCached || !strings.Contains(first.Records[0].Steps[2].Reason, "trained in") {
		t.Errorf("first run: engineCached %v, reason %q: it trained", tr.EngineCached, first.Records[0].Steps[2].Reason)
	}
	if tr := second.Records[0].Training; !tr.EngineCached || !strings.Contains(second.Records[0].Steps[2].Reason, "answered by the Dagger engine's cache") {
		t.Errorf("second run: engineCached %v, reason %q: the engine's cache answered", tr.EngineCached, second.Records[0].Steps[2].Reason)
	}
}

// daggerPipeline is pipeline() with its training in the busybox root
// filesystem.
func daggerPipeline(busybox, train, extra string) string {
	return strings.Replace(pipeline(train, extra), `image: "busybox"`, `image: "rootfs:`+busybox+`"`, 1)
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestDaggerFailingStepAndSecrets(t *testing.T) {
	busybox, _ := requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	secret := "tok-" + nonce()
	script := `echo "token is $API_TOKEN"; echo "failing for ` + nonce() + `: token $API_TOKEN" >&2; exit 3`
	r := newRepo(t, daggerPipeline(busybox, `command: ["sh", "-c", `+jsonString(script)+`], secrets: ["API_TOKEN"]`, ""), map[string]string{"train/keep": ""})
	res := r.runWith(ctx, newDagger(t, ctx), append(os.Environ(), "API_TOKEN="+secret))
	if fault.KindOf(res.Err) != fault.CheckFailed {
		t.Fatalf("failure kind %s: %v", fault.KindOf(res.Err), res.Err)
	}
	st := res.Records[0].Steps[2]
	if st.ExitCode == nil || *st.ExitCode != 3 || !strings.Contains(st.Stderr, "failing for") {
		t.Fatalf("train step %+v", st)
	}
	b, _ := os.ReadFile(RecordPath(filepath.Join(r.root, ".ctgit", "runs"), res.Records[0]))
	if strings.Contains(string(b), secret) {
		t.Fatal("the secret's value is in the run record")
	}
	if !strings.Contains(st.Stderr, "token ***") {
		t.Errorf("stderr %q should carry the masked secret", st.Stderr)
	}
}

func TestDaggerCancelStopsTheStep(t *testing.T) {
	busybox, _ := requireEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := newRepo(t, daggerPipeline(busybox, `command: ["sh", "-c", "echo `+nonce()+`; sleep 300"]`, ""), map[string]string{"train/keep": ""})
	d := newDagger(t, ctx)
	var events []Event
	done := make(chan *Result, 1)
	go func() {
		cfg, _ := config.Load(r.root, "pipelines")
		store := cache.Open(filepath.Join(r.root, ".ctgit", "cache"))
		p, _ := plan.Build(cfg, plan.Options{Cache: store})
		done <- Run(ctx, p, Options{Executor: d, Cache: store, Observe: func(e Event) {
			events = append(events, e)
			if e.Kind == EventStepStart && e.Step == "train" {
				go func() { time.Sleep(2 * time.Second); cancel() }()
			}
		}})
	}()
	select {
	case res := <-done:
		if res.Records[0].Outcome != record.OutcomeCanceled {
			t.Fatalf("outcome %s: %v", res.Records[0].Outcome, res.Err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("cancelling did not stop the step")
	}
}

// TestDaggerUnreachableEngine needs no engine: a runner host where nothing
// listens is exit 3 at once, naming the host.
func TestDaggerUnreachableEngine(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "no-engine.sock")
	t.Setenv(RunnerHostEnv, "unix://"+sock)
	start := time.Now()
	_, err := NewDagger(context.Background(), DaggerOptions{CtgitBinary: "/nonexistent", RunnerHost: "unix://" + sock})
	if fault.KindOf(err) != fault.Infrastructure || !strings.Contains(err.Error(), "cannot reach the Dagger engine at unix://"+sock) {
		t.Fatalf("err = %v (exit %d)", err, fault.KindOf(err))
	}
	if time.Since(start) > 30*time.Second {
		t.Error("reaching an absent engine should fail at once")
	}
	t.Setenv(RunnerHostEnv, "tcp://127.0.0.1:1")
	if _, err := NewDagger(context.Background(), DaggerOptions{RunnerHost: "tcp://127.0.0.1:1"}); fault.KindOf(err) != fault.Infrastructure || !strings.Contains(err.Error(), "tcp://127.0.0.1:1") {
		t.Fatalf("tcp: %v", err)
	}
}

func TestCheckStatic(t *testing.T) {
	if err := checkStatic("/bin/sh"); err == nil || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
		t.Errorf("a dynamic binary: %v", err)
	}
	if err := checkStatic("/etc/hostname"); err == nil {
		t.Error("not an ELF file")
	}
}

// TestDaggerPartitionedData runs the quickstart with its current data as
// a directory of daily parts: the container steps are handed the dataset
// as one assembled CSV, the local executor reads the parts in process, and
// the two agree on drift and on the model.
func TestDaggerPartitionedData(t *testing.T) {
	_, python := requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	src := filepath.Join("..", "..", "examples", "quickstart")
	partitioned := func() *repo {
		r := &repo{t: t, root: t.TempDir()}
		if out, err := exec.Command("cp", "-r", src+"/.", r.root).CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		os.RemoveAll(filepath.Join(r.root, ".ctgit"))
		b, err := os.ReadFile(filepath.Join(r.root, "data", "current.csv"))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(b), "\n")
		header, rows := lines[0], lines[1:]
		half := len(rows) / 2
		r.write("data/events/dt=2026-11-29/part-0.csv", header+strings.Join(rows[:half], ""))
		r.write("data/events/dt=2026-11-30/part-0.csv", header+strings.Join(rows[half:], ""))
		os.Remove(filepath.Join(r.root, "data", "current.csv"))
		def := filepath.Join(r.root, "pipelines", "fraud.cue")
		b, _ = os.ReadFile(def)
		s := strings.Replace(string(b), `"python:3.12-slim"`, `"rootfs:`+python+`"`, 1)
		s = strings.Replace(s, `"data/current.csv"`, `{from: "data/events/", window: {partition: "dt", last: 2}}`, 1)
		os.WriteFile(def, []byte(s), 0o644)
		return r
	}
	inDagger := partitioned().runWith(ctx, newDagger(t, ctx), nil)
	if inDagger.Err != nil {
		t.Fatalf("dagger run: %v", inDagger.Err)
	}
	local := partitioned().runWith(ctx, &Local{}, nil)
	if local.Err != nil {
		t.Fatalf("local run: %v", local.Err)
	}
	d, l := inDagger.Records[0], local.Records[0]
	if d.Outcome != record.OutcomePassed || d.Data.Current.Objects != 2 || d.Data.Current.Rows != l.Data.Current.Rows {
		t.Fatalf("outcome %s, current %+v (local %d rows)", d.Outcome, d.Data.Current, l.Data.Current.Rows)
	}
	if diff := cmp.Diff(l.Drift, d.Drift, sameDriftButProfile); diff != "" {
		t.Errorf("drift report differs between executors (-local +dagger):\n%s", diff)
	}
	if d.Candidate == nil || l.Candidate == nil || d.Candidate.Digest != l.Candidate.Digest {
		t.Errorf("candidates differ: dagger %+v, local %+v", d.Candidate, l.Candidate)
	}
}
