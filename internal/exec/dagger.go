package exec

import (
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"dagger.io/dagger"

	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/table"
)

// Container paths of a step under the Dagger executor; the CTGIT_*
// variables point at them.
const (
	ctrInput    = "/ctgit/input"
	ctrSrc      = "/ctgit/src"
	ctrOutput   = "/ctgit/output"
	ctrBaseline = "/ctgit/baseline"
	ctrBin      = "/ctgit/bin/ctgit"
	ctrTmp      = "/tmp"
)

// defaultPath is the PATH of containers made from a bare root filesystem,
// which has no image config to carry one.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// RunnerHostEnv names the engine the Dagger SDK connects to.
const RunnerHostEnv = "_EXPERIMENTAL_DAGGER_RUNNER_HOST"

// Dagger runs each step as a container in one Dagger session: the image
// (a registry reference, "oci-archive:PATH" or "rootfs:DIR"), the data and
// code mounted in, cache directories as cache volumes, secrets through
// SetSecret, GPUs through ExperimentalWithGPU, outputs exported back. The
// drift step runs `ctgit drift` in a container holding only a static ctgit
// binary, so the engine schedules and caches it like any step.
type Dagger struct {
	client *dagger.Client
	conn   *sessionConn
	// host is the runner host as configured ("" when the SDK provisions
	// the engine); runnerHost names it for messages.
	host string
	// lost is set once the engine is found gone.
	lost atomic.Bool
	// witness tells steps that ran in this session from cached ones.
	witness witness
	// scope is the short digest of the repository's identity that cache
	// volume names carry.
	scope string
	// ctgitBinary is the static linux ctgit the drift container runs
	// when no image is given; ctgitBinaryErr why it cannot.
	ctgitBinary    string
	ctgitBinaryErr error
	// driftImage is the ctgit image the drift step runs in ("" for the
	// static binary).
	driftImage string
	drift      driftRan
	// runnerHost is where the engine is, for messages.
	runnerHost string
}

// DaggerOptions configure NewDagger.
type DaggerOptions struct {
	// CtgitBinary is a static linux ctgit binary for the drift step
	// (CGO_ENABLED=0) when DriftImage is ""; default: this executable.
	CtgitBinary string
	// DriftImage is a ctgit image the drift step runs in (--drift-image,
	// CTGIT_DRIFT_IMAGE), e.g. ghcr.io/ctgit/ctgit:<version>; "" uploads
	// the static binary, which only a linux client of the engine's
	// architecture can.
	DriftImage string
	// Log receives the engine's progress output (nil discards it).
	Log io.Writer
	// ConnectTimeout bounds reaching the engine (30s when zero).
	ConnectTimeout time.Duration
	// RunnerHost is the engine the Dagger SDK connects to, as
	// EngineConfigured read it ("" lets the SDK provision one).
	RunnerHost string
	// Repository names the repository among those that share the engine
	// (RepositoryIdentity): cache volumes are this repository's own. ""
	// names volumes by pipeline only, as before.
	Repository string
}

// EngineConfigured reports whether an engine is named by the environment
// getenv reads (the Dagger SDK's own variable), and which.
func EngineConfigured(getenv func(string) string) (string, bool) {
	h := getenv(RunnerHostEnv)
	return h, h != ""
}

// NewDagger connects to the engine. The SDK's own connect neither fails
// fast on an unreachable engine nor honours its context, so a unix:// or
// tcp:// runner host is dialled first: an engine that is not there is an
// infrastructure error naming the host, at once.
func NewDagger(ctx context.Context, opt DaggerOptions) (*Dagger, error) {
	host := opt.RunnerHost
	if err := probeEngine(host); err != nil {
		return nil, fault.Infra(err)
	}
	bin := opt.CtgitBinary
	var binErr error
	if bin == "" && opt.DriftImage == "" {
		bin, binErr = os.Executable()
	}
	if binErr == nil && opt.DriftImage == "" {
		binErr = checkStatic(bin)
		// On linux the binary is the drift step's unless an image is
		// given: refuse a dynamic one before any step. Elsewhere it can
		// never serve, and only a pipeline with a drift step needs it.
		if binErr != nil && runtime.GOOS == "linux" {
			return nil, fault.Input(binErr)
		}
	}
	timeout := opt.ConnectTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	logw := opt.Log
	if logw == nil {
		logw = io.Discard
	}
	type result struct {
		c    *dagger.Client
		conn *sessionConn
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		c, conn, err := connect(context.WithoutCancel(ctx), host, logw)
		ch <- result{c, conn, err}
	}()
	where := host
	if where == "" {
		where = "the engine the Dagger SDK provisions through Docker"
	}
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fault.Infra(fmt.Errorf("connecting to the Dagger engine at %s: %w", where, r.err))
		}
		d := &Dagger{client: r.c, conn: r.conn, host: host, ctgitBinary: bin, ctgitBinaryErr: binErr, driftImage: opt.DriftImage,
			runnerHost: where, scope: repositoryScope(opt.Repository)}
		d.witness.token = nonceString()
		d.witness.secret = r.c.SetSecret(witnessSecret, d.witness.token)
		return d, nil
	case <-time.After(timeout):
		return nil, fault.Infra(fmt.Errorf("connecting to the Dagger engine at %s: no answer within %s", where, timeout))
	case <-ctx.Done():
		return nil, fault.Infra(fmt.Errorf("connecting to the Dagger engine at %s: %w", where, ctx.Err()))
	}
}

