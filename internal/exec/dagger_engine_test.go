package exec

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/fault"
)

// ownEngine starts an engine of its own for a test that kills it, with
// test/dagger/start.sh in a run and state directory apart from the shared
// engine's, and stops it when the test ends. It returns the runner host
// and the engine's PID.
func ownEngine(t *testing.T) (host string, pid int) {
	t.Helper()
	dir := t.TempDir()
	env := append(os.Environ(), "CTGIT_DAGGER_RUN="+filepath.Join(dir, "run"), "CTGIT_DAGGER_STATE="+filepath.Join(dir, "state"))
	script := func(name string) *exec.Cmd {
		cmd := exec.Command("bash", filepath.Join("..", "..", "test", "dagger", name))
		cmd.Env = env
		return cmd
	}
	if out, err := script("start.sh").CombinedOutput(); err != nil {
		t.Fatalf("start.sh: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := script("stop.sh").CombinedOutput(); err != nil {
			t.Errorf("stop.sh: %v\n%s", err, out)
		}
	})
	b, err := os.ReadFile(filepath.Join(dir, "run", "engine.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return "unix://" + filepath.Join(dir, "run", "engine.sock"), pid
}

// processesWith lists the host's processes whose command line holds s.
func processesWith(s string) []int {
	var out []int
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), s) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			out = append(out, pid)
		}
	}
	return out
}

// sessionChildren lists this process's `dagger session` children.
func sessionChildren() []int {
	var out []int
	for _, pid := range children() {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if args := strings.Split(string(b), "\x00"); len(args) > 1 && args[1] == "session" {
			out = append(out, pid)
		}
	}
	return out
}

// TestDaggerEngineKilledMidStep kills the engine while a step runs: the
// step fails at once as an infrastructure failure no retry is tried for,
// later steps are refused without waiting on the dead engine, Close
// returns within its bound, and neither the session's process nor the
// step's leaves anything running.
func TestDaggerEngineKilledMidStep(t *testing.T) {
	busybox, _ := requireEngine(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			host, pid := ownEngine(t)
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			d, err := NewDagger(ctx, DaggerOptions{CtgitBinary: staticCtgit(t), RunnerHost: host})
			if err != nil {
				t.Fatal(err)
			}
			marker := "step-" + nonce()
			killed := make(chan time.Time, 1)
			go func() {
				for len(processesWith(marker)) == 0 && ctx.Err() == nil {
					time.Sleep(20 * time.Millisecond)
				}
				killed <- time.Now()
				syscall.Kill(pid, sig)
			}()
			_, err = d.Run(ctx, userStep(t, busybox, "s", "echo "+marker+"; sleep 300 # "+marker, nil))
			returned := time.Now()
			var se *StepError
			if !errors.As(err, &se) || !se.Infra || se.Retryable || !errors.Is(err, errEngineLost) {
				t.Fatalf("Run after the engine was killed: %#v", err)
			}
			at := <-killed
			t.Logf("Run returned %s after %s of the engine: %v", returned.Sub(at).Round(time.Millisecond), sig, err)
			if returned.Sub(at) > 60*time.Second {
				t.Errorf("Run returned %s after the engine was killed", returned.Sub(at))
			}
			start := time.Now()
			if _, err := d.Run(ctx, userStep(t, busybox, "next", "true", nil)); !errors.Is(err, errEngineLost) || time.Since(start) > time.Second {
				t.Errorf("a step after the engine was lost: %v after %s", err, time.Since(start))
			}
			start = time.Now()
			d.Close()
			t.Logf("Close returned after %s", time.Since(start).Round(time.Millisecond))
			if time.Since(start) > 2*closeTimeout+5*time.Second {
				t.Errorf("Close took %s", time.Since(start))
			}
			if left := sessionChildren(); len(left) > 0 {
				t.Errorf("dagger session processes left: %v", left)
			}
			// The kernel ends the engine's PID namespace with it.
			deadline := time.Now().Add(10 * time.Second)
			for len(processesWith(marker)) > 0 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if left := processesWith(marker); len(left) > 0 {
				t.Errorf("the step's processes outlived the engine: %v", left)
			}
		})
	}
}

// TestDaggerEngineKilledRunIsInfra runs a pipeline whose training step
// may be retried twice, and kills the engine during the first attempt: the
// run is an infrastructure failure (exit 3) after that one attempt.
func TestDaggerEngineKilledRunIsInfra(t *testing.T) {
	busybox, _ := requireEngine(t)
	host, pid := ownEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	marker := "train-" + nonce()
	r := newRepo(t, daggerPipeline(busybox, `command: ["sh", "-c", "echo `+marker+`; sleep 300"], retries: 2`, ""), map[string]string{"train/keep": ""})
	d, err := NewDagger(ctx, DaggerOptions{CtgitBinary: staticCtgit(t), RunnerHost: host})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	go func() {
		for len(processesWith(marker)) == 0 && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		syscall.Kill(pid, syscall.SIGKILL)
	}()
	start := time.Now()
	res := r.runWith(ctx, d, nil)
	t.Logf("the run ended %s after it started: %v", time.Since(start).Round(time.Millisecond), res.Err)
	if fault.KindOf(res.Err) != fault.Infrastructure {
		t.Fatalf("failure kind %s, want infrastructure: %v", fault.KindOf(res.Err), res.Err)
	}
	if st := res.Records[0].Steps[2]; st.Name != "train" || st.Attempts != 1 {
		t.Errorf("train step %+v: want one attempt", st)
	}
}

// TestDaggerImagePullFails names an image in a registry that refuses
// connections: an infrastructure failure no retry is tried for, naming the
// image, and the engine is not taken for lost.
func TestDaggerImagePullFails(t *testing.T) {
	busybox, _ := requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := newDagger(t, ctx)
	req := userStep(t, busybox, "s", "true", nil)
	req.Container.Image = "127.0.0.1:1/ctgit/absent:" + nonce()
	_, err := d.Run(ctx, req)
	var se *StepError
	if !errors.As(err, &se) || !se.Infra || se.Retryable || errors.Is(err, errEngineLost) || !strings.Contains(err.Error(), "pulling image 127.0.0.1:1/ctgit/absent") {
		t.Fatalf("Run with an image that cannot be pulled: %#v", err)
	}
	if _, err := d.Run(ctx, userStep(t, busybox, "next", "true", nil)); err != nil {
		t.Errorf("a step after the failed pull: %v", err)
	}
}
