package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/forge/githubtest"
	"github.com/ctgit/ctgit/internal/gittest"
)

// quickstartFiles reads examples/quickstart with settings that send pull
// requests to GitHub repository acme/models.
func quickstartFiles(t *testing.T) map[string]string {
	t.Helper()
	src := filepath.Join(repoDir(), "examples", "quickstart")
	files := map[string]string{
		"pipelines/settings.cue": "package pipelines\n\nsettings: {forge: \"github\", github: repository: \"acme/models\"}\n",
		".gitignore":             ".ctgit/\n",
	}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, "__pycache__") || strings.Contains(p, ".ctgit") {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(src, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// ctgit runs the CLI in-process and returns its exit code and output.
func ctgit(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb, osEnvironment())
	return code, out.String(), errb.String()
}

// TestPromoteGitHub promotes the quickstart through a real git server
// (git http-backend on loopback, token auth) and the GitHub API double:
// one pull request created, then updated, with labels and reviewers; bad
// input pushes nothing and calls no API.
func TestPromoteGitHub(t *testing.T) {
	s := gittest.NewServer(t, githubtest.Token, quickstartFiles(t))
	dir := s.Clone(t)
	gh := githubtest.New(t)
	remoteRefs := func() string { return gittest.Git(t, s.Bare(), "for-each-ref", "--format=%(refname) %(objectname)") }
	promoteArgs := func(version string, extra ...string) []string {
		return append([]string{"--root", dir, "promote", "fraud", "--version", version, "--github-url", gh.URL()}, extra...)
	}

	t.Run("bad input", func(t *testing.T) {
		before := remoteRefs()
		t.Setenv("GITHUB_TOKEN", githubtest.Token)
		for _, tc := range []struct {
			name string
			args []string
			env  map[string]string
			want string
		}{
			{"unknown pipeline", []string{"--root", dir, "promote", "nope", "--version", "1.1.0", "--github-url", gh.URL()}, nil, `no pipeline named "nope"`},
			{"not semver", promoteArgs("1.1"), nil, `version "1.1" is not semver`},
			{"bad artifact", promoteArgs("1.1.0", "--artifact", "s3://m/fraud@sha256:abc"), nil, "want URI@sha256:"},
			{"no token", promoteArgs("1.1.0"), map[string]string{"GITHUB_TOKEN": ""}, "promoting through GitHub needs a token"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for k, v := range tc.env {
					t.Setenv(k, v)
				}
				code, _, stderr := ctgit(t, tc.args...)
				if code != 2 || !strings.Contains(stderr, tc.want) {
					t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
				}
				if strings.Contains(stderr, githubtest.Token) {
					t.Error("the token is in the error")
				}
			})
		}
		if got := gh.Reqs(); len(got) != 0 {
			t.Errorf("bad input called the API: %v", got)
		}
		if after := remoteRefs(); after != before {
			t.Errorf("bad input pushed:\n%s\n%s", before, after)
		}
	})

	t.Setenv("GITHUB_TOKEN", githubtest.Token)
	code, stdout, stderr := ctgit(t, promoteArgs("1.1.0")...)
	if code != 0 {
		t.Fatalf("promote: exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "opened pull request https://github.com/acme/models/pull/1: 1.0.0 → 1.1.0 on branch ctgit/fraud-detector") {
		t.Errorf("stdout: %s", stdout)
	}
	// The preflight reads the repository and its pull requests first.
	if diff := cmp.Diff([]string{"GET repo", "GET pulls", "GET pulls", "POST pulls", "POST labels", "POST reviewers"}, gh.Reqs()); diff != "" {
		t.Errorf("first promotion's requests (-want +got):\n%s", diff)
	}
	prs := gh.OpenPRs()
	if len(prs) != 1 {
		t.Fatalf("%d open PRs, want 1", len(prs))
	}
	pr := prs[0]
	if pr.Head != "ctgit/fraud-detector" || pr.Base != "main" || pr.Title != "ctgit: promote fraud-detector 1.0.0 → 1.1.0" ||
		!cmp.Equal(pr.Labels, []string{"model-promotion"}) || !cmp.Equal(pr.Users, []string{"ml-team"}) ||
		!strings.Contains(pr.Body, "Promoted by hand with `ctgit promote`") || strings.Contains(pr.Body, githubtest.Token) {
		t.Errorf("PR on the fake: %+v", pr)
	}
	verify := func(version string) {
		t.Helper()
		clone := filepath.Join(t.TempDir(), "verify")
		gittest.Git(t, "", "clone", "--quiet", "--no-single-branch", s.AuthURL(), clone)
		if n := strings.TrimSpace(gittest.Git(t, clone, "rev-list", "--count", "origin/main..origin/ctgit/fraud-detector")); n != "1" {
			t.Errorf("branch has %s commits on main, want 1", n)
		}
		got := gittest.Git(t, clone, "show", "origin/ctgit/fraud-detector:deploy/model.cue")
		want := strings.Replace(quickstartFiles(t)["deploy/model.cue"], `version:  "1.0.0"`, `version:  "`+version+`"`, 1)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("pushed deploy/model.cue (-want +got):\n%s", diff)
		}
	}
	verify("1.1.0")

	// A second promotion updates the same pull request and branch.
	code, stdout, stderr = ctgit(t, promoteArgs("1.2.0")...)
	if code != 0 || !strings.Contains(stdout, "updated pull request https://github.com/acme/models/pull/1: 1.0.0 → 1.2.0") {
		t.Fatalf("second promote: exit %d\n%s%s", code, stdout, stderr)
	}
	if diff := cmp.Diff([]string{"GET repo", "GET pulls", "GET pulls", "PATCH pull", "POST labels", "POST reviewers"}, gh.Reqs()); diff != "" {
		t.Errorf("second promotion's requests (-want +got):\n%s", diff)
	}
	if prs := gh.OpenPRs(); len(prs) != 1 || prs[0].Number != 1 || prs[0].Title != "ctgit: promote fraud-detector 1.0.0 → 1.2.0" ||
		!cmp.Equal(prs[0].Labels, []string{"model-promotion"}) {
		t.Errorf("PRs after the second promotion: %+v", prs)
	}
	verify("1.2.0")

	// Status lists the open pull request from the API.
	code, stdout, _ = ctgit(t, "--root", dir, "status", "--format", "json", "--github-url", gh.URL())
	if code != 0 || !strings.Contains(stdout, `"url": "https://github.com/acme/models/pull/1"`) || !strings.Contains(stdout, `"version": "1.0.0"`) {
		t.Errorf("status: exit %d\n%s", code, stdout)
	}
}

