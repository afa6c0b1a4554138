package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/ctgit/ctgit/internal/artifact"
	"github.com/ctgit/ctgit/internal/forge/githubtest"
	"github.com/ctgit/ctgit/internal/gittest"
	"github.com/ctgit/ctgit/internal/record"
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

// TestOCITwoClones is issue 15's end to end: the quickstart with its
// models and run records in a real registry (htpasswd auth), run under
// CI=true from two fresh clones of a real git remote in sequence.
func TestOCITwoClones(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed: the quickstart trains with it")
	}
	reg := registrytest.Start(t, registrytest.Options{User: "ci", Password: "s3cret-registry"})
	t.Setenv("DOCKER_CONFIG", filepath.Dir(reg.DockerConfig(t, filepath.Join(t.TempDir(), "docker"))))
	store := "oci://" + reg.Host + "/models"
	s, a := ociRepo(t, `{forge: "local", artifacts: "`+store+`"}`, func(files map[string]string) {
		// A guardrail the second run must find in the first run's record.
		files["pipelines/fraud.cue"] = strings.Replace(files["pipelines/fraud.cue"], `schedule: "0 6 * * 1"`, `schedule: "0 6 * * 1"
		minInterval: "24h"`, 1)
	})
	// Under CI, with settings.allowLocalArtifacts unset: the registry is
	// a store that outlives the runner, so the run is not refused.
	t.Setenv("CI", "true")

	// Clone A trains (forced: the first run has no record to hold it
	// back), stores the model and its record in the registry, and opens
	// the promotion.
	runA := runJSON(t, a, "--force-train")
	if runA.Outcome != record.OutcomePromoted || runA.Candidate == nil || runA.Candidate.URI != store {
		t.Fatalf("clone A: outcome %s (%s), candidate %+v", runA.Outcome, runA.Reason, runA.Candidate)
	}
	trained := trainerModel(t, a)
	// The promotion is merged on the remote, as the merge button would.
	mergeOnRemote(t, s, a, "ctgit/fraud-detector")

	// Clone B, fresh: nothing of A's machine, only git and the registry.
	b := s.Clone(t)
	if _, err := os.Stat(filepath.Join(b, ".ctgit")); err == nil {
		t.Fatal("clone B starts with a .ctgit directory")
	}
	// The guardrail holds on A's record, read from the registry.
	held := runJSON(t, b)
	var guard *record.Guardrail
	for i := range held.Guardrails {
		if held.Guardrails[i].Name == "minInterval" {
			guard = &held.Guardrails[i]
		}
	}
	// The last retrain it names is A's (B has no record of its own).
	when := func(tm time.Time) string { return "(" + tm.UTC().Format(time.RFC3339) + ")" }
	if guard == nil || !guard.Held || held.Training != nil || held.Outcome != record.OutcomeHeld ||
		!(strings.Contains(guard.Reason, when(runA.StartedAt)) || strings.Contains(guard.Reason, when(runA.FinishedAt))) {
		t.Errorf("clone B: minInterval did not hold on run %s's record: guardrails %+v, outcome %s (%s)", runA.ID, held.Guardrails, held.Outcome, held.Reason)
	}
	// Forced past the guardrail, B compares with the deployed model, whose
	// metrics come from A's record in the registry.
	forced := runJSON(t, b, "--force-train")
	if forced.Baseline == nil || forced.Baseline.RunID != runA.ID || forced.Baseline.Version != runA.Candidate.Version {
		t.Errorf("clone B: baseline %+v, want version %s from run %s", forced.Baseline, runA.Candidate.Version, runA.ID)
	}
	relative := 0
	for _, g := range forced.Gates {
		if g.Kind == "maxDropFromBaseline" {
			relative++
			if g.Skipped || g.Baseline == nil {
				t.Errorf("clone B: %s gate not evaluated against the baseline: %s", g.Kind, g.Reason)
			}
		}
	}
	if relative != 1 {
		t.Errorf("clone B: %d maxDropFromBaseline gates in the record, want the quickstart's 1", relative)
	}

	// The merged target names the artifact; a plain OCI client pulls the
	// bytes the trainer wrote.
	cue, err := os.ReadFile(filepath.Join(b, "deploy/model.cue"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`artifact: "oci://([^@"]+)@(sha256:[0-9a-f]{64})"`).FindStringSubmatch(string(cue))
	if m == nil || m[1] != reg.Host+"/models" {
		t.Fatalf("merged deploy/model.cue names no artifact in %s:\n%s", store, cue)
	}
	if got := pullModel(t, reg, m[1], m[2]); !bytes.Equal(got, trained) {
		t.Errorf("pulled %d bytes from %s@%s, the trainer wrote %d others", len(got), m[1], m[2], len(trained))
	}
}

