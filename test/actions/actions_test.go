package actions

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"

	"github.com/ctgit/ctgit/internal/scaffold"
)

func repoDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// shellcheck finds shellcheck; CI installs it (Debian's shellcheck). Without
// it the scripts are not checked, and the test says so.
func shellcheck(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("shellcheck")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("shellcheck is not installed; CI must install it (apt-get install shellcheck)")
		}
		t.Log("shellcheck not found: shell scripts are not checked")
		return ""
	}
	return p
}

// lint runs actionlint over one workflow, with the repository's
// .github/actionlint.yaml (the self-hosted "gpu" runner label).
func lint(t *testing.T, path string, content []byte) []*actionlint.Error {
	t.Helper()
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{
		Shellcheck: shellcheck(t),
		ConfigFile: filepath.Join(repoDir(), ".github", "actionlint.yaml"),
		Color:      actionlint.ColorOptionKindNever,
		Oneline:    true,
	})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint(path, content, nil)
	if err != nil {
		t.Fatalf("linting %s: %v", path, err)
	}
	return errs
}

// TestWorkflowsLint: every workflow the project ships is clean.
func TestWorkflowsLint(t *testing.T) {
	var paths []string
	for _, glob := range []string{".github/workflows/*.yml", ".github/workflows/*.yaml", "examples/workflows/*.yml", "examples/workflows/*.yaml"} {
		m, err := filepath.Glob(filepath.Join(repoDir(), glob))
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	for _, want := range []string{".github/workflows/ci.yml", "examples/workflows/ctgit.yml"} {
		if !slices.Contains(paths, filepath.Join(repoDir(), want)) {
			t.Errorf("%s is missing", want)
		}
	}
	for _, p := range paths {
		rel, _ := filepath.Rel(repoDir(), p)
		t.Run(rel, func(t *testing.T) {
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range lint(t, rel, src) {
				t.Error(e)
			}
		})
	}
	for _, f := range scaffold.Files() {
		if f.Path == scaffold.WorkflowPath {
			t.Run("ctgit init: "+f.Path, func(t *testing.T) {
				for _, e := range lint(t, f.Path, f.Data) {
					t.Error(e)
				}
			})
		}
	}
	// What a release's ctgit init writes: the template pinned to it.
	t.Run("ctgit init v1.2.3: "+scaffold.WorkflowPath, func(t *testing.T) {
		dir := t.TempDir()
		if _, err := scaffold.Write(dir, false, scaffold.PinTo("v1.2.3")); err != nil {
			t.Fatal(err)
		}
		src, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(scaffold.WorkflowPath)))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range lint(t, scaffold.WorkflowPath, src) {
			t.Error(e)
		}
	})
}

// TestLintCatchesMistakes: the linter as configured here does fail, on the
// kind of mistakes a workflow edit makes.
func TestLintCatchesMistakes(t *testing.T) {
	for _, tc := range []struct{ name, workflow, want string }{
		{"unknown runner label", "on: push\njobs:\n  a:\n    runs-on: [self-hosted, tpu]\n    steps:\n      - run: echo\n", `label "tpu" is unknown`},
		{"undefined output", "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ steps.x.outputs.y }}\n", `property "x" is not defined`},
		{"script injection", "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo \"${{ github.event.pull_request.title }}\"\n", "potentially untrusted"},
		{"shellcheck on run scripts", "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: rm -rf $DIR/*\n", "SC2115"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.HasPrefix(tc.name, "shellcheck") && shellcheck(t) == "" {
				t.Skip("shellcheck not installed")
			}
			errs := lint(t, "bad.yml", []byte(tc.workflow))
			var msgs []string
			for _, e := range errs {
				msgs = append(msgs, e.Message)
			}
			if !strings.Contains(strings.Join(msgs, "\n"), tc.want) {
				t.Errorf("want an error containing %q, got %q", tc.want, msgs)
			}
		})
	}
}

// actionMeta is the part of action.yml's schema the action uses.
type actionMeta struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Inputs      map[string]struct {
		Description string  `yaml:"description"`
		Required    bool    `yaml:"required"`
		Default     *string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID    string            `yaml:"id"`
			Name  string            `yaml:"name"`
			If    string            `yaml:"if"`
			Uses  string            `yaml:"uses"`
			Run   string            `yaml:"run"`
			Shell string            `yaml:"shell"`
			Env   map[string]string `yaml:"env"`
			With  map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

func readAction(t *testing.T) (*actionMeta, []byte) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoDir(), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var m actionMeta
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return &m, src
}