// probeEngine dials a unix:// or tcp:// runner host.
func probeEngine(host string) error {
	if host == "" {
		return nil
	}
	u, err := url.Parse(host)
	if err != nil {
		return fmt.Errorf("%s=%q: %w", RunnerHostEnv, host, err)
	}
	var network, addr string
	switch u.Scheme {
	case "unix":
		network, addr = "unix", u.Path
	case "tcp":
		network, addr = "tcp", u.Host
	default:
		return nil // kube-pod:// and others: the SDK's connection helper knows them
	}
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		return fmt.Errorf("cannot reach the Dagger engine at %s (%s): %w", host, RunnerHostEnv, err)
	}
	return c.Close()
}

// checkStatic refuses a binary that needs a dynamic loader: the drift
// container holds nothing else.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("the Dagger drift step runs ctgit in a container and needs a linux ctgit binary: %s: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("the Dagger drift step needs a static ctgit binary, and %s is dynamically linked: build it with CGO_ENABLED=0 (make build does)", path)
		}
	}
	return nil
}

// Name implements Executor.
func (d *Dagger) Name() string { return "dagger" }

// Close implements Executor. It returns within about closeTimeout even
// when the engine is gone: the session's process is killed then.
func (d *Dagger) Close() error {
	if d.lost.Load() {
		// Nothing to drain from a dead engine: end the session now.
		d.conn.close(0)
	}
	d.client.Close() // closes d.conn, bounded
	return d.conn.Close()
}

// image resolves a step's image: "rootfs:DIR" and "oci-archive:PATH" from
// the host, anything else from a registry.
func (d *Dagger) image(ref string) *dagger.Container {
	switch {
	case strings.HasPrefix(ref, "rootfs:"):
		return d.client.Container().
			WithRootfs(d.client.Host().Directory(strings.TrimPrefix(ref, "rootfs:"))).
			WithEnvVariable("PATH", defaultPath)
	case strings.HasPrefix(ref, "oci-archive:"):
		return d.client.Container().Import(d.client.Host().File(strings.TrimPrefix(ref, "oci-archive:")))
	}
	return d.client.Container().From(ref)
}

// imageRef names the image a step runs in for its provenance: a registry
// reference with the digest the engine resolved it to
// ("docker.io/library/python:3.12-slim@sha256:…"), or ref itself for
// rootfs: and oci-archive:. An image the engine cannot pull is an
// infrastructure error (the registry is unreachable or refuses), not the
// step's failure, and no retry of the step helps.
func (d *Dagger) imageRef(ctx context.Context, ref string) (string, error) {
	if strings.HasPrefix(ref, "rootfs:") || strings.HasPrefix(ref, "oci-archive:") {
		return ref, nil
	}
	resolved, err := d.client.Container().From(ref).ImageRef(ctx)
	switch {
	case err != nil && ctx.Err() != nil:
		return "", &StepError{ExitCode: -1, Retryable: true, Err: ctx.Err()}
	case err != nil && d.engineLost(ctx):
		return "", d.lostError("pulling image " + ref)
	case err != nil:
		return "", &StepError{ExitCode: -1, Infra: true, Retryable: false,
			Err: fmt.Errorf("pulling image %s on the Dagger engine at %s: %v", ref, d.runnerHost, firstLine(err))}
	case resolved == "" || strings.ContainsAny(resolved, "\r\n"):
		return ref, nil
	}
	return resolved, nil
}

