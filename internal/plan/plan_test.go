package plan

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/cache"
	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/dag"
	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/gitops"
)

// quickstart copies examples/quickstart into a temporary repository root.
func quickstart(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	src := filepath.Join("..", "..", "examples", "quickstart")
	out, err := exec.Command("cp", "-r", src+"/.", dst).CombinedOutput()
	if err != nil {
		t.Fatalf("copying quickstart: %v: %s", err, out)
	}
	os.RemoveAll(filepath.Join(dst, ".ctgit"))
	return dst
}

func loadCfg(t *testing.T, root string) *config.Config {
	t.Helper()
	cfg, err := config.Load(root, "pipelines")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg
}

func build(t *testing.T, root string, store *cache.Store) *Plan {
	t.Helper()
	p, err := Build(loadCfg(t, root), Options{Cache: store})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return p
}

// actions returns "step=action" for the quickstart's only pipeline.
func actions(p *Plan) []string {
	var out []string
	for _, s := range p.Pipelines[0].Steps {
		out = append(out, string(s.Name)+"="+string(s.Action))
	}
	return out
}

// complete stores a cache entry for every step of p, as a run would,
// recording drifted as the drift step's verdict.
func complete(t *testing.T, store *cache.Store, p *Plan, drifted bool) {
	t.Helper()
	for _, s := range p.Pipelines[0].Steps {
		parts, _ := json.Marshal(s.Parts)
		e := &cache.Entry{Key: s.Key, Step: s.ID, Parts: parts}
		if s.Name == StepDrift {
			e.Result, _ = json.Marshal(&DriftResult{Drifted: drifted})
		}
		if err := store.Put(e, "", digest.NewMemo()); err != nil {
			t.Fatal(err)
		}
	}
}

func appendLine(t *testing.T, file, line string) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(line); err != nil {
		t.Fatal(err)
	}
}

func TestPlanMarksExactlyTheAffectedSteps(t *testing.T) {
	root := quickstart(t)
	store := cache.Open(filepath.Join(root, ".ctgit", "cache"))

	first := build(t, root, store)
	if diff := cmp.Diff([]string{"validate=run", "drift=run", "train=conditional", "evaluate=conditional", "promote=conditional"}, actions(first)); diff != "" {
		t.Fatalf("first plan (-want +got):\n%s", diff)
	}
	for _, s := range first.Pipelines[0].Steps {
		if s.Action == ActionRun && s.Reason != "never run" {
			t.Errorf("%s: reason %q, want never run", s.ID, s.Reason)
		}
	}
	complete(t, store, first, true)
	second := build(t, root, store)
	if diff := cmp.Diff([]string{"validate=cached", "drift=cached", "train=cached", "evaluate=cached", "promote=conditional"}, actions(second)); diff != "" {
		t.Fatalf("unchanged plan (-want +got):\n%s", diff)
	}

	// The reference data is read by drift and training, not by validation.
	appendLine(t, filepath.Join(root, "data", "reference.csv"), "10.5,100,3,US,web,0\n")
	third := build(t, root, store)
	if diff := cmp.Diff([]string{"validate=cached", "drift=run", "train=conditional", "evaluate=conditional", "promote=conditional"}, actions(third)); diff != "" {
		t.Fatalf("after changing reference data (-want +got):\n%s", diff)
	}
	drift := third.Pipelines[0].Step(StepDrift)
	if !strings.HasPrefix(drift.Reason, "reference data changed: sha256:") || !strings.Contains(drift.Reason, "→") {
		t.Errorf("drift reason = %q", drift.Reason)
	}

	// The gates are read by evaluation alone; promotion follows its key.
	complete(t, store, third, true)
	def := filepath.Join(root, "pipelines", "fraud.cue")
	src, _ := os.ReadFile(def)
	os.WriteFile(def, []byte(strings.Replace(string(src), `{metric: "auc", min: 0.70}`, `{metric: "auc", min: 0.71}`, 1)), 0o644)
	fourth := build(t, root, store)
	if diff := cmp.Diff([]string{"validate=cached", "drift=cached", "train=cached", "evaluate=run", "promote=conditional"}, actions(fourth)); diff != "" {
		t.Fatalf("after changing a gate (-want +got):\n%s", diff)
	}
	if got := fourth.Pipelines[0].Step(StepEvaluate).Reason; !strings.HasPrefix(got, "definition changed at pipelines/fraud.cue:") {
		t.Errorf("evaluate reason = %q", got)
	}
}

