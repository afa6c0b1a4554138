package exec

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/fsutil"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/table"
)

// Local runs steps on the host: each training attempt in a fresh working
// directory holding a copy of train.code, in its own process group (killed
// as a whole on cancel, timeout, or when the step's main process exits),
// with a cleaned environment plus the step's. The step's image is not
// used.
type Local struct {
	// Environ is the runner's environment, from which the allowed
	// variables and the step's secrets are taken (os.Environ() when nil).
	Environ []string
	// KillGrace is how long a canceled step gets between SIGTERM and
	// SIGKILL (5s when zero).
	KillGrace time.Duration
	// NvidiaSMI is the command that lists GPUs ("nvidia-smi").
	NvidiaSMI string
	// Supervisor is the path of a program that runs Supervise when
	// Supervising (ctgit itself): each step then runs under a supervisor
	// that ends it, its process group and every process it left, when the
	// step's main process exits or when ctgit is gone, even by SIGKILL
	// (see supervise.go). When empty, the step is started directly: its
	// process group is killed when it ends, and on Linux the step itself
	// dies with ctgit, but not its own children.
	Supervisor string
}

// Name implements Executor.
func (l *Local) Name() string { return "local" }

// Close implements Executor.
func (l *Local) Close() error { return nil }

// Drift implements Executor: it runs internal/drift in-process, as
// `ctgit drift` does, wide CSV files read in column groups.
func (l *Local) Drift(ctx context.Context, req DriftRequest) (*drift.Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opt := table.ReadOptions{Format: req.Format}
	var rep *drift.Report
	var err error
	if req.Profile != nil {
		rep, err = drift.CompareWithProfile(req.RefInput, req.CurInput, opt, req.Policy, table.DefaultMemoryBudget, *req.Profile)
	} else {
		rep, err = drift.CompareInputs(req.RefInput, req.CurInput, opt, req.Policy, table.DefaultMemoryBudget)
	}
	if err != nil {
		return nil, err
	}
	rep.Reference.Path, rep.Current.Path = req.RefName, req.CurName
	return rep, nil
}

// allowedEnv are the runner's variables a local step inherits: what tools
// need to be found and to behave (PATH, HOME, locale, Python and CUDA
// environments, proxies, CA bundles). Everything else is dropped, so a
// step's result does not depend on stray variables.
var allowedEnv = []string{
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ",
	"PYENV_ROOT", "PYENV_VERSION", "VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV",
	"LD_LIBRARY_PATH", "CUDA_HOME", "CUDA_PATH", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES",
	"SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
}

func (l *Local) environ() map[string]string {
	src := l.Environ
	if src == nil {
		src = os.Environ()
	}
	m := map[string]string{}
	for _, kv := range src {
		k, v, ok := strings.Cut(kv, "=")
		if ok {
			m[k] = v
		}
	}
	return m
}