// inputDir is the directory of the two data files under their step names.
func (d *Dagger) inputDir(reference, current, format string, parts ...[]InputPart) *dagger.Directory {
	dir := d.client.Directory()
	if reference != "" { // "": handed as its parts only
		dir = dir.WithFile(inputName("reference", format, reference), d.client.Host().File(reference))
	}
	if current != "" {
		dir = dir.WithFile(inputName("current", format, current), d.client.Host().File(current))
	}
	for i, ps := range parts {
		sub := []string{"reference", "current"}[i]
		for _, p := range ps {
			dir = dir.WithFile(sub+"/"+p.Key, d.client.Host().File(p.File))
		}
	}
	return dir
}

// Drift implements Executor: `ctgit drift` in a container holding only the
// static ctgit binary, the data and the policy.
func (d *Dagger) Drift(ctx context.Context, req DriftRequest) (*drift.Report, error) {
	if d.lost.Load() {
		return nil, fault.Infra(d.lostError("drift step"))
	}
	policy, err := json.Marshal(req.Policy)
	if err != nil {
		return nil, err
	}
	refFile, curFile := ctrInput+"/"+inputName("reference", req.Format, req.Reference), ctrInput+"/"+inputName("current", req.Format, req.Current)
	base, bin, ran, err := d.driftContainer(ctx)
	var se *StepError
	if errors.As(err, &se) && se.Infra {
		return nil, fault.Infra(err)
	}
	if err != nil {
		return nil, err
	}
	ctr := base.
		WithNewFile("/ctgit/policy.json", string(policy)).
		WithMountedDirectory(ctrInput, d.inputDir(req.Reference, req.Current, req.Format)).
		WithExec([]string{bin, "drift",
			"--reference", refFile, "--current", curFile,
			"--input-format", table.FormatOf(refFile, req.Format), "--policy", "/ctgit/policy.json", "--format", "json"})
	out, err := ctr.Stdout(ctx)
	if err != nil {
		var ee *dagger.ExecError
		if errors.As(err, &ee) {
			msg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(ee.Stderr), "ctgit: "))
			msg = strings.NewReplacer(refFile, req.RefName, curFile, req.CurName).Replace(msg)
			// ctgit drift runs as a process in the engine: its exit code
			// is the CLI's contract, 2 for bad input.
			const badInputExit = 2
			if ee.ExitCode == badInputExit {
				return nil, &table.InputError{File: req.CurName, Err: errors.New(msg)}
			}
			return nil, fmt.Errorf("ctgit drift in the engine exited %d: %s", ee.ExitCode, msg)
		}
		if d.engineLost(ctx) {
			return nil, fault.Infra(d.lostError("drift step"))
		}
		return nil, fmt.Errorf("drift step on the Dagger engine at %s: %w", d.runnerHost, err)
	}
	var rep drift.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		return nil, fmt.Errorf("reading the drift report from the engine: %w", err)
	}
	rep.Reference.Path, rep.Current.Path = req.RefName, req.CurName
	d.noteDriftRan(&rep, ran)
	return &rep, nil
}