// TestPromoteGitHubPreflight: a token that may not push, or may not open
// the pull request, leaves no branch on the remote, and says why.
func TestPromoteGitHubPreflight(t *testing.T) {
	t.Setenv("GITHUB_TOKEN", githubtest.Token)
	remoteRefs := func(s *gittest.Server) string {
		return gittest.Git(t, s.Bare(), "for-each-ref", "--format=%(refname) %(objectname)")
	}
	writes := func(reqs []string) []string {
		var out []string
		for _, r := range reqs {
			if !strings.HasPrefix(r, "GET ") {
				out = append(out, r)
			}
		}
		return out
	}

	t.Run("token may not push", func(t *testing.T) {
		// The API accepts the token; the git server lets it fetch, not push.
		s := gittest.NewServer(t, "ghs_anotherTOKEN", quickstartFiles(t))
		s.AllowRead(githubtest.Token)
		dir := s.Clone(t)
		gh := githubtest.New(t)
		before := remoteRefs(s)
		code, stdout, stderr := ctgit(t, "--root", dir, "promote", "fraud", "--version", "1.1.0", "--github-url", gh.URL())
		if code != 3 || !strings.Contains(stderr, "preflight: cannot push to") || !strings.Contains(stderr, "it needs contents: write") {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		if after := remoteRefs(s); after != before {
			t.Errorf("pushed:\n%s\n%s", before, after)
		}
		if w := writes(gh.Reqs()); len(w) != 0 {
			t.Errorf("API writes: %v", w)
		}
	})

	t.Run("token may not read pull requests", func(t *testing.T) {
		s := gittest.NewServer(t, githubtest.Token, quickstartFiles(t))
		dir := s.Clone(t)
		gh := githubtest.New(t)
		gh.NoPullRequests = true
		before := remoteRefs(s)
		code, stdout, stderr := ctgit(t, "--root", dir, "promote", "fraud", "--version", "1.1.0", "--github-url", gh.URL())
		if code != 3 || !strings.Contains(stderr, "give it pull-requests: write") {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		if after := remoteRefs(s); after != before {
			t.Errorf("pushed:\n%s\n%s", before, after)
		}
	})

	t.Run("Actions may not create pull requests", func(t *testing.T) {
		s := gittest.NewServer(t, githubtest.Token, quickstartFiles(t))
		dir := s.Clone(t)
		gh := githubtest.New(t)
		before := remoteRefs(s)
		gh.ActionsMayNotCreatePRs = true

		// Only the create call can tell: the branch pushed for it is
		// deleted again, and the error says so.
		code, stdout, stderr := ctgit(t, "--root", dir, "promote", "fraud", "--version", "1.1.0", "--github-url", gh.URL())
		if code != 3 || !strings.Contains(stderr, "GitHub Actions is not permitted to create or approve pull requests.") ||
			!strings.Contains(stderr, "Allow GitHub Actions to create and approve pull requests") ||
			!strings.Contains(stderr, "ctgit deleted branch ctgit/fraud-detector on origin again, which it had just pushed: nothing is left behind") {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		if after := remoteRefs(s); after != before {
			t.Errorf("a branch was left behind:\n%s\n%s", before, after)
		}
		if diff := cmp.Diff([]string{"POST pulls"}, writes(gh.Reqs())); diff != "" {
			t.Errorf("API writes (-want +got):\n%s", diff)
		}
		if strings.Contains(stderr, githubtest.Token) {
			t.Error("the token is in the error")
		}

		// A branch that existed (its pull request merged) goes back to
		// where it was.
		gh.With(func(f *githubtest.GitHub) { f.ActionsMayNotCreatePRs = false })
		if code, stdout, stderr := ctgit(t, "--root", dir, "promote", "fraud", "--version", "1.1.0", "--github-url", gh.URL()); code != 0 {
			t.Fatalf("promote: exit %d\n%s%s", code, stdout, stderr)
		}
		gh.With(func(f *githubtest.GitHub) {
			f.PRs[0].State, f.PRs[0].Merged, f.ActionsMayNotCreatePRs = "closed", true, true
		})
		tip := remoteRefs(s)
		code, stdout, stderr = ctgit(t, "--root", dir, "promote", "fraud", "--version", "1.2.0", "--github-url", gh.URL())
		if code != 3 || !strings.Contains(stderr, "ctgit moved branch ctgit/fraud-detector on origin back to") {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		if after := remoteRefs(s); after != tip {
			t.Errorf("the branch was not restored:\n%s\n%s", tip, after)
		}
	})

	t.Run("pull request closed by a human", func(t *testing.T) {
		s := gittest.NewServer(t, githubtest.Token, quickstartFiles(t))
		dir := s.Clone(t)
		gh := githubtest.New(t)
		if code, stdout, stderr := ctgit(t, "--root", dir, "promote", "fraud", "--version", "1.1.0", "--github-url", gh.URL()); code != 0 {
			t.Fatalf("promote: exit %d\n%s%s", code, stdout, stderr)
		}
		gh.With(func(f *githubtest.GitHub) { f.PRs[0].State = "closed" })
		tip := remoteRefs(s)
		code, stdout, stderr := ctgit(t, "--root", dir, "promote", "fraud", "--version", "1.2.0", "--github-url", gh.URL())
		if code != 1 || !strings.Contains(stderr, "--reopen") || !strings.Contains(stderr, "back to") {
			t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
		}
		if after := remoteRefs(s); after != tip {
			t.Errorf("a refused promotion moved the branch:\n%s\n%s", tip, after)
		}
	})
}
