package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/forge/githubtest"
	"github.com/ctgit/ctgit/internal/report"
)

// planCommentRepo copies the quickstart into a temporary directory and sets
// the GitHub Actions environment of a pull_request event on pull request 7
// of acme/models (the repository the GitHub double serves).
func planCommentRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := copyTree(filepath.Join(repoDir(), "examples", "quickstart"), dir); err != nil {
		t.Fatal(err)
	}
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"action": "synchronize", "number": 7, "pull_request": {"number": 7, "state": "open"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_EVENT_PATH", event)
	t.Setenv("GITHUB_REPOSITORY", "acme/models")
	t.Setenv("GITHUB_TOKEN", githubtest.Token)
	return dir
}

func runCtgit(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb, osEnvironment())
	return code, out.String(), errb.String()
}

// TestPlanCommentUpdatesOneComment: the first push creates the plan comment,
// later pushes edit it, and a human's comment on the same pull request is
// left alone.
func TestPlanCommentUpdatesOneComment(t *testing.T) {
	dir := planCommentRepo(t)
	gh := githubtest.New(t)
	gh.Comments = []*githubtest.Comment{{ID: 1, Issue: 7, Body: "looks good to me"}}

	for i, wantReqs := range [][]string{
		{"GET comments", "POST comments"},
		{"GET comments", "PATCH comment"},
	} {
		code, stdout, stderr := runCtgit(t, "--root", dir, "plan", "--comment", "--github-url", gh.URL())
		if code != exitOK {
			t.Fatalf("push %d: exit %d, stderr:\n%s", i+1, code, stderr)
		}
		if !strings.Contains(stdout, "fraud (fraud-detector)") {
			t.Errorf("push %d: stdout lacks the text plan:\n%s", i+1, stdout)
		}
		if !strings.Contains(stderr, "plan comment: https://github.com/acme/models/pull/7#issuecomment-1001") {
			t.Errorf("push %d: stderr does not name the comment:\n%s", i+1, stderr)
		}
		if diff := cmp.Diff(wantReqs, gh.Reqs()); diff != "" {
			t.Errorf("push %d: requests (-want +got):\n%s", i+1, diff)
		}
	}
	if len(gh.Comments) != 2 {
		t.Fatalf("want the human's comment and one plan comment, got %d comments", len(gh.Comments))
	}
	if gh.Comments[0].Body != "looks good to me" {
		t.Errorf("the human's comment was changed to %q", gh.Comments[0].Body)
	}
	body := gh.Comments[1].Body
	if !strings.HasPrefix(body, report.PlanCommentMarker+"\n") {
		t.Errorf("the plan comment does not start with the marker:\n%s", body)
	}
	if !strings.Contains(body, "fraud-detector") || !strings.Contains(body, "|") {
		t.Errorf("the plan comment is not the markdown plan:\n%s", body)
	}
	if gh.Comments[1].Issue != 7 {
		t.Errorf("commented on #%d, want #7 from the event", gh.Comments[1].Issue)
	}
}

// TestPlanCommentPRFlag: --pr wins over the event, and works without one.
func TestPlanCommentPRFlag(t *testing.T) {
	dir := planCommentRepo(t)
	t.Setenv("GITHUB_EVENT_PATH", "")
	gh := githubtest.New(t)
	code, _, stderr := runCtgit(t, "--root", dir, "plan", "--comment", "--pr", "12", "--github-url", gh.URL(), "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if len(gh.Comments) != 1 || gh.Comments[0].Issue != 12 {
		t.Fatalf("want one comment on #12, got %+v", gh.Comments)
	}
}

// TestPlanCommentTokenFile: --token-file is read instead of GITHUB_TOKEN.
func TestPlanCommentTokenFile(t *testing.T) {
	dir := planCommentRepo(t)
	t.Setenv("GITHUB_TOKEN", "")
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte(githubtest.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	gh := githubtest.New(t)
	code, _, stderr := runCtgit(t, "--root", dir, "plan", "--comment", "--token-file", tok, "--github-url", gh.URL())
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if len(gh.Comments) != 1 {
		t.Fatalf("want one comment, got %d", len(gh.Comments))
	}
}

// TestPlanCommentErrors: what is missing is named, with the exit code of
// its kind, and the token never shows.
func TestPlanCommentErrors(t *testing.T) {
	notPR := filepath.Join(t.TempDir(), "push.json")
	if err := os.WriteFile(notPR, []byte(`{"ref": "refs/heads/main", "before": "0000"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stderr string
	}{
		{
			name:   "no event and no --pr",
			env:    map[string]string{"GITHUB_EVENT_PATH": ""},
			code:   exitInput,
			stderr: "--comment needs the pull request: pass --pr N",
		},
		{
			name:   "a push event",
			env:    map[string]string{"GITHUB_EVENT_PATH": notPR},
			code:   exitInput,
			stderr: "holds no pull_request.number",
		},
		{
			name:   "no token",
			env:    map[string]string{"GITHUB_TOKEN": ""},
			code:   exitInput,
			stderr: "--comment needs a GitHub token",
		},
		{
			name:   "no repository",
			env:    map[string]string{"GITHUB_REPOSITORY": ""},
			code:   exitInput,
			stderr: "cannot tell the GitHub repository",
		},
		{
			name:   "--pr without --comment",
			args:   []string{"--pr", "3"},
			code:   exitInput,
			stderr: "only apply with --comment",
		},
		{
			name:   "a token the API refuses",
			env:    map[string]string{"GITHUB_TOKEN": "ghs_wrongTOKEN"},
			args:   []string{"--comment"},
			code:   exitInfra,
			stderr: "listing comments of #7",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := planCommentRepo(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			gh := githubtest.New(t)
			args := tc.args
			if args == nil {
				args = []string{"--comment"}
			}
			args = append([]string{"--root", dir, "plan", "--github-url", gh.URL()}, args...)
			code, _, stderr := runCtgit(t, args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr)
			}
			if strings.Contains(stderr, "ghs_") {
				t.Errorf("stderr shows the token:\n%s", stderr)
			}
			if len(gh.Comments) != 0 {
				t.Errorf("commented although the command failed: %+v", gh.Comments)
			}
		})
	}
}