// Run implements Executor.
func (d *Dagger) Run(ctx context.Context, req StepRequest) (*StepResult, error) {
	if d.lost.Load() {
		return nil, d.lostError(string(req.Step.Name))
	}
	t := req.Container
	inputs, err := d.namedInputs(ctx, d.inputDir(req.Reference, req.Current, req.Format, req.RefParts, req.CurParts), req.Inputs)
	if err != nil {
		return nil, err
	}
	ctr := d.image(t.Image).
		WithMountedDirectory(ctrInput, inputs).
		WithDirectory(ctrOutput, d.client.Directory())
	if req.CodeDir != "" {
		ctr = ctr.WithMountedDirectory(ctrSrc, d.client.Host().Directory(req.CodeDir, dagger.HostDirectoryOpts{Exclude: []string{"__pycache__"}}))
	} else {
		ctr = ctr.WithDirectory(ctrSrc, d.client.Directory())
	}
	if req.BaselineDir != "" {
		ctr = ctr.WithMountedDirectory(ctrBaseline, d.client.Host().Directory(req.BaselineDir))
	} else {
		ctr = ctr.WithDirectory(ctrBaseline, d.client.Directory())
	}
	ctr = ctr.WithWorkdir(ctrSrc)
	for _, c := range t.Caches {
		ctr = ctr.WithMountedCache(c, d.volume(req, strings.Trim(strings.ReplaceAll(c, "/", "-"), "-")))
	}
	env := map[string]string{}
	for k, v := range t.Env {
		env[k] = v
	}
	for k, v := range stepEnv(req, ctrInput, ctrOutput, ctrBaseline) {
		env[k] = v
	}
	// CTGIT_ATTEMPT and CTGIT_RUN_ID change every run; in the container's
	// environment they would make every exec a cache miss.
	delete(env, EnvAttempt)
	delete(env, EnvRunID)
	for _, k := range sortedKeys(env) {
		ctr = ctr.WithEnvVariable(k, env[k])
	}
	for _, name := range sortedKeys(req.Secrets) {
		ctr = ctr.WithSecretVariable(name, d.client.SetSecret(name, req.Secrets[name]))
	}
	image, err := d.imageRef(ctx, t.Image)
	if err != nil {
		return nil, err
	}
	res := &StepResult{Ran: Ran{Executor: d.Name(), Image: image}}
	if t.GPUs > 0 {
		devices := make([]string, t.GPUs)
		for i := range devices {
			devices[i] = strconv.Itoa(i)
		}
		ctr = ctr.ExperimentalWithGPU(devices)
		// Dagger's GPU path has failed silently before; ask the image
		// itself, before the long step, whether it sees the GPUs.
		out, err := ctr.WithExec([]string{"nvidia-smi", "-L"}).Stdout(ctx)
		var ee *dagger.ExecError
		if err != nil && !errors.As(err, &ee) && d.engineLost(ctx) {
			return nil, d.lostError(string(req.Step.Name))
		}
		if err != nil {
			return nil, &StepError{ExitCode: -1, Infra: true, Err: fmt.Errorf("GPU preflight: `nvidia-smi -L` in %s on the engine at %s failed (the engine needs Dagger's GPU image and the NVIDIA container toolkit): %v", t.Image, d.runnerHost, firstLine(err))}
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "GPU ") {
				res.GPUs = append(res.GPUs, strings.TrimSpace(line))
			}
		}
		if len(res.GPUs) < t.GPUs {
			return nil, &StepError{ExitCode: -1, Infra: true, Err: fmt.Errorf("train needs %d GPU(s), but %s sees %d on the engine at %s", t.GPUs, t.Image, len(res.GPUs), d.runnerHost)}
		}
	}
	witnessVolume := d.witnessVolume()
	ctr, cmd, witnessed := d.witnessed(ctx, ctr, t.Command, witnessVolume)
	ctr = ctr.WithExec(cmd)
	start := time.Now()
	out := ctr.Directory(ctrOutput)
	_, err = out.Export(ctx, req.OutputDir)
	res.Duration = time.Since(start)
	if err != nil {
		var ee *dagger.ExecError
		if errors.As(err, &ee) {
			if req.Log != nil {
				io.WriteString(req.Log, ee.Stdout)
				io.WriteString(req.Log, ee.Stderr)
			}
			return nil, &StepError{ExitCode: ee.ExitCode, Stderr: tail(ee.Stderr, 8<<10), Retryable: true,
				Err: fmt.Errorf("%s exited with code %d", t.Command[0], ee.ExitCode)}
		}
		if ctx.Err() != nil {
			return nil, &StepError{ExitCode: -1, Retryable: true, Err: ctx.Err()}
		}
		if d.engineLost(ctx) {
			return nil, d.lostError(string(req.Step.Name))
		}
		return nil, &StepError{ExitCode: -1, Retryable: true, Err: fmt.Errorf("%s on the Dagger engine at %s: %v", req.Step.Name, d.runnerHost, firstLine(err))}
	}
	if req.Log != nil {
		// The exec is done: these answers come from the engine's cache.
		if out, err := ctr.Stdout(ctx); err == nil {
			io.WriteString(req.Log, out)
		}
		if out, err := ctr.Stderr(ctx); err == nil {
			io.WriteString(req.Log, out)
		}
	}
	if witnessed {
		// The step succeeded; a witness that cannot be read leaves only
		// unknown whether it ran here.
		if ran, err := d.ranHere(ctx, req, witnessVolume); err == nil {
			d.noteCached(res, !ran)
			res.EngineCached = !ran
		}
	}
	// Dependants mount this directory itself: no trip through the host.
	res.Output = out
	return res, nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
