package exec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDaggerTellsCachedFromRan runs one step definition several times:
// the first run really runs, the same exec again (in this session, and in
// a new one, as a second `ctgit run` would) is answered from the engine's
// cache and said to be, a changed env value (the documented way to force
// a re-run) runs it again, and a rotated secret value alone does not.
// Each claim is checked against a counter in a cache volume that only a
// real run moves.
func TestDaggerTellsCachedFromRan(t *testing.T) {
	busybox, _ := requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	n := nonce()
	volume := "count-" + n
	step := func(env, secret string) StepRequest {
		req := userStep(t, busybox, "s", `n=$(cat /count/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /count/n; echo $n > "$CTGIT_OUTPUT_DIR/run"`, nil)
		req.Container.Caches = []string{"/count"}
		req.Container.Env = map[string]string{"NONCE": n, "RERUN": env}
		req.Container.Secrets = []string{"TOKEN"}
		req.Secrets = map[string]string{"TOKEN": secret}
		req.Pipeline = volume // a volume of this test's own
		return req
	}
	type want struct {
		cached bool
		run    string
	}
	check := func(what string, d *Dagger, req StepRequest, w want) {
		t.Helper()
		res, err := d.Run(ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		b, _ := os.ReadFile(filepath.Join(req.OutputDir, "run"))
		cached, known := d.EngineCached(res)
		if !known || cached != w.cached || strings.TrimSpace(string(b)) != w.run {
			t.Errorf("%s: cached %v (known %v), output says run %s; want cached %v, run %s", what, cached, known, strings.TrimSpace(string(b)), w.cached, w.run)
		}
	}
	d := newDagger(t, ctx)
	check("first run", d, step("", "s1"), want{false, "1"})
	check("same exec, same session", d, step("", "s1"), want{true, "1"})
	check("same exec, new session", newDagger(t, ctx), step("", "s1"), want{true, "1"})
	check("secret rotated", newDagger(t, ctx), step("", "s2"), want{true, "1"})
	check("env changed to force a re-run", d, step("1", "s2"), want{false, "2"})
}

// TestDaggerWithoutShellIsUnknown runs a step in an image without
// /bin/sh: it runs as declared, and whether it ran is not claimed.
func TestDaggerWithoutShellIsUnknown(t *testing.T) {
	busybox, _ := requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := newDagger(t, ctx)
	// busybox's static binary alone, as /busybox: no /bin/sh.
	root := t.TempDir()
	b, err := os.ReadFile(filepath.Join(busybox, "bin", "busybox"))
	if err != nil {
		t.Skipf("no bin/busybox in the busybox root filesystem: %v", err)
	}
	os.WriteFile(filepath.Join(root, "busybox"), b, 0o755)
	os.MkdirAll(filepath.Join(root, "tmp"), 0o755)
	req := userStep(t, busybox, "s", "", nil)
	req.Container.Image = "rootfs:" + root
	req.Container.Command = []string{"/busybox", "sh", "-c", "echo " + nonce() + " > $CTGIT_OUTPUT_DIR/out"}
	res, err := d.Run(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, known := d.EngineCached(res); known {
		t.Error("a step without /bin/sh has no witness, so whether it ran is unknown")
	}
	if _, err := os.Stat(filepath.Join(req.OutputDir, "out")); err != nil {
		t.Error(err)
	}
}