// runJSON runs the quickstart's pipeline in clone dir and returns its record.
func runJSON(t *testing.T, dir string, args ...string) *record.Run {
	t.Helper()
	code, stdout, stderr := ctgit(t, append([]string{"--root", dir, "run", "fraud", "--executor", "local", "--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("ctgit run %s in %s: exit %d\n%s%s", strings.Join(args, " "), dir, code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "s3cret-registry") {
		t.Fatal("the registry password is in the output")
	}
	var list struct{ Runs []*record.Run }
	if err := json.Unmarshal([]byte(stdout), &list); err != nil || len(list.Runs) != 1 {
		t.Fatalf("run list: %v\n%s", err, stdout)
	}
	return list.Runs[0]
}

// trainerModel returns the model file the quickstart's trainer wrote in
// clone dir (model.json in the step's output, the same bytes wherever
// ctgit keeps copies of it).
func trainerModel(t *testing.T, dir string) []byte {
	t.Helper()
	var found []byte
	err := filepath.WalkDir(filepath.Join(dir, ".ctgit"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "model.json" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if found != nil && !bytes.Equal(found, b) {
			t.Fatalf("two different model.json files under %s", dir)
		}
		found = b
		return nil
	})
	if err != nil || found == nil {
		t.Fatalf("no model.json written under %s/.ctgit: %v", dir, err)
	}
	return found
}

// pullModel pulls the one layer of the artifact name@dg with oras-go
// alone, as any OCI client would.
func pullModel(t *testing.T, reg *registrytest.Registry, name, dg string) []byte {
	t.Helper()
	ctx := context.Background()
	repo, err := remote.NewRepository(name)
	if err != nil {
		t.Fatal(err)
	}
	repo.PlainHTTP = true
	repo.Client = &auth.Client{Credential: auth.StaticCredential(reg.Host, auth.Credential{Username: reg.User, Password: reg.Password})}
	desc, b, err := oras.FetchBytes(ctx, repo, dg, oras.DefaultFetchBytesOptions)
	if err != nil {
		t.Fatalf("pulling %s@%s: %v", name, dg, err)
	}
	var man ocispec.Manifest
	if err := json.Unmarshal(b, &man); err != nil || len(man.Layers) != 1 {
		t.Fatalf("manifest %s: %v, %d layers", desc.Digest, err, len(man.Layers))
	}
	layer, err := content.FetchAll(ctx, repo, man.Layers[0])
	if err != nil {
		t.Fatal(err)
	}
	return layer
}

// TestOCIArtifactsFromEnvironment: the scaffolded workflow's way. The
// settings keep the default runner-local store, which CI refuses;
// CTGIT_ARTIFACTS, set by the workflow, puts the models in a registry.
func TestOCIArtifactsFromEnvironment(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed: the quickstart trains with it")
	}
	reg := registrytest.Start(t, registrytest.Options{})
	_, dir := ociRepo(t, `{forge: "local"}`, nil)
	t.Setenv("CI", "true")
	code, stdout, stderr := ctgit(t, "--root", dir, "run", "fraud", "--executor", "local")
	if code != 2 || !strings.Contains(stderr, "CTGIT_ARTIFACTS") {
		t.Fatalf("CI with the default store: exit %d, want 2 naming CTGIT_ARTIFACTS\n%s%s", code, stdout, stderr)
	}
	store := "oci://" + reg.Host + "/models"
	t.Setenv(envArtifacts, store)
	run := runJSON(t, dir, "--force-train")
	if run.Candidate == nil || run.Candidate.URI != store {
		t.Errorf("candidate %+v, want one in %s", run.Candidate, store)
	}
	if _, err := os.Stat(filepath.Join(dir, ".ctgit/artifacts")); err == nil {
		t.Error("the runner-local store was written")
	}
}