// Run implements Executor.
func (l *Local) Run(ctx context.Context, req StepRequest) (*StepResult, error) {
	runner := l.environ()
	res := &StepResult{}
	env := map[string]string{}
	for _, k := range allowedEnv {
		if v, ok := runner[k]; ok {
			env[k] = v
		}
	}
	if req.Container.GPUs > 0 {
		devices, visible, err := l.gpuPreflight(ctx, req.Container.GPUs, runner["CUDA_VISIBLE_DEVICES"])
		if err != nil {
			return nil, err
		}
		res.GPUs = devices
		env["CUDA_VISIBLE_DEVICES"] = visible
	} else {
		// A CPU step sees no GPU, so its result does not depend on one.
		env["CUDA_VISIBLE_DEVICES"] = ""
	}

	inputDir := filepath.Join(req.WorkDir, "input")
	srcDir := filepath.Join(req.WorkDir, "src")
	tmpDir := filepath.Join(req.WorkDir, "tmp")
	for _, d := range []string{inputDir, srcDir, tmpDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	for _, c := range []struct{ src, name string }{
		{req.Reference, inputName("reference", req.Format, req.Reference)},
		{req.Current, inputName("current", req.Format, req.Current)},
	} {
		if c.src == "" {
			continue // handed as its parts only
		}
		if err := copyFile(c.src, filepath.Join(inputDir, c.name), 0o444); err != nil {
			return nil, fmt.Errorf("preparing input %s: %w", c.name, err)
		}
	}
	for _, ps := range []struct {
		dir   string
		parts []InputPart
	}{{"reference", req.RefParts}, {"current", req.CurParts}} {
		for _, part := range ps.parts {
			dst := filepath.Join(inputDir, ps.dir, filepath.FromSlash(part.Key))
			if err := linkOrCopy(part.File, dst); err != nil {
				return nil, fmt.Errorf("preparing input %s/%s: %w", ps.dir, part.Key, err)
			}
		}
	}
	for _, in := range req.Inputs {
		if err := placeInput(in, filepath.Join(inputDir, in.Name)); err != nil {
			return nil, fmt.Errorf("preparing input %s: %w", in.Name, err)
		}
	}
	if req.CodeDir != "" {
		if err := copyDir(req.CodeDir, srcDir); err != nil {
			return nil, fmt.Errorf("copying the step's code: %w", err)
		}
	}
	baseline := req.BaselineDir
	if baseline == "" && req.Step.Name == plan.StepTrain {
		// Training always finds the directory, empty when there is no
		// baseline to hand it.
		baseline = filepath.Join(req.WorkDir, "baseline")
		if err := os.MkdirAll(baseline, 0o755); err != nil {
			return nil, err
		}
	}
	for k, v := range req.Container.Env {
		env[k] = v
	}
	for k, v := range req.Secrets {
		env[k] = v
	}
	env["TMPDIR"] = tmpDir
	for k, v := range stepEnv(req, inputDir, req.OutputDir, baseline) {
		env[k] = v
	}

	argv := req.Container.Command
	path, err := lookPath(argv[0], srcDir, env["PATH"])
	if err != nil {
		return nil, &StepError{ExitCode: -1, Err: err}
	}
	// The version probe needs no secrets: it gets the step's environment
	// without them.
	probeEnv := maps.Clone(env)
	for k := range req.Secrets {
		delete(probeEnv, k)
	}
	res.Ran = Ran{Executor: l.Name(), Program: localProgram(argv[0], path, req.Container.Code),
		ProgramVersion: programVersion(ctx, argv[0], path, srcDir, envList(probeEnv))}
	grace := l.killGrace()
	var cmd *osexec.Cmd
	var lifeline *os.File // ctgit's end; the supervisor's step dies when it closes
	if l.Supervisor != "" {
		cmd = osexec.Command(l.Supervisor, append([]string{path, argv[0]}, argv[1:]...)...)
		cmd.Env = append(envList(env), supervisorEnv+"="+grace.String())
		r, w, err := os.Pipe()
		if err != nil {
			return nil, &StepError{ExitCode: -1, Err: fmt.Errorf("starting %s: %w", argv[0], err)}
		}
		defer r.Close()
		defer w.Close()
		cmd.ExtraFiles, lifeline = []*os.File{r}, w
		// The supervisor ends the step within grace; it gets a little more.
		grace += 2 * time.Second
	} else {
		cmd = osexec.Command(path, argv[1:]...)
		cmd.Args[0] = argv[0]
		cmd.Env = envList(env)
	}
	cmd.Dir = srcDir
	cmd.SysProcAttr = stepProcAttr()
	if lifeline != nil {
		cmd.SysProcAttr = supervisorProcAttr()
	}
	tail := &tailBuffer{max: 8 << 10}
	var log io.Writer = io.Discard
	if req.Log != nil {
		log = req.Log
	}
	cmd.Stdout = log
	cmd.Stderr = io.MultiWriter(log, tail)
	// A process the step left holding its stdout or stderr must not keep
	// ctgit waiting for the output's end: once the step has exited, its
	// output gets this long to drain.
	cmd.WaitDelay = outputDrain

	start := time.Now()
	started := make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		// A parent-death signal fires when the thread that started the
		// process exits, not the process: this goroutine keeps its thread
		// until the step is over (Go ends a thread only when a goroutine
		// locked to it exits still locked).
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		done <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, &StepError{ExitCode: -1, Err: fmt.Errorf("starting %s: %w", argv[0], err)}
	}
	if len(cmd.ExtraFiles) > 0 {
		cmd.ExtraFiles[0].Close() // the supervisor's end
	}
	pgid := cmd.Process.Pid
	var waitErr error
	select {
	case waitErr = <-done:
	case <-ctx.Done():
		killGroup(pgid, grace, done)
		waitErr = ctx.Err()
	}
	// Whatever the step started in the background ends with it.
	syscall.Kill(-pgid, syscall.SIGKILL)
	if lifeline != nil {
		lifeline.Close()
	}
	if errors.Is(waitErr, osexec.ErrWaitDelay) {
		waitErr = nil // the step succeeded; only its output was held open
	}
	res.Duration = time.Since(start)
	res.CPU = cpuTime(cmd.ProcessState)

	if ctx.Err() != nil {
		return nil, &StepError{ExitCode: -1, Stderr: tail.String(), Retryable: true, CPU: res.CPU, Err: ctx.Err()}
	}
	if waitErr != nil {
		code := -1
		var ee *osexec.ExitError
		if errors.As(waitErr, &ee) {
			code = ee.ExitCode()
		}
		return nil, &StepError{ExitCode: code, Stderr: tail.String(), Retryable: true, CPU: res.CPU,
			Err: fmt.Errorf("%s exited with code %d", argv[0], code)}
	}
	return res, nil
}

