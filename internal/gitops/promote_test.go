package gitops

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/gittest"
)

const modelCUE = `package deploy

// The fraud model in production.
model: {
	name:     "fraud-detector"
	version:  "1.4.0"   // bumped by ctgit
	artifact: "file://.ctgit/artifacts/fraud@sha256:aaaa"
}
`

const kserveYAML = `# served by KServe
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: fraud
spec:
  predictor:
    model:
      storageUri: gs://models/fraud@sha256:aaaa # pinned
`

var seedFiles = map[string]string{
	"deploy/fraud/model.cue": modelCUE,
	"deploy/fraud/isvc.yaml": kserveYAML,
	"README.md":              "hello\n",
}

func request(dir, version string) Request {
	return Request{
		Dir:    dir,
		Remote: "origin",
		Base:   "main",
		Branch: "ctgit/fraud-detector",
		Edits: []Edit{
			{File: "deploy/fraud/model.cue", Field: "model.version", Value: version},
			{File: "deploy/fraud/model.cue", Field: "model.artifact", Value: "file://.ctgit/artifacts/fraud@sha256:" + version},
			{File: "deploy/fraud/isvc.yaml", Field: "spec.predictor.model.storageUri", Value: "gs://models/fraud@sha256:" + version},
		},
		Subject: "ctgit: promote fraud-detector 1.4.0 → " + version,
		Provenance: Provenance{
			Run: "run-" + version, Pipeline: "fraud-detector", SourceCommit: "0123abcd",
			Data: []string{"sha256:d1", "sha256:d2"}, Image: "python@sha256:ii", Artifact: "sha256:" + version,
		},
		Time: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
	}
}

// verifyBranch clones what the server holds and checks the branch is one
// commit on main holding version, with trailers and byte-exact files.
func verifyBranch(t *testing.T, s *gittest.Server, version string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "verify")
	gittest.Git(t, "", "clone", "--quiet", "--no-single-branch", s.AuthURL(), dir)
	if n := strings.TrimSpace(gittest.Git(t, dir, "rev-list", "--count", "origin/main..origin/ctgit/fraud-detector")); n != "1" {
		t.Fatalf("branch has %s commits on main, want 1", n)
	}
	if base, mb := gittest.Git(t, dir, "rev-parse", "origin/main"), gittest.Git(t, dir, "merge-base", "origin/main", "origin/ctgit/fraud-detector"); base != mb {
		t.Errorf("branch is not built on main's tip: merge-base %s, main %s", mb, base)
	}
	msg := gittest.Git(t, dir, "log", "-1", "--format=%B", "origin/ctgit/fraud-detector")
	trailers := gittest.Git(t, dir, "log", "-1", "--format=%(trailers:only,unfold)", "origin/ctgit/fraud-detector")
	wantTrailers := fmt.Sprintf("Ctgit-Run: run-%s\nCtgit-Pipeline: fraud-detector\nCtgit-Source-Commit: 0123abcd\nCtgit-Data: sha256:d1\nCtgit-Data: sha256:d2\nCtgit-Image: python@sha256:ii\nCtgit-Artifact: sha256:%s\n\n", version, version)
	if diff := cmp.Diff(wantTrailers, trailers); diff != "" {
		t.Errorf("trailers as git reads them (-want +got):\n%s\nmessage:\n%s", diff, msg)
	}
	if !strings.HasPrefix(msg, "ctgit: promote fraud-detector 1.4.0 → "+version+"\n") {
		t.Errorf("subject: %q", msg)
	}
	if who := gittest.Git(t, dir, "log", "-1", "--format=%an <%ae>|%cn <%ce>", "origin/ctgit/fraud-detector"); who != "ctgit <ctgit-bot@users.noreply.github.com>|ctgit <ctgit-bot@users.noreply.github.com>\n" {
		t.Errorf("author|committer = %q", who)
	}
	if files := gittest.Git(t, dir, "diff", "--name-only", "origin/main", "origin/ctgit/fraud-detector"); files != "deploy/fraud/isvc.yaml\ndeploy/fraud/model.cue\n" {
		t.Errorf("changed files:\n%s", files)
	}
	gittest.Git(t, dir, "checkout", "--quiet", "ctgit/fraud-detector")
	wantCUE := strings.NewReplacer(`"1.4.0"`, `"`+version+`"`, "sha256:aaaa", "sha256:"+version).Replace(modelCUE)
	wantYAML := strings.Replace(kserveYAML, "sha256:aaaa", "sha256:"+version, 1)
	for name, want := range map[string]string{"deploy/fraud/model.cue": wantCUE, "deploy/fraud/isvc.yaml": wantYAML} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, string(got)); diff != "" {
			t.Errorf("%s on the branch (-want +got):\n%s", name, diff)
		}
	}
}

