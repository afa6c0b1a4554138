package exec

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNormalizeRemote(t *testing.T) {
	for in, want := range map[string]string{
		"https://github.com/ctgit/ctgit.git":                       "https://github.com/ctgit/ctgit",
		"https://x-access-token:ghs_secret@GitHub.com/ctgit/ctgit": "https://github.com/ctgit/ctgit",
		"git@github.com:ctgit/ctgit.git":                           "github.com:ctgit/ctgit",
		"/srv/git/ctgit/":                                          "/srv/git/ctgit",
	} {
		if got := normalizeRemote(in); got != want {
			t.Errorf("normalizeRemote(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRepositoryIdentity(t *testing.T) {
	dir := t.TempDir()
	if got := RepositoryIdentity(dir); got != dir {
		t.Errorf("no git repository: %q, want the root %q", got, dir)
	}
	for _, args := range [][]string{{"init", "-q"}, {"remote", "add", "origin", "https://tok:secret@example.com/team/ml.git"}} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	if got := RepositoryIdentity(filepath.Join(dir, "sub")); got != "https://example.com/team/ml" {
		t.Errorf("with an origin: %q", got)
	}
}

// TestDaggerCacheVolumesPerRepository runs the same pipeline's step with
// a cache directory for two repositories on one engine: each has its own
// volume.
func TestDaggerCacheVolumesPerRepository(t *testing.T) {
	busybox, _ := requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	n := nonce()
	run := func(repo string) string {
		d, err := NewDagger(ctx, DaggerOptions{CtgitBinary: staticCtgit(t), RunnerHost: os.Getenv(RunnerHostEnv), Repository: repo})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		req := userStep(t, busybox, "s", `n=$(cat /count/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /count/n; echo $n > "$CTGIT_OUTPUT_DIR/run"`, nil)
		req.Container.Caches = []string{"/count"}
		req.Container.Env = map[string]string{"REPO": repo} // two repositories' steps differ somewhere
		req.Pipeline = "fraud-" + n
		if _, err := d.Run(ctx, req); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(req.OutputDir, "run"))
		return strings.TrimSpace(string(b))
	}
	if a, b := run("https://example.com/a/ml"), run("https://example.com/b/ml"); a != "1" || b != "1" {
		t.Errorf("the second repository's step saw the first's cache: counters %s and %s", a, b)
	}
}