func TestPlanKeysIgnorePositions(t *testing.T) {
	root := quickstart(t)
	before := build(t, root, nil)
	def := filepath.Join(root, "pipelines", "fraud.cue")
	src, _ := os.ReadFile(def)
	// Comments and blank lines move every declaration down.
	os.WriteFile(def, append([]byte("// moved\n\n\n"), src...), 0o644)
	after := build(t, root, nil)
	for i, s := range before.Pipelines[0].Steps {
		a := after.Pipelines[0].Steps[i]
		if s.Key != a.Key {
			t.Errorf("%s: key changed when only positions moved", s.ID)
		}
		if s.Pos == a.Pos {
			t.Errorf("%s: position did not move (%s)", s.ID, s.Pos)
		}
	}
}

func TestPlanNoDriftSkipsTraining(t *testing.T) {
	root := quickstart(t)
	store := cache.Open(filepath.Join(root, ".ctgit", "cache"))
	p := build(t, root, store)
	// Only validate and drift ran; drift found nothing.
	for _, s := range p.Pipelines[0].Steps[:2] {
		parts, _ := json.Marshal(s.Parts)
		e := &cache.Entry{Key: s.Key, Step: s.ID, Parts: parts}
		if s.Name == StepDrift {
			e.Result, _ = json.Marshal(&DriftResult{})
		}
		store.Put(e, "", digest.NewMemo())
	}
	got := actions(build(t, root, store))
	want := []string{"validate=cached", "drift=cached", "train=skip", "evaluate=skip", "promote=skip"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	forced, err := Build(loadCfg(t, root), Options{Cache: store, ForceTrain: true})
	if err != nil {
		t.Fatal(err)
	}
	if s := forced.Pipelines[0].Step(StepTrain); s.Action != ActionRun || !strings.HasPrefix(s.Reason, "forced by --force-train") {
		t.Errorf("forced train = %s (%s)", s.Action, s.Reason)
	}
}

func TestPlanUnknownPipeline(t *testing.T) {
	root := quickstart(t)
	_, err := Build(loadCfg(t, root), Options{Pipelines: []string{"nope"}})
	if err == nil || !strings.Contains(err.Error(), `no pipeline named "nope"; pipelines here: fraud`) {
		t.Fatalf("err = %v", err)
	}
}

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@e", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@e", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestChangedSince: the pipelines a list of changed files selects, and why.
func TestChangedSince(t *testing.T) {
	root := quickstart(t)
	// A second pipeline with its own data.
	os.MkdirAll(filepath.Join(root, "data", "churn"), 0o755)
	os.WriteFile(filepath.Join(root, "data", "churn", "ref.csv"), []byte("a\n1\n"), 0o644)
	os.WriteFile(filepath.Join(root, "data", "churn", "cur.csv"), []byte("a\n2\n"), 0o644)
	os.WriteFile(filepath.Join(root, "pipelines", "churn.cue"), []byte(`package pipelines

pipelines: churn: {
	model: {name: "churn", target: {file: "deploy/churn.cue", path: "version"}}
	data: {reference: "data/churn/ref.csv", current: "data/churn/cur.csv"}
	trigger: paths: ["features/churn/**"]
}
`), 0o644)
	os.WriteFile(filepath.Join(root, "deploy", "churn.cue"), []byte("version: \"\"\n"), 0o644)
	runGit(t, root, "init", "-q", "-b", "main")
	runGit(t, root, "add", "-A")
	runGit(t, root, "commit", "-qm", "init")
	base := runGit(t, root, "rev-parse", "HEAD")

	changed, err := gitops.ChangedFiles(root, base)
	if err != nil || len(changed) != 0 {
		t.Fatalf("nothing changed yet: %v %v", changed, err)
	}

	appendLine(t, filepath.Join(root, "data", "current.csv"), "1,1,1,US,web,0\n")
	runGit(t, root, "commit", "-qam", "new data")
	os.MkdirAll(filepath.Join(root, "features", "churn", "x"), 0o755)
	os.WriteFile(filepath.Join(root, "features", "churn", "x", "f.py"), []byte("x=1\n"), 0o644)

	changed, err = gitops.ChangedFiles(root, base)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"data/current.csv", "features/churn/x/f.py"}, changed); diff != "" {
		t.Fatalf("changed (-want +got):\n%s", diff)
	}
	p, err := Build(loadCfg(t, root), Options{Changed: changed, ChangedSince: base})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, pp := range p.Pipelines {
		got[pp.Name] = pp.Reason
	}
	want := map[string]string{
		"churn": `features/churn/x/f.py matches trigger.paths "features/churn/**"`,
		"fraud": "current data changed: data/current.csv",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("reasons (-want +got):\n%s", diff)
	}

	// Only the churn trigger path changed since the data commit.
	head := runGit(t, root, "rev-parse", "HEAD")
	changed, _ = gitops.ChangedFiles(root, head)
	p, _ = Build(loadCfg(t, root), Options{Changed: changed, ChangedSince: head})
	if !p.Pipelines[0].Selected || p.Pipelines[1].Selected {
		t.Errorf("selected: churn=%v fraud=%v", p.Pipelines[0].Selected, p.Pipelines[1].Selected)
	}
}

