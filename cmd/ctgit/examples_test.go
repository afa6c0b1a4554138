package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestExamplesVetAndPlan: every example repository, and this repository's
// own pipelines/, vets clean and plans, as CI and users run them. Each is
// copied first so the plan's digest memo lands in a temporary directory.
// (The quickstart runs end to end in testdata/script/run_quickstart.txtar.)
// An example whose data is in a bucket only vets here (vet reaches no
// store); its script plans and runs it against a real S3 server.
func TestExamplesVetAndPlan(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join(repoDir(), "examples"))
	if err != nil {
		t.Fatal(err)
	}
	roots := map[string]func(dst string) error{
		// pipelines/ reads the quickstart's data and code by paths from the
		// repository root; copy just what it needs.
		"pipelines": func(dst string) error {
			for _, p := range []string{"pipelines", "examples/quickstart"} {
				if err := copyTree(filepath.Join(repoDir(), p), filepath.Join(dst, p)); err != nil {
					return err
				}
			}
			return nil
		},
	}
	for _, e := range entries {
		name := e.Name()
		if _, err := os.Stat(filepath.Join(repoDir(), "examples", name, "pipelines")); err != nil {
			continue // not a ctgit repository (workflows, monitoring)
		}
		roots["examples/"+name] = func(dst string) error {
			return copyTree(filepath.Join(repoDir(), "examples", name), dst)
		}
	}
	for _, want := range []string{"pipelines", "examples/quickstart", "examples/multi-model", "examples/pytorch-gpu"} {
		if roots[want] == nil {
			t.Errorf("%s is missing", want)
		}
	}
	// inBucket: the examples whose data is in a bucket, and the script that
	// plans and runs each.
	inBucket := map[string]string{"examples/lakehouse": "testdata/script/lakehouse.txtar"}
	for name, copyTo := range roots {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := copyTo(dir); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCtgit(t, "--root", dir, "vet")
			if code != exitOK || !strings.Contains(stdout, "valid in pipelines") {
				t.Fatalf("vet: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if script := inBucket[name]; script != "" {
				t.Logf("data in a bucket: planned and run by %s", script)
				return
			}
			code, stdout, stderr = runCtgit(t, "--root", dir, "plan")
			if code != exitOK {
				t.Fatalf("plan: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if !regexp.MustCompile(`\+ validate +run`).MatchString(stdout) {
				t.Errorf("plan does not run the validate step of a fresh copy:\n%s", stdout)
			}
		})
	}
}

// TestMultiModelTemplate: the multi-model example's one definition makes
// three pipelines, each promoting staging → prod.
func TestMultiModelTemplate(t *testing.T) {
	dir := t.TempDir()
	if err := copyTree(filepath.Join(repoDir(), "examples", "multi-model"), dir); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCtgit(t, "--root", dir, "plan", "--format", "json")
	if code != exitOK {
		t.Fatalf("plan: exit %d: %s", code, stderr)
	}
	for _, region := range []string{"eu", "us", "apac"} {
		for _, want := range []string{
			`"name": "churn-` + region + `"`,
			`"file": "deploy/staging/churn-` + region + `.yaml"`,
			`"file": "deploy/prod/churn-` + region + `.yaml"`,
		} {
			if !strings.Contains(stdout, want) {
				t.Errorf("plan lacks %s", want)
			}
		}
	}
	if n := strings.Count(stdout, `"name": "prod"`); n != 3 {
		t.Errorf("want 3 prod channels, got %d", n)
	}
}
