package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"oras.land/oras-go/v2/registry/remote"

	"github.com/ctgit/ctgit/internal/artifact"
	"github.com/ctgit/ctgit/internal/forge/githubtest"
	"github.com/ctgit/ctgit/internal/gittest"
	"github.com/ctgit/ctgit/internal/registrytest"
)

// ociRepo serves the quickstart, with settings (a CUE struct), from a real
// git server, and returns the server and a clone. Pushes authenticate with
// githubtest.Token, which the test puts in GITHUB_TOKEN; promotions go
// through the local forge.
func ociRepo(t *testing.T, settings string, edit func(files map[string]string)) (*gittest.Server, string) {
	t.Helper()
	files := quickstartFiles(t)
	files["pipelines/settings.cue"] = "package pipelines\n\nsettings: " + settings + "\n"
	if edit != nil {
		edit(files)
	}
	s := gittest.NewServer(t, githubtest.Token, files)
	t.Setenv("GITHUB_TOKEN", githubtest.Token)
	return s, s.Clone(t)
}

// mergeOnRemote merges branch into main on the remote, as the merge button
// would (a fast-forward), from the clone dir, whose main follows.
func mergeOnRemote(t *testing.T, s *gittest.Server, dir, branch string) {
	t.Helper()
	gittest.Git(t, dir, "fetch", "--quiet", s.AuthURL(), branch)
	gittest.Git(t, dir, "merge", "--quiet", "--ff-only", "FETCH_HEAD")
	gittest.Git(t, dir, "push", "--quiet", s.AuthURL(), "HEAD:main")
}

func putModel(t *testing.T, st artifact.Store, content string) (*artifact.Artifact, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "model.json")
	gittest.WriteFile(t, p, content)
	a, err := st.PutModel(context.Background(), artifact.Provenance{Pipeline: "fraud", Model: "fraud-detector", RunID: "by-hand"}, p)
	if err != nil {
		t.Fatal(err)
	}
	return a, a.URI + "@" + a.Digest
}

// TestOCIRollback: a rollback to a version whose artifact is gone from the
// store is refused (exit 2) before anything is written, for a bucket and a
// registry; a store that cannot be asked is exit 3. `ctgit promote
// --artifact` takes oci:// references and refuses malformed ones.
func TestOCIRollback(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{})
	for _, tc := range []struct {
		name, url string
		// remove deletes an artifact from the store behind ctgit's back.
		remove func(t *testing.T, a *artifact.Artifact)
	}{
		{"bucket", "file://" + filepath.ToSlash(t.TempDir()), nil},
		{"registry", "oci://" + reg.Host + "/models", func(t *testing.T, a *artifact.Artifact) {
			repo, err := remote.NewRepository(reg.Host + "/models")
			if err != nil {
				t.Fatal(err)
			}
			repo.PlainHTTP = true
			ctx := context.Background()
			desc, err := repo.Resolve(ctx, a.Digest)
			if err != nil {
				t.Fatal(err)
			}
			if err := repo.Delete(ctx, desc); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, dir := ociRepo(t, `{forge: "local", artifacts: "`+tc.url+`"}`, nil)
			st, err := artifact.Open(context.Background(), tc.url, dir)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			a1, ref1 := putModel(t, st, `{"model": 1}`)
			_, ref2 := putModel(t, st, `{"model": 2}`)
			for _, v := range []struct{ version, ref string }{{"1.1.0", ref1}, {"1.2.0", ref2}} {
				if code, stdout, stderr := ctgit(t, "--root", dir, "promote", "fraud", "--version", v.version, "--artifact", v.ref); code != 0 {
					t.Fatalf("promote %s: exit %d\n%s%s", v.version, code, stdout, stderr)
				}
				mergeOnRemote(t, s, dir, "ctgit/fraud-detector")
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "deploy/model.cue")); !strings.Contains(string(b), `artifact: "`+ref2+`"`) {
				t.Fatalf("merged deploy/model.cue does not hold %s:\n%s", ref2, b)
			}

			// While the artifact is stored, the rollback restores it.
			code, stdout, stderr := ctgit(t, "--root", dir, "rollback", "fraud-detector", "--dry-run")
			if code != 0 || !strings.Contains(stdout, ref1) {
				t.Fatalf("rollback --dry-run with the artifact stored: exit %d\n%s%s", code, stdout, stderr)
			}

			if tc.remove != nil {
				tc.remove(t, a1)
			} else {
				if err := os.Remove(filepath.Join(strings.TrimPrefix(tc.url, "file://"), filepath.FromSlash(a1.Key))); err != nil {
					t.Fatal(err)
				}
			}
			remoteRefs := func() string { return gittest.Git(t, s.Bare(), "for-each-ref", "--format=%(refname) %(objectname)") }
			before := remoteRefs()
			nothingWritten := func(what string) {
				t.Helper()
				if after := remoteRefs(); after != before {
					t.Errorf("%s pushed:\n%s\n%s", what, before, after)
				}
				if _, err := os.Stat(filepath.Join(dir, ".ctgit/prs/ctgit-rollback-fraud-detector.md")); err == nil {
					t.Errorf("%s wrote the pull request file", what)
				}
				if out := gittest.Git(t, dir, "status", "--porcelain"); out != "" {
					t.Errorf("%s changed the work tree:\n%s", what, out)
				}
			}
			code, stdout, stderr = ctgit(t, "--root", dir, "rollback", "fraud-detector")
			if code != 2 || !strings.Contains(stderr, "cannot roll fraud-detector back to 1.1.0: its artifact "+ref1+" is no longer in the artifact store") {
				t.Errorf("rollback to a removed artifact: exit %d, want 2\n%s%s", code, stdout, stderr)
			}
			nothingWritten("a refused rollback")

			// A version whose artifact field holds no reference has
			// nothing to check.
			if code, stdout, stderr := ctgit(t, "--root", dir, "rollback", "fraud-detector", "--to", "1.0.0", "--dry-run"); code != 0 {
				t.Errorf("rollback --to 1.0.0 (artifact none): exit %d\n%s%s", code, stdout, stderr)
			}

			// A store that cannot be asked: exit 3.
			t.Setenv(envArtifacts, "oci://127.0.0.1:1/models")
			code, stdout, stderr = ctgit(t, "--root", dir, "rollback", "fraud-detector")
			if code != 3 || !strings.Contains(stderr, "artifact registry 127.0.0.1:1/models") {
				t.Errorf("rollback with the store unreachable: exit %d, want 3\n%s%s", code, stdout, stderr)
			}
			nothingWritten("a rollback with the store unreachable")
			t.Setenv(envArtifacts, "")

			// promote --artifact: malformed oci references are bad input.
			hex := strings.Repeat("a", 64)
			for _, bad := range []string{
				"oci://" + reg.Host + "@sha256:" + hex,
				"oci://" + reg.Host + "/Models@sha256:" + hex,
				"oci://" + reg.Host + "/models:v1@sha256:" + hex,
				"oci://" + reg.Host + "/models@sha256:" + hex[:10],
			} {
				code, stdout, stderr := ctgit(t, "--root", dir, "promote", "fraud", "--version", "1.3.0", "--artifact", bad)
				if code != 2 || !strings.Contains(stderr, "artifact ") {
					t.Errorf("promote --artifact %s: exit %d, want 2\n%s%s", bad, code, stdout, stderr)
				}
			}
			nothingWritten("a refused promote")
		})
	}
}
