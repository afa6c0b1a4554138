package forge

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/forge/githubtest"
)

func TestGitHubCheck(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		setup func(f *githubtest.GitHub)
		token string
		want  string // "" for no error
	}{
		{"installation token", func(*githubtest.GitHub) {}, testToken, ""},
		{"classic token with repo", func(f *githubtest.GitHub) { f.Classic, f.Scopes, f.Private = true, []string{"repo", "workflow"}, true }, testToken, ""},
		{"classic public_repo on a public repository", func(f *githubtest.GitHub) { f.Classic, f.Scopes = true, []string{"public_repo"} }, testToken, ""},
		{"classic public_repo on a private repository", func(f *githubtest.GitHub) { f.Classic, f.Scopes, f.Private = true, []string{"public_repo"}, true }, testToken,
			`classic token with scopes "public_repo", without repo: it cannot push`},
		{"classic token, user may not push", func(f *githubtest.GitHub) { f.Classic, f.Scopes, f.ReadOnly = true, []string{"repo"}, true }, testToken,
			"permissions.push is false"},
		{"wrong token", func(*githubtest.GitHub) {}, "ghs_wrong", "GitHub refused the token (401)"},
		{"no pull request permission", func(f *githubtest.GitHub) { f.NoPullRequests = true }, testToken,
			"may not read the pull requests of acme/models: give it pull-requests: write (in a workflow: permissions: {contents: write, pull-requests: write}) (GitHub accepts for this call: pull_requests=read)"},
		{"unknown repository", func(f *githubtest.GitHub) { f.Fail("GET repo", failure{Status: 404, Body: `{"message":"Not Found"}`}) }, testToken,
			"does not exist or the token cannot see it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeGitHub(t)
			tc.setup(f)
			g, err := NewGitHub(GitHubConfig{Owner: "acme", Repo: "models", Token: tc.token, URL: f.URL()})
			if err != nil {
				t.Fatal(err)
			}
			err = g.Check(ctx)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.want) || fault.KindOf(err) != fault.Infrastructure {
				t.Fatalf("err = %v (exit %d), want exit 3 and %q", err, fault.KindOf(err), tc.want)
			}
			for _, r := range f.Reqs() {
				if !strings.HasPrefix(r, "GET ") {
					t.Errorf("the preflight wrote: %s", r)
				}
			}
		})
	}
}

// The policy that forbids GitHub Actions to create pull requests shows only
// in the create call: the preflight passes, Open fails and says what to do.
func TestOpenActionsMayNotCreatePRs(t *testing.T) {
	f := newFakeGitHub(t)
	f.ActionsMayNotCreatePRs = true
	g := testForge(t, f)
	ctx := context.Background()
	if err := g.Check(ctx); err != nil {
		t.Fatalf("preflight: %v", err)
	}
	f.Reqs()
	_, err := g.Open(ctx, promoReq("body"))
	if err == nil || fault.KindOf(err) != fault.Infrastructure ||
		!strings.Contains(err.Error(), "GitHub Actions is not permitted to create or approve pull requests.") ||
		!strings.Contains(err.Error(), "Allow GitHub Actions to create and approve pull requests") {
		t.Fatalf("err = %v (exit %d)", err, fault.KindOf(err))
	}
	if diff := cmp.Diff([]string{"GET pulls", "POST pulls"}, f.Reqs()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if len(f.OpenPRs()) != 0 {
		t.Error("a pull request was created")
	}
}

func TestLocalCheck(t *testing.T) {
	root := t.TempDir()
	l := Local{Root: root}
	if err := l.Check(context.Background()); err != nil {
		t.Fatalf("fresh repository: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, ".ctgit")); !os.IsNotExist(err) {
		t.Error("the check created .ctgit")
	}
	if err := os.WriteFile(filepath.Join(root, ".ctgit"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := l.Check(context.Background()); err == nil || fault.KindOf(err) != fault.BadInput || !strings.Contains(err.Error(), "is not a directory") {
		t.Fatalf("err = %v (exit %d)", err, fault.KindOf(err))
	}
}
