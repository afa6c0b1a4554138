package plan

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ctgit/ctgit/internal/config"
)

// diamond is a pipeline whose steps of its own form a diamond feeding
// training (prep → left, right → train) and an export after it.
const diamond = `package pipelines

pipelines: fraud: {
	model: {name: "fraud-detector", target: {file: "deploy/model.cue", path: "model.version", artifact: "model.artifact"}}
	data: {reference: "data/reference.csv", current: "data/current.csv"}
	checks: {minRows: 1, drift: {}}
	steps: {
		prep: {image: "i", code: "steps/prep", command: ["python3", "prep.py"], env: SEED: "1",
			inputs: raw: "data.current", outputs: table: "t.csv"}
		left: {image: "i", code: "steps/left", command: ["python3", "f.py"], inputs: t: "prep.table", outputs: f: "f.csv"}
		right: {image: "i", code: "steps/right", command: ["python3", "f.py"], inputs: t: "prep.table", outputs: f: "f.csv"}
		export: {image: "i", code: "steps/export", command: ["python3", "e.py"], inputs: m: "train.model", outputs: o: "m.bin", wanted: true}
	}
	train: {image: "i", code: "train", command: ["python3", "train.py"], model: "model.json",
		inputs: {l: "left.f", r: "right.f"}}
	evaluate: gates: [{metric: "auc", min: 0.5}]
	promote: {}
}
`

func diamondRepo(t *testing.T) string {
	t.Helper()
	root := quickstart(t)
	os.RemoveAll(filepath.Join(root, "pipelines"))
	for _, d := range []string{"pipelines", "steps/prep", "steps/left", "steps/right", "steps/export"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(root, "pipelines", "fraud.cue"), diamond)
	for _, d := range []string{"prep", "left", "right", "export"} {
		write(t, filepath.Join(root, "steps", d, "s.py"), "print('"+d+"')\n")
	}
	return root
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func keysOf(p *Plan) map[string]string {
	out := map[string]string{}
	for _, s := range p.Pipelines[0].Steps {
		out[string(s.Name)] = s.Key
	}
	return out
}

// changedKeys returns the steps whose key differs between a and b.
func changedSteps(a, b map[string]string) []string {
	var out []string
	for n, k := range a {
		if b[n] != k {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// TestGraphKeysCompose: a step's key covers its definition, its inputs and
// the keys of the steps it reads, so a change reruns that step and what
// depends on it, and nothing else — across a diamond.
func TestGraphKeysCompose(t *testing.T) {
	root := diamondRepo(t)
	base := keysOf(build(t, root, nil))
	if len(base) != 9 {
		t.Fatalf("%d steps, want 9: %v", len(base), base)
	}
	for _, tc := range []struct {
		name   string
		change func()
		want   []string
	}{
		{"one branch of the diamond", func() { write(t, filepath.Join(root, "steps/left/s.py"), "print('L')\n") },
			[]string{"evaluate", "export", "left", "train"}},
		{"the top of the diamond", func() {
			write(t, filepath.Join(root, "pipelines", "fraud.cue"), replace(t, diamond, `SEED: "1"`, `SEED: "2"`))
		}, []string{"evaluate", "export", "left", "prep", "right", "train"}},
		{"the export after training", func() { write(t, filepath.Join(root, "steps/export/s.py"), "print('E')\n") },
			[]string{"export"}},
		{"the current data", func() {
			b, _ := os.ReadFile(filepath.Join(root, "data/current.csv"))
			write(t, filepath.Join(root, "data/current.csv"), string(b)+"1.5,1,1,US,web,0\n")
		}, []string{"drift", "evaluate", "export", "left", "prep", "right", "train", "validate"}},
		{"how, not what: a step's timeout", func() {
			write(t, filepath.Join(root, "pipelines", "fraud.cue"), replace(t, diamond, `outputs: o: "m.bin", wanted: true}`, `outputs: o: "m.bin", wanted: true, timeout: "5m", retries: 2}`))
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root = diamondRepo(t)
			base = keysOf(build(t, root, nil))
			tc.change()
			got := changedSteps(base, keysOf(build(t, root, nil)))
			// promote is never cached, and its key follows evaluate's.
			got = slices.DeleteFunc(got, func(s string) bool { return s == "promote" })
			if !slices.Equal(got, tc.want) {
				t.Errorf("changed %v, want %v", got, tc.want)
			}
		})
	}
}

// TestGraphPlanEdges: the plan lists each step after what it waits for,
// with the edges between them.
func TestGraphPlanEdges(t *testing.T) {
	pp := build(t, diamondRepo(t), nil).Pipelines[0]
	var names []string
	for _, s := range pp.Steps {
		names = append(names, string(s.Name))
	}
	if want := []string{"validate", "drift", "prep", "left", "right", "train", "export", "evaluate", "promote"}; !slices.Equal(names, want) {
		t.Errorf("steps %v, want %v", names, want)
	}
	for _, e := range pp.Edges {
		if e.To == "fraud/train" && e.Kind == config.EdgeData && e.Input == "l" && e.Source != "left.f" {
			t.Errorf("edge %+v, want source left.f", e)
		}
	}
	if _, err := pp.Graph(); err != nil {
		t.Fatal(err)
	}
	train := pp.Step("train")
	if !slices.Contains(train.Needs, "fraud/left") || !slices.Contains(train.Needs, "fraud/right") || train.Needs[0] != "fraud/drift" {
		t.Errorf("train needs %v, want drift first, then left and right", train.Needs)
	}
}

func replace(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("%q not in the text", old)
	}
	return strings.Replace(s, old, new, 1)
}
