package actions

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// workflow is the part of a workflow's schema the release checks read.
type workflow struct {
	On struct {
		Push struct {
			Tags []string `yaml:"tags"`
		} `yaml:"push"`
	} `yaml:"on"`
	Jobs map[string]struct {
		Uses        string            `yaml:"uses"`
		Needs       []string          `yaml:"needs"`
		If          string            `yaml:"if"`
		Permissions map[string]string `yaml:"permissions"`
		Steps       []struct {
			Name string            `yaml:"name"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
			Env  map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func readWorkflow(t *testing.T, rel string) *workflow {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoDir(), rel))
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(src, &w); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return &w
}

// filterRE turns a GitHub Actions filter pattern into a regexp: * is any
// run of characters but /, + repeats the character before it, [] is a
// class, and the rest is literal.
func filterRE(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			b.WriteString("[^/]*")
		case '+':
			b.WriteString("+")
		case '[':
			j := strings.IndexByte(pattern[i:], ']')
			b.WriteString(pattern[i : i+j+1])
			i += j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// TestReleaseWorkflow: a version tag starts a release, the major tag it
// moves does not; the release runs only after all of CI, and the jobs that
// attest have the permissions attestations need.
func TestReleaseWorkflow(t *testing.T) {
	w := readWorkflow(t, ".github/workflows/release.yml")
	matches := func(tag string) bool {
		return slices.ContainsFunc(w.On.Push.Tags, func(p string) bool { return filterRE(p).MatchString(tag) })
	}
	for tag, want := range map[string]bool{"v1.2.3": true, "v0.10.0": true, "v1.2.3-rc.1": true, "v1": false, "v12": false, "latest": false, "v1.2": false} {
		if matches(tag) != want {
			t.Errorf("tag %s starts a release: %v, want %v (filters %q)", tag, !want, want, w.On.Push.Tags)
		}
	}
	if w.Jobs["ci"].Uses != "./.github/workflows/ci.yml" {
		t.Errorf("job ci uses %q, want the project's CI", w.Jobs["ci"].Uses)
	}
	ci := readWorkflow(t, ".github/workflows/ci.yml")
	if _, ok := ci.Jobs["release"]; ok {
		t.Error("ci.yml publishes releases too; release.yml is the one publisher")
	}
	for _, name := range []string{"release", "image"} {
		j := w.Jobs[name]
		if !slices.Contains(j.Needs, "ci") {
			t.Errorf("job %s does not wait for CI", name)
		}
		if j.Permissions["id-token"] != "write" || j.Permissions["attestations"] != "write" {
			t.Errorf("job %s: permissions %v lack id-token: write and attestations: write", name, j.Permissions)
		}
		attests := false
		for _, s := range j.Steps {
			attests = attests || strings.HasPrefix(s.Uses, "actions/attest-build-provenance@")
		}
		if !attests {
			t.Errorf("job %s attests nothing", name)
		}
	}
	for _, s := range w.Jobs["release"].Steps {
		if strings.HasPrefix(s.Uses, "actions/attest-build-provenance@") && s.With["subject-path"] != "dist/ctgit-*" {
			t.Errorf("the release attests %q, want every binary, dist/ctgit-*", s.With["subject-path"])
		}
	}
	if j := w.Jobs["major-tag"]; j.Permissions["contents"] != "write" || !slices.Contains(j.Needs, "release") {
		t.Errorf("major-tag: permissions %v, needs %v", j.Permissions, j.Needs)
	}
}

// TestMajorTagMoves runs the release workflow's major-tag script in a real
// repository with a real remote: the newest release of a major moves its
// tag, an older patch release does not move it back.
func TestMajorTagMoves(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	var script string
	for _, s := range readWorkflow(t, ".github/workflows/release.yml").Jobs["major-tag"].Steps {
		if s.Run != "" {
			script = s.Run
		}
	}
	if script == "" {
		t.Fatal("major-tag runs no script")
	}
	dir := t.TempDir()
	env := append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL="+filepath.Join(dir, "gitconfig"), "GIT_CONFIG_NOSYSTEM=1")
	run := func(extra []string, name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = filepath.Join(dir, "work")
		cmd.Env = append(env, extra...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	must(t, os.Mkdir(filepath.Join(dir, "work"), 0o755))
	run(nil, git, "init", "-q", "--bare", filepath.Join(dir, "origin.git"))
	run(nil, git, "init", "-q", "-b", "main")
	run(nil, git, "remote", "add", "origin", filepath.Join(dir, "origin.git"))
	commits := map[string]string{}
	for _, tag := range []string{"v1.0.0", "v1.1.0", "v1.2.0", "v2.0.0-rc.1"} {
		run(nil, git, "commit", "-q", "--allow-empty", "-m", tag)
		run(nil, git, "tag", tag)
		commits[tag] = run(nil, git, "rev-parse", "HEAD")
	}
	// A patch of an older minor, tagged after v1.2.0.
	run(nil, git, "checkout", "-q", "-b", "v1.1", commits["v1.1.0"])
	run(nil, git, "commit", "-q", "--allow-empty", "-m", "v1.1.1")
	run(nil, git, "tag", "v1.1.1")
	commits["v1.1.1"] = run(nil, git, "rev-parse", "HEAD")
	run(nil, git, "push", "-q", "origin", "--tags")

	summary := filepath.Join(dir, "summary")
	release := func(tag string) string {
		t.Helper()
		return run([]string{"TAG=" + tag, "GITHUB_SHA=" + commits[tag], "GITHUB_STEP_SUMMARY=" + summary}, "bash", "-e", "-c", script)
	}
	remoteV1 := func() string {
		out, _ := exec.Command(git, "--git-dir", filepath.Join(dir, "origin.git"), "rev-parse", "v1^{commit}").Output()
		return strings.TrimSpace(string(out))
	}

	release("v1.2.0")
	if got := remoteV1(); got != commits["v1.2.0"] {
		t.Fatalf("after v1.2.0, origin's v1 is %q, want %s", got, commits["v1.2.0"])
	}
	if out := release("v1.1.1"); !strings.Contains(out, "v1.1.1 is not the newest v1 release (v1.2.0 is): v1 stays where it is") {
		t.Errorf("v1.1.1: %s", out)
	}
	if got := remoteV1(); got != commits["v1.2.0"] {
		t.Errorf("an older patch release moved v1 back to %s", got)
	}
	b, _ := os.ReadFile(summary)
	if !strings.Contains(string(b), "moved v1 to v1.2.0") {
		t.Errorf("step summary: %q", b)
	}
}