func TestGraph(t *testing.T) {
	tests := []struct {
		name    string
		nodes   []string
		needs   map[string][]string
		wantErr string
	}{
		{"ok", []string{"a", "b", "c"}, map[string][]string{"b": {"a"}, "c": {"a", "b"}}, ""},
		{"duplicate", []string{"a", "a"}, nil, `step "a" is declared twice`},
		{"unknown", []string{"a"}, map[string][]string{"a": {"z", "y"}}, `step "a" needs unknown step "y", "z"`},
		{"cycle", []string{"c", "a", "b"}, map[string][]string{"a": {"b"}, "b": {"c"}, "c": {"a"}}, `steps form a cycle: "a" → "b" → "c" → "a"`},
		{"self", []string{"a"}, map[string][]string{"a": {"a"}}, `steps form a cycle: "a" → "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dag.New(tt.nodes, tt.needs)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.wantErr {
				t.Errorf("err = %q, want %q", got, tt.wantErr)
			}
		})
	}
	g, _ := dag.New([]string{"a", "b", "c", "d"}, map[string][]string{"b": {"a"}, "c": {"a"}, "d": {"b", "c"}})
	steps := []struct {
		done []string
		want []string
	}{
		{nil, []string{"a"}},
		{[]string{"a"}, []string{"b", "c"}},
		{[]string{"a", "b"}, []string{"c"}},
		{[]string{"a", "b", "c"}, []string{"d"}},
		{[]string{"a", "b", "c", "d"}, nil},
	}
	for _, s := range steps {
		done := map[string]bool{}
		for _, d := range s.done {
			done[d] = true
		}
		if diff := cmp.Diff(s.want, g.Ready(done)); diff != "" {
			t.Errorf("Ready(%v) (-want +got):\n%s", s.done, diff)
		}
	}
	if diff := cmp.Diff([]string{"b", "c", "d"}, g.Downstream("a")); diff != "" {
		t.Errorf("Downstream(a): %s", diff)
	}
}

func TestSelectDue(t *testing.T) {
	root := quickstart(t) // fraud: schedule "0 6 * * 1"
	p := build(t, root, nil)
	monday := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

	SelectDue(p, monday.Add(3*time.Hour), func(string) time.Time { return time.Time{} })
	if pp := p.Pipelines[0]; !pp.Selected || !strings.Contains(pp.Reason, "is due (slot 2026-11-23T06:00:00Z)") {
		t.Fatalf("never run: %v %q", pp.Selected, pp.Reason)
	}
	SelectDue(p, monday.Add(3*time.Hour), func(string) time.Time { return monday.Add(time.Hour) })
	if pp := p.Pipelines[0]; pp.Selected || !strings.Contains(pp.Reason, "already ran") || pp.Steps != nil {
		t.Fatalf("already served: %v %q", pp.Selected, pp.Reason)
	}
	p = build(t, root, nil)
	SelectDue(p, monday.Add(7*24*time.Hour+time.Minute), func(string) time.Time { return monday.Add(time.Hour) })
	if !p.Pipelines[0].Selected {
		t.Fatal("next week's slot is due")
	}
}
