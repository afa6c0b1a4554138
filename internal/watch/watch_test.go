package watch

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/forge"
	"github.com/ctgit/ctgit/internal/forge/githubtest"
	"github.com/ctgit/ctgit/internal/gitops"
	"github.com/ctgit/ctgit/internal/gittest"
	"github.com/ctgit/ctgit/internal/record"
)

// TestTimings: the approval time is the stage's last merged promotion's
// pull request opened → merged, as GitHub returns them; the time to
// retrain runs from the trigger of the run that trained the version (its
// Ctgit-Run trailer) to that merge. The local forge cannot tell: none.
func TestTimings(t *testing.T) {
	dir := t.TempDir()
	gittest.Git(t, dir, "init", "-q", "-b", "main")
	gittest.WriteFile(t, filepath.Join(dir, "deploy", "m.cue"), "model: version: \"1.1.0\"\n")
	gittest.Git(t, dir, "add", "-A")
	gittest.Git(t, dir, "commit", "-qm", "ctgit: promote m 1.0.0 → 1.1.0\n\nCtgit-Run: run-7\nCtgit-Pipeline: p\n")
	hist, err := gitops.History(dir, "HEAD", "deploy/m.cue", "model.version")
	if err != nil {
		t.Fatal(err)
	}

	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	gh := githubtest.New(t)
	gh.PRs = []*githubtest.PR{{Number: 4, State: "closed", Merged: true, Head: "ctgit/m", Base: "main", HeadRepo: "acme/models",
		Created: t0.Add(2 * time.Hour), MergedAt: t0.Add(5 * time.Hour)}}
	f, err := forge.NewGitHub(forge.GitHubConfig{Owner: "acme", Repo: "models", Token: githubtest.Token, URL: gh.URL(), Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	records := func(context.Context, string) []*record.Run {
		return []*record.Run{{ID: "run-7", Trigger: record.Trigger{Kind: "schedule", At: t0}}}
	}
	p := &config.Pipeline{Name: "p", Model: config.Model{Name: "m"}}

	m := &Model{}
	timings(context.Background(), m, p, "ctgit/m", hist[0], Options{Forge: f, Records: records})
	if m.ApprovalSeconds == nil || *m.ApprovalSeconds != 3*3600 || m.TimeToRetrainSeconds == nil || *m.TimeToRetrainSeconds != 5*3600 {
		t.Fatalf("approval %v, time to retrain %v: want 3h and 5h", m.ApprovalSeconds, m.TimeToRetrainSeconds)
	}

	m = &Model{}
	timings(context.Background(), m, p, "ctgit/m", hist[0], Options{Forge: forge.Local{Root: dir}, Records: records})
	if m.ApprovalSeconds != nil || m.TimeToRetrainSeconds != nil {
		t.Errorf("the local forge claimed an approval time: %v, %v", m.ApprovalSeconds, m.TimeToRetrainSeconds)
	}
}
