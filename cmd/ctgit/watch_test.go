package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctgit/ctgit/internal/gittest"
	"github.com/ctgit/ctgit/internal/promtest"
	"github.com/ctgit/ctgit/internal/testproc"
)

// watchRepo is the multi-model example in a Git repository, reading SLIs
// from url, with edit applied to its pipeline file.
func watchRepo(t *testing.T, url string, edit func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	if err := copyTree(filepath.Join(repoDir(), "examples", "multi-model"), dir); err != nil {
		t.Fatal(err)
	}
	def := filepath.Join(dir, "pipelines", "churn.cue")
	b, err := os.ReadFile(def)
	if err != nil {
		t.Fatal(err)
	}
	gittest.WriteFile(t, def, edit(string(b)))
	gittest.WriteFile(t, filepath.Join(dir, "pipelines", "zz_prometheus.cue"), fmt.Sprintf("package pipelines\n\nsettings: prometheus: url: %q\n", url))
	gittest.Git(t, dir, "init", "-q", "-b", "main")
	gittest.Git(t, dir, "add", "-A")
	gittest.Git(t, dir, "commit", "-qm", "init")
	t.Setenv("PROMETHEUS_TOKEN", "s3cret-t0ken")
	t.Setenv(envArtifacts, "file://.ctgit/artifacts")
	return dir
}

// TestWatchExitCodes: what watch cannot decide on is never a pass, and
// opens nothing: a query Prometheus refuses is bad input at the query's
// line (2); a server that does not answer is infrastructure (3); no data
// for an SLI is inconclusive (1).
func TestWatchExitCodes(t *testing.T) {
	srv := promtest.New(t, nil, promtest.Options{}) // no series at all
	port, err := testproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	same := func(s string) string { return s }
	for _, tc := range []struct {
		name, url string
		edit      func(string) string
		code      int
		want      string
	}{
		{"no data", srv.URL, same, exitCheck, "churn-eu 1.0.0 (prod): inconclusive: no data for live_auc, error_rate on 1.0.0"},
		{"bad query", srv.URL, func(s string) string {
			return strings.Replace(s, `query:       "avg(churn_live_auc{`, `query:       "avg(churn_live_auc{{`, 1)
		}, exitInput, `pipelines/churn.cue:92:5: pipelines.churn-eu.slis.live_auc.query: sli live_auc: prometheus refused the query avg(churn_live_auc{{model="churn-eu", version="1.0.0"}): 1:20: parse error`},
		{"server down", fmt.Sprintf("http://127.0.0.1:%d", port), same, exitInfra, "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := watchRepo(t, tc.url, tc.edit)
			code, stdout, stderr := runCtgit(t, "--root", dir, "watch", "churn-eu")
			if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
				t.Fatalf("exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", code, tc.code, tc.want, stdout, stderr)
			}
			if strings.Contains(stdout+stderr, "s3cret-t0ken") {
				t.Error("the bearer token was printed")
			}
			if _, err := os.Stat(filepath.Join(dir, ".ctgit", "prs")); err == nil {
				t.Error("a pull request was written")
			}
		})
	}
}