var stepOutputRE = regexp.MustCompile(`^\$\{\{ steps\.([a-z0-9_-]+)\.outputs\.([a-z0-9_-]+) \}\}$`)

// TestActionMetadata: action.yml is a composite action with the inputs and
// outputs the README documents, each output taken from a step that exists,
// and every run step naming its shell.
func TestActionMetadata(t *testing.T) {
	m, src := readAction(t)
	if m.Name == "" || m.Description == "" {
		t.Error("action.yml needs a name and a description")
	}
	if m.Runs.Using != "composite" {
		t.Errorf("runs.using %q, want composite", m.Runs.Using)
	}
	var inputs, outputs []string
	for k, in := range m.Inputs {
		inputs = append(inputs, k)
		if in.Description == "" || in.Required || in.Default == nil {
			t.Errorf("input %s: want a description, required: false and a default", k)
		}
	}
	slices.Sort(inputs)
	if diff := cmp.Diff([]string{"args", "token", "verify-attestation", "version"}, inputs); diff != "" {
		t.Errorf("inputs (-want +got):\n%s", diff)
	}
	ids := map[string]bool{}
	for i, s := range m.Runs.Steps {
		if s.ID != "" {
			if ids[s.ID] {
				t.Errorf("step id %q twice", s.ID)
			}
			ids[s.ID] = true
		}
		switch {
		case s.Run != "" && s.Uses != "":
			t.Errorf("step %d has both run and uses", i)
		case s.Run != "" && s.Shell == "":
			t.Errorf("step %d (%s) runs a script without shell: composite actions need one", i, s.Name)
		case s.Run == "" && s.Uses == "":
			t.Errorf("step %d neither runs nor uses", i)
		}
		// Inputs reach scripts through env, never by ${{ }} inside the
		// script, where they would be shell code.
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %d (%s) expands an expression inside its script; pass it through env", i, s.Name)
		}
	}
	for k, o := range m.Outputs {
		outputs = append(outputs, k)
		sm := stepOutputRE.FindStringSubmatch(o.Value)
		if o.Description == "" || sm == nil {
			t.Errorf("output %s: want a description and value ${{ steps.ID.outputs.NAME }}, got %q", k, o.Value)
			continue
		}
		if !ids[sm[1]] {
			t.Errorf("output %s comes from step %q, which action.yml does not have", k, sm[1])
		}
		if sm[1] == "run" && sm[2] != k {
			t.Errorf("output %s maps ctgit's output %s; the names must match", k, sm[2])
		}
	}
	slices.Sort(outputs)
	// A run's outputs, and ctgit watch's (breached, inconclusive,
	// rollback-urls, rolled-back).
	if diff := cmp.Diff([]string{"breached", "ctgit-version", "drifted", "inconclusive", "outcome", "pr-url", "promoted", "rollback-urls", "rolled-back", "version"}, outputs); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
	if !bytes.Contains(src, []byte("go install")) || !bytes.Contains(src, []byte("github.com/ctgit/ctgit/cmd/ctgit@")) {
		t.Error("action.yml lacks the go install fallback")
	}
}

// TestActionScripts: each script of action.yml passes shellcheck.
func TestActionScripts(t *testing.T) {
	sc := shellcheck(t)
	if sc == "" {
		t.Skip("shellcheck not installed")
	}
	m, _ := readAction(t)
	n := 0
	for i, s := range m.Runs.Steps {
		if s.Run == "" {
			continue
		}
		n++
		if s.Shell != "bash" {
			t.Errorf("step %d: shell %q; the scripts are written for bash", i, s.Shell)
		}
		cmd := exec.Command(sc, "--shell=bash", "--severity=style", "-")
		cmd.Stdin = strings.NewReader(s.Run)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("step %d (%s): shellcheck: %v\n%s", i, s.Name, err, out)
		}
	}
	if n < 3 {
		t.Errorf("found %d scripts in action.yml, want the install, PATH and run scripts", n)
	}
}