// outputDrain is how long a step's output may still be read after its
// main process has exited.
const outputDrain = 2 * time.Second

func (l *Local) killGrace() time.Duration {
	if l.KillGrace == 0 {
		return 5 * time.Second
	}
	return l.KillGrace
}

// killGroup sends SIGTERM to the process group pgid, then SIGKILL after
// grace if the process has not exited.
func killGroup(pgid int, grace time.Duration, done <-chan error) {
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
}

// gpuPreflight checks that n GPUs are visible before a long step starts,
// and returns their names and the CUDA_VISIBLE_DEVICES value that gives the
// step exactly n of them.
func (l *Local) gpuPreflight(ctx context.Context, n int, visible string) ([]string, string, error) {
	smi := l.NvidiaSMI
	if smi == "" {
		smi = "nvidia-smi"
	}
	fail := func(format string, args ...any) ([]string, string, error) {
		return nil, "", &StepError{ExitCode: -1, Infra: true, Err: fmt.Errorf(format, args...)}
	}
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := osexec.CommandContext(pctx, smi, "-L").Output()
	if err != nil {
		return fail("train needs %d GPU(s), but `%s -L` failed: %v (is the NVIDIA driver installed, and is this a GPU runner?)", n, smi, err)
	}
	var gpus []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "GPU ") {
			gpus = append(gpus, line)
		}
	}
	ids := make([]string, len(gpus))
	for i := range gpus {
		ids[i] = fmt.Sprint(i)
	}
	if visible != "" {
		ids = strings.Split(visible, ",")
	}
	if len(gpus) < n || len(ids) < n {
		return fail("train needs %d GPU(s), but %d are visible (nvidia-smi lists %d; CUDA_VISIBLE_DEVICES=%q)", n, min(len(gpus), len(ids)), len(gpus), visible)
	}
	names := make([]string, 0, n)
	for _, id := range ids[:n] {
		name := "GPU " + id
		var i int
		if _, err := fmt.Sscan(id, &i); err == nil && i < len(gpus) {
			name = gpus[i]
		}
		names = append(names, name)
	}
	return names, strings.Join(ids[:n], ","), nil
}

// lookPath resolves a step's command: a path with a slash is relative to
// the working directory, a bare name is searched in the step's PATH.
func lookPath(name, dir, pathEnv string) (string, error) {
	if strings.Contains(name, "/") {
		p := name
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if st, err := os.Stat(p); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return "", fmt.Errorf("command %q not found or not executable in the step's working directory", name)
		}
		return p, nil
	}
	for _, d := range filepath.SplitList(pathEnv) {
		if d == "" {
			continue
		}
		p := filepath.Join(d, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("command %q not found in PATH", name)
}

func envList(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := fsutil.OpenRegular(src) // a FIFO would block the copy

	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, perm)
}

// copyDir copies the regular files and directories of src into dst,
// following no symlink that leaves src.
func copyDir(src, dst string) error {
	realSrc, err := filepath.EvalSymlinks(src)
	if err != nil {
		return err
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		from := p
		if d.Type()&fs.ModeSymlink != 0 {
			if from, err = filepath.EvalSymlinks(p); err != nil {
				return err
			}
			if !within(realSrc, from) {
				return fmt.Errorf("%s is a symlink that leaves %s", rel, src)
			}
		}
		st, err := os.Stat(from)
		if err != nil {
			return err
		}
		if st.IsDir() {
			return nil
		}
		return copyFile(from, target, st.Mode().Perm())
	})
}

// within reports whether path is dir or inside it (both cleaned, absolute).
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// placeInput puts a named input in its directory dir: a file or a
// directory under its base name, or a directory's content as dir itself,
// read-only.
func placeInput(in NamedInput, dir string) error {
	st, err := os.Stat(in.File)
	if err != nil {
		return err
	}
	dst := filepath.Join(dir, in.Base)
	if !st.IsDir() {
		return linkOrCopy(in.File, dst)
	}
	if err := copyDir(in.File, dst); err != nil {
		return err
	}
	return filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return os.Chmod(p, 0o444)
	})
}

// linkOrCopy puts a read-only copy of src at dst: a hard link where src
// is read-only already and on the same file system (a downloaded part),
// else a copy.
func linkOrCopy(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if st, err := os.Stat(src); err == nil && st.Mode().Perm()&0o222 == 0 {
		if os.Link(src, dst) == nil {
			return nil
		}
	}
	return copyFile(src, dst, 0o444)
}