func remoteTip(t *testing.T, s *gittest.Server, branch string) string {
	t.Helper()
	out := gittest.Git(t, "", "ls-remote", s.AuthURL(), "refs/heads/"+branch)
	f := strings.Fields(out)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// checkUntouched asserts the user's clone still has main checked out with a
// clean tree.
func checkUntouched(t *testing.T, dir string) {
	t.Helper()
	if st := gittest.Git(t, dir, "status", "--porcelain"); st != "" {
		t.Errorf("working tree changed:\n%s", st)
	}
	if head := gittest.Git(t, dir, "symbolic-ref", "HEAD"); head != "refs/heads/main\n" {
		t.Errorf("HEAD = %s", head)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "deploy/fraud/model.cue"))
	if string(got) != modelCUE {
		t.Errorf("model.cue in the working tree changed:\n%s", got)
	}
}

func TestPromotePushesOneCommitAndIsIdempotent(t *testing.T) {
	s := gittest.NewServer(t, "", seedFiles)
	dir := s.Clone(t)
	ctx := context.Background()

	res, err := Promote(ctx, request(dir, "1.5.0"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pushed || res.Commit == "" {
		t.Errorf("first promotion: %+v", res)
	}
	wantFields := []FieldChange{
		{"deploy/fraud/model.cue", "model.version", "1.4.0", "1.5.0"},
		{"deploy/fraud/model.cue", "model.artifact", "file://.ctgit/artifacts/fraud@sha256:aaaa", "file://.ctgit/artifacts/fraud@sha256:1.5.0"},
		{"deploy/fraud/isvc.yaml", "spec.predictor.model.storageUri", "gs://models/fraud@sha256:aaaa", "gs://models/fraud@sha256:1.5.0"},
	}
	if diff := cmp.Diff(wantFields, res.Fields); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	verifyBranch(t, s, "1.5.0")
	checkUntouched(t, dir)
	first := remoteTip(t, s, "ctgit/fraud-detector")

	// Same promotion again, later, from another clone: nothing to push.
	again := request(s.Clone(t), "1.5.0")
	again.Time = again.Time.Add(time.Hour)
	res, err = Promote(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pushed || res.Commit != first {
		t.Errorf("second identical promotion: pushed=%v commit=%s, want the existing %s", res.Pushed, res.Commit, first)
	}
	if tip := remoteTip(t, s, "ctgit/fraud-detector"); tip != first {
		t.Errorf("branch moved to %s", tip)
	}

	// A newer candidate rebuilds the branch: still one commit on main.
	if _, err := Promote(ctx, request(dir, "1.6.0")); err != nil {
		t.Fatal(err)
	}
	verifyBranch(t, s, "1.6.0")
	checkUntouched(t, dir)
}

func TestPromoteRebuildsOnMovedBase(t *testing.T) {
	s := gittest.NewServer(t, "", seedFiles)
	dir := s.Clone(t)
	if _, err := Promote(context.Background(), request(dir, "1.5.0")); err != nil {
		t.Fatal(err)
	}
	human := s.Clone(t)
	gittest.WriteFile(t, filepath.Join(human, "README.md"), "hello again\n")
	gittest.Git(t, human, "commit", "--quiet", "-am", "docs")
	gittest.Git(t, human, "push", "--quiet", s.AuthURL(), "main")

	res, err := Promote(context.Background(), request(dir, "1.5.0"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pushed {
		t.Error("the branch was not rebuilt on the new base")
	}
	verifyBranch(t, s, "1.5.0")
}

func TestPromoteNoChanges(t *testing.T) {
	s := gittest.NewServer(t, "", seedFiles)
	dir := s.Clone(t)
	req := request(dir, "1.4.0")
	req.Edits = req.Edits[:1]
	_, err := Promote(context.Background(), req)
	if !errors.Is(err, ErrNoChanges) {
		t.Fatalf("err = %v, want ErrNoChanges", err)
	}
	if tip := remoteTip(t, s, "ctgit/fraud-detector"); tip != "" {
		t.Errorf("a branch was pushed: %s", tip)
	}
}

func TestPromoteLeavesForeignBranchAlone(t *testing.T) {
	s := gittest.NewServer(t, "", seedFiles)
	dir := s.Clone(t)
	if _, err := Promote(context.Background(), request(dir, "1.5.0")); err != nil {
		t.Fatal(err)
	}
	human := s.Clone(t)
	gittest.Git(t, human, "checkout", "--quiet", "ctgit/fraud-detector")
	gittest.WriteFile(t, filepath.Join(human, "README.md"), "fixed by hand\n")
	gittest.Git(t, human, "commit", "--quiet", "-am", "fix")
	gittest.Git(t, human, "push", "--quiet", s.AuthURL(), "ctgit/fraud-detector")
	humanTip := remoteTip(t, s, "ctgit/fraud-detector")

	_, err := Promote(context.Background(), request(dir, "1.6.0"))
	if !errors.Is(err, ErrForeignCommits) {
		t.Fatalf("err = %v, want ErrForeignCommits", err)
	}
	if tip := remoteTip(t, s, "ctgit/fraud-detector"); tip != humanTip {
		t.Errorf("the human's branch was overwritten: %s → %s", humanTip, tip)
	}
}

func TestPromoteDryRunWritesNothing(t *testing.T) {
	s := gittest.NewServer(t, "", seedFiles)
	dir := s.Clone(t)
	// Move the remote past the clone (main gets a commit, the promotion
	// branch exists), so the dry run has objects and refs to fetch.
	other := s.Clone(t)
	gittest.WriteFile(t, filepath.Join(other, "README.md"), "hello again\n")
	gittest.Git(t, other, "commit", "--quiet", "-am", "docs")
	gittest.Git(t, other, "push", "--quiet", s.AuthURL(), "main")
	if _, err := Promote(context.Background(), request(other, "1.5.0")); err != nil {
		t.Fatal(err)
	}
	before := snapshotGitDir(t, dir)
	req := request(dir, "1.6.0")
	req.DryRun = true
	res, err := Promote(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pushed || len(res.Files) != 2 || res.Commit != "" {
		t.Errorf("dry run result: %+v", res)
	}
	if !strings.Contains(string(res.Files[0].New), `version:  "1.6.0"   // bumped by ctgit`) {
		t.Errorf("dry run new content:\n%s", res.Files[0].New)
	}
	if res.Base != remoteTip(t, s, "main") {
		t.Errorf("dry run built on %s, not on the remote's main", res.Base)
	}
	if diff := cmp.Diff(before, snapshotGitDir(t, dir)); diff != "" {
		t.Errorf("dry run wrote into .git (-before +after):\n%s", diff)
	}
	if got := gittest.Git(t, dir, "for-each-ref", "--format=%(refname)"); strings.Contains(got, "ctgit/") {
		t.Errorf("dry run made refs:\n%s", got)
	}
}

// snapshotGitDir maps every file under dir/.git to its size and content.
func snapshotGitDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	root := filepath.Join(dir, ".git")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[rel] = fmt.Sprintf("%d bytes %x", len(b), sha256.Sum256(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPromoteTokenAuthAndScrubbing(t *testing.T) {
	const token = "ghs_s3cr3tTOKENvalue"
	s := gittest.NewServer(t, token, seedFiles)
	dir := s.Clone(t)

	bad := request(dir, "1.5.0")
	bad.Auth = Auth{Token: "ghs_wrongTOKEN"}
	_, err := Promote(context.Background(), bad)
	if err == nil {
		t.Fatal("wrong token accepted")
	}
	if strings.Contains(err.Error(), "ghs_wrongTOKEN") || fault.KindOf(err) != fault.Infrastructure {
		t.Errorf("err = %q (exit %d)", err, fault.KindOf(err))
	}

	good := request(dir, "1.5.0")
	good.Auth = Auth{Token: token}
	if _, err := Promote(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	verifyBranch(t, s, "1.5.0")
	cfg, _ := os.ReadFile(filepath.Join(dir, ".git", "config"))
	if strings.Contains(string(cfg), token) {
		t.Error("the token was written into .git/config")
	}
}

func TestAuthRefusesPlainHTTP(t *testing.T) {
	a := Auth{Token: "tok"}
	for url, ok := range map[string]bool{
		"https://github.com/o/r.git":      true,
		"http://127.0.0.1:8080/r.git":     true,
		"http://localhost/r.git":          true,
		"http://github.example.com/r.git": false,
		"git@github.com:o/r.git":          false,
	} {
		if err := a.checkURL(url); (err == nil) != ok {
			t.Errorf("checkURL(%s) = %v", url, err)
		}
	}
	err := a.scrub(errors.New(`push to https://x-access-token:tok@github.com/o/r: denied for tok`))
	if want := "push to https://***@github.com/o/r: denied for ***"; err.Error() != want {
		t.Errorf("scrub = %q, want %q", err, want)
	}
}

func TestPromoteConcurrent(t *testing.T) {
	for _, sameContent := range []bool{true, false} {
		t.Run(fmt.Sprintf("same=%v", sameContent), func(t *testing.T) {
			s := gittest.NewServer(t, "", seedFiles)
			mainBefore := remoteTip(t, s, "main")
			const n = 8
			dirs := make([]string, n)
			for i := range dirs {
				dirs[i] = s.Clone(t)
			}
			errs := make([]error, n)
			versions := make([]string, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				versions[i] = "1.5.0"
				if !sameContent {
					versions[i] = fmt.Sprintf("1.5.%d", i)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, errs[i] = Promote(context.Background(), request(dirs[i], versions[i]))
				}()
			}
			close(start)
			wg.Wait()

			winners := map[string]bool{}
			for i, err := range errs {
				switch {
				case err == nil:
					winners[versions[i]] = true
				case errors.Is(err, ErrSuperseded) && !sameContent:
					if !strings.Contains(err.Error(), "superseded") {
						t.Errorf("promotion %d: unclear error %q", i, err)
					}
				default:
					t.Errorf("promotion %d (%s): %v", i, versions[i], err)
				}
			}
			if remoteTip(t, s, "main") != mainBefore {
				t.Error("main moved")
			}
			dir := filepath.Join(t.TempDir(), "v")
			gittest.Git(t, "", "clone", "--quiet", "--branch", "ctgit/fraud-detector", s.AuthURL(), dir)
			if n := strings.TrimSpace(gittest.Git(t, dir, "rev-list", "--count", "origin/main..HEAD")); n != "1" {
				t.Fatalf("branch has %s commits on main", n)
			}
			final := strings.TrimPrefix(strings.TrimSpace(gittest.Git(t, dir, "log", "-1", "--format=%(trailers:key=Ctgit-Artifact,valueonly)")), "sha256:")
			if !winners[final] {
				t.Errorf("branch holds %s, which no successful promotion wrote (winners %v)", final, winners)
			}
			verifyBranch(t, s, final)
		})
	}
}

func TestPromoteLocalOnly(t *testing.T) {
	dir := t.TempDir()
	gittest.Git(t, "", "init", "--quiet", "--initial-branch=main", dir)
	for name, content := range seedFiles {
		gittest.WriteFile(t, filepath.Join(dir, name), content)
	}
	gittest.Git(t, dir, "add", "-A")
	gittest.Git(t, dir, "commit", "--quiet", "-m", "seed")
	gittest.WriteFile(t, filepath.Join(dir, "scratch.txt"), "uncommitted work\n")

	req := request(dir, "1.5.0")
	req.Remote = ""
	res, err := Promote(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(gittest.Git(t, dir, "rev-parse", "ctgit/fraud-detector")); got != res.Commit {
		t.Errorf("local branch at %s, want %s", got, res.Commit)
	}
	if st := gittest.Git(t, dir, "status", "--porcelain"); st != "?? scratch.txt\n" {
		t.Errorf("working tree changed:\n%s", st)
	}
	gittest.Git(t, dir, "fsck", "--no-progress")
	if n := strings.TrimSpace(gittest.Git(t, dir, "rev-list", "--count", "main..ctgit/fraud-detector")); n != "1" {
		t.Errorf("%s commits", n)
	}

	gittest.Git(t, dir, "checkout", "--quiet", "ctgit/fraud-detector")
	req = request(dir, "1.6.0")
	req.Remote = ""
	if _, err := Promote(context.Background(), req); err == nil || !strings.Contains(err.Error(), "is checked out") {
		t.Errorf("moving the checked-out branch: err = %v", err)
	}
}

func TestPromoteBadInput(t *testing.T) {
	s := gittest.NewServer(t, "", seedFiles)
	dir := s.Clone(t)
	for name, mutate := range map[string]func(*Request){
		"missing file":   func(r *Request) { r.Edits[0].File = "deploy/nope.cue" },
		"missing field":  func(r *Request) { r.Edits[0].Field = "model.nope" },
		"no provenance":  func(r *Request) { r.Provenance = Provenance{} },
		"same branch":    func(r *Request) { r.Branch = "main" },
		"bad branch":     func(r *Request) { r.Branch = "ctgit/fraud..x" },
		"no base":        func(r *Request) { r.Base = "release" },
		"unknown remote": func(r *Request) { r.Remote = "upstream" },
		"escaping path":  func(r *Request) { r.Edits[0].File = "../x.cue" },
	} {
		t.Run(name, func(t *testing.T) {
			req := request(dir, "1.5.0")
			mutate(&req)
			_, err := Promote(context.Background(), req)
			if fault.KindOf(err) != fault.BadInput {
				t.Errorf("err = %v (exit %d), want exit 2", err, fault.KindOf(err))
			}
		})
	}
	if tip := remoteTip(t, s, "ctgit/fraud-detector"); tip != "" {
		t.Errorf("bad input pushed %s", tip)
	}
}
