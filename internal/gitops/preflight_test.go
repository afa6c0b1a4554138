package gitops

import (
	"context"
	"strings"
	"testing"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/gittest"
)

func TestCheckRemote(t *testing.T) {
	const token, readToken = "ghs_pushTOKEN", "ghs_readTOKEN"
	s := gittest.NewServer(t, token, seedFiles)
	s.AllowRead(readToken)
	dir := s.Clone(t)
	ctx := context.Background()
	before := gittest.Git(t, s.Bare(), "for-each-ref")

	if err := CheckRemote(ctx, RemoteCheck{Dir: dir, Remote: "origin", Base: "main", Auth: Auth{Token: token}}); err != nil {
		t.Fatalf("a token that may push: %v", err)
	}
	for _, tc := range []struct {
		name  string
		check RemoteCheck
		code  fault.Kind
		want  string
	}{
		{"wrong token", RemoteCheck{Dir: dir, Remote: "origin", Base: "main", Auth: Auth{Token: "ghs_wrong"}}, fault.Infrastructure, "refused the token"},
		{"no token", RemoteCheck{Dir: dir, Remote: "origin", Base: "main"}, fault.Infrastructure, "set GITHUB_TOKEN"},
		{"read-only token", RemoteCheck{Dir: dir, Remote: "origin", Base: "main", Auth: Auth{Token: readToken}}, fault.Infrastructure, "it needs contents: write"},
		{"no base", RemoteCheck{Dir: dir, Remote: "origin", Base: "release", Auth: Auth{Token: token}}, fault.BadInput, `base branch "release" does not exist`},
		{"no remote", RemoteCheck{Dir: dir, Remote: "upstream", Base: "main", Auth: Auth{Token: token}}, fault.BadInput, `remote "upstream"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckRemote(ctx, tc.check)
			if err == nil || fault.KindOf(err) != tc.code || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v (exit %d), want exit %d and %q", err, fault.KindOf(err), tc.code, tc.want)
			}
			if strings.Contains(err.Error(), tc.check.Auth.Token) && tc.check.Auth.Token != "" {
				t.Error("the token is in the error")
			}
		})
	}

	// A token and an ssh remote: bad input, with the https URL to use.
	gittest.Git(t, dir, "remote", "set-url", "origin", "git@github.com:acme/models.git")
	err := CheckRemote(ctx, RemoteCheck{Dir: dir, Remote: "origin", Base: "main", Auth: Auth{Token: token}})
	if err == nil || fault.KindOf(err) != fault.BadInput || !strings.Contains(err.Error(), "git remote set-url origin https://github.com/acme/models.git") {
		t.Fatalf("ssh remote with a token: %v (exit %d)", err, fault.KindOf(err))
	}
	if after := gittest.Git(t, s.Bare(), "for-each-ref"); after != before {
		t.Errorf("the check wrote to the remote:\n%s\n%s", before, after)
	}
}

func TestHTTPSFor(t *testing.T) {
	for in, want := range map[string]string{
		"git@github.com:acme/models.git":       "https://github.com/acme/models.git",
		"ssh://git@github.com/acme/models.git": "https://github.com/acme/models.git",
		"ssh://git@ghe.acme.com:22/a/b.git":    "https://ghe.acme.com/a/b.git",
		"http://ghe.acme.com/a/b.git":          "https://ghe.acme.com/a/b.git",
		"/srv/git/models.git":                  "",
		"https://github.com/acme/models.git":   "",
	} {
		if got := httpsFor(in); got != want {
			t.Errorf("httpsFor(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUndo(t *testing.T) {
	s := gittest.NewServer(t, "", seedFiles)
	dir := s.Clone(t)
	ctx := context.Background()
	const branch = "ctgit/fraud-detector"
	undo := func(res *Result) error {
		return Undo(ctx, UndoRequest{Dir: dir, Remote: "origin", Branch: branch, Pushed: res.Commit, Previous: res.Previous})
	}

	// A branch Promote created is deleted again.
	res, err := Promote(ctx, request(dir, "1.5.0"))
	if err != nil || res.Previous != "" {
		t.Fatalf("first promotion: %+v, %v", res, err)
	}
	if err := undo(res); err != nil {
		t.Fatal(err)
	}
	if refs := gittest.Git(t, s.Bare(), "for-each-ref", "--format=%(refname)"); strings.Contains(refs, branch) {
		t.Fatalf("branch still on the remote:\n%s", refs)
	}
	if refs := gittest.Git(t, dir, "for-each-ref", "--format=%(refname)"); strings.Contains(refs, branch) {
		t.Errorf("remote-tracking branch left behind:\n%s", refs)
	}

	// A branch Promote moved goes back to its earlier tip.
	first, err := Promote(ctx, request(dir, "1.5.0"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := Promote(ctx, request(dir, "1.6.0"))
	if err != nil || second.Previous != first.Commit {
		t.Fatalf("second promotion: %+v, %v; want previous %s", second, err, first.Commit)
	}
	if err := undo(second); err != nil {
		t.Fatal(err)
	}
	if tip := remoteTip(t, s, branch); tip != first.Commit {
		t.Errorf("branch at %s, want it back at %s", tip, first.Commit)
	}
	verifyBranch(t, s, "1.5.0")

	// A branch somebody moved since is left alone.
	third, err := Promote(ctx, request(dir, "1.7.0"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Promote(ctx, request(s.Clone(t), "1.8.0")); err != nil {
		t.Fatal(err)
	}
	moved := remoteTip(t, s, branch)
	if err := undo(third); err == nil {
		t.Error("undo moved a branch somebody else had moved")
	}
	if tip := remoteTip(t, s, branch); tip != moved {
		t.Errorf("branch at %s, want it left at %s", tip, moved)
	}
}

func TestUndoLocal(t *testing.T) {
	s := gittest.NewServer(t, "", seedFiles)
	dir := s.Clone(t)
	ctx := context.Background()
	req := request(dir, "1.5.0")
	req.Remote = ""
	res, err := Promote(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := Undo(ctx, UndoRequest{Dir: dir, Branch: req.Branch, Pushed: res.Commit}); err != nil {
		t.Fatal(err)
	}
	if refs := gittest.Git(t, dir, "for-each-ref", "--format=%(refname)"); strings.Contains(refs, req.Branch) {
		t.Errorf("local branch left behind:\n%s", refs)
	}
}
