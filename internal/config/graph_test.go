package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// graphRepo writes a repository whose pipeline p declares body (steps,
// train, evaluate) and returns its root.
func graphRepo(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("deploy/model.cue", "package deploy\n\nmodel: version: \"1.0.0\"\n")
	write("data/ref.csv", "a\n1\n")
	write("data/cur.csv", "a\n2\n")
	write("src/x.py", "print(1)\n")
	write("pipelines/p.cue", graphHead+body+"\n}\n")
	return dir
}

const graphHead = `package pipelines

pipelines: p: {
	model: {name: "m", target: {file: "deploy/model.cue", path: "model.version"}}
	data: {reference: "data/ref.csv", current: "data/cur.csv"}
	checks: {minRows: 1, drift: {}}
	promote: {}
`

// TestGraphErrors: every bad graph is an error at the line and column of
// the field that makes it bad, before anything runs.
func TestGraphErrors(t *testing.T) {
	const train = `	train: {image: "i", command: ["x"]}
`
	for _, tc := range []struct {
		name string
		body string // the line ending in "// here" is where the error is
		want string
	}{
		{"cycle", train + `	steps: {
		a: {image: "i", command: ["x"], inputs: in: "b.out", outputs: out: "o"} // here
		b: {image: "i", command: ["x"], inputs: in: "a.out", outputs: out: "o"}
	}`, `steps form a cycle: a → b → a`},
		{"cycle through a built-in", `	train: {image: "i", command: ["x"], inputs: f: "a.out"}
	steps: a: {image: "i", command: ["x"], needs: ["train"], outputs: out: "o"} // here`, `steps form a cycle`},
		{"unknown step", train + `	steps: a: {image: "i", command: ["x"], wanted: true,
		inputs: in: "nosuch.out"} // here`, `input "nosuch.out" names unknown step "nosuch"; steps here: a, validate, drift, train, promote`},
		{"unknown output", train + `	steps: {
		a: {image: "i", command: ["x"], outputs: table: "t.csv"}
		b: {image: "i", command: ["x"], wanted: true, inputs: in: "a.tabel"} // here
	}`, `step a has no output "tabel"; it has a.table`},
		{"unknown train output", train + `	steps: a: {image: "i", command: ["x"], wanted: true, inputs: m: "train.weights"} // here`, `train's outputs are train.model, train.metrics and train.outputs`},
		{"a built-in's output", train + `	steps: a: {image: "i", command: ["x"], wanted: true, inputs: m: "drift.report"} // here`, `step drift has no outputs to read; to run after it, use needs: ["drift"]`},
		{"not a source", train + `	steps: a: {image: "i", command: ["x"], wanted: true, inputs: m: "features"} // here`, `is not <step>.<output>`},
		{"unknown need", train + `	steps: a: {image: "i", command: ["x"], wanted: true, needs: [
		"prep"]} // here`, `needs unknown step "prep"`},
		{"output leaves its directory", train + `	steps: a: {image: "i", command: ["x"], wanted: true,
		outputs: o: "../o"} // here`, `leaves the step's output directory`},
		{"absolute output", train + `	steps: a: {image: "i", command: ["x"], wanted: true,
		outputs: o: "/tmp/o"} // here`, `leaves the step's output directory`},
		{"two outputs one path", train + `	steps: a: {image: "i", command: ["x"], wanted: true,
		outputs: {o: "out/m", p: "out/m/x"}} // here`, `output p (out/m/x) overlaps output o (out/m) of the same step`},
		{"built-in name", train + `	steps: train2: {image: "i", command: ["x"], wanted: true}
	steps: drift: {image: "i", command: ["x"], wanted: true} // here`, `"drift" names a built-in step`},
		{"metrics section name", train + `	steps: slices: {image: "i", command: ["x"], wanted: true} // here`, `is a section of the training metrics`},
		{"train input shadows its data", `	train: {image: "i", command: ["x"],
		inputs: current: "data.current"} // here`, `would take the place of the training data's own directory`},
		{"gate names a step without metrics", `	train: {image: "i", command: ["x"]}
	steps: r: {image: "i", command: ["x"], wanted: true}
	evaluate: gates: [
		{metric: "r.auc", min: 0.5}] // here`, `names step r, which declares no metrics file`},
		{"unknown dataset", train + `	steps: a: {image: "i", command: ["x"], wanted: true, inputs: d: "data.labels"} // here`, `the pipeline's datasets are data.current and data.reference`},
		{"step timeout", train + `	steps: a: {image: "i", command: ["x"], wanted: true,
		timeout: "5 minutes"} // here`, `invalid value "5 minutes"`},
		{"step code missing", train + `	steps: a: {image: "i", command: ["x"], wanted: true,
		code: "nosuch"} // here`, `nosuch`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := graphRepo(t, tc.body)
			_, err := Load(root, "pipelines")
			var ds Diagnostics
			if !errors.As(err, &ds) {
				t.Fatalf("Load: %v, want diagnostics", err)
			}
			line := 0
			for i, l := range strings.Split(graphHead+tc.body, "\n") {
				if strings.HasSuffix(l, "// here") {
					line = i + 1
				}
			}
			for _, d := range ds {
				if strings.Contains(d.Message, tc.want) {
					if d.File != "pipelines/p.cue" || d.Line != line || d.Column == 0 {
						t.Errorf("%q at %s, want pipelines/p.cue:%d:<col>", tc.want, d.Position(), line)
					}
					return
				}
			}
			t.Errorf("diagnostics %v\nwant one containing %q", ds, tc.want)
		})
	}
}

// TestGraphEdgesAndOrder: the edges follow from inputs, needs and gates;
// steps that feed training wait on the drift decision; the order keeps the
// built-in chain and puts each step after what it waits for; an ordering
// edge implied by others is left out.
func TestGraphEdgesAndOrder(t *testing.T) {
	root := graphRepo(t, `	train: {image: "i", command: ["x"], inputs: f: "prep.table"}
	steps: {
		prep: {image: "i", command: ["x"], inputs: raw: "data.current", outputs: table: "t.csv"}
		report: {image: "i", command: ["x"], inputs: raw: "data.reference", wanted: true}
		robust: {image: "i", command: ["x"], inputs: m: "train.model", metrics: "m.json"}
		export: {image: "i", command: ["x"], inputs: m: "train.model", outputs: o: "m.onnx", wanted: true}
	}
	evaluate: gates: [{metric: "robust.auc", min: 0.5}]`)
	cfg, err := Load(root, "pipelines")
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Pipeline("p")
	if got, want := p.StepNames(), []string{"validate", "report", "drift", "prep", "train", "export", "robust", "evaluate", "promote"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	var got []string
	for _, e := range p.Edges() {
		got = append(got, e.From+"→"+e.To+":"+string(e.Kind))
	}
	want := []string{
		"validate→drift:chain", "train→evaluate:chain", "robust→evaluate:gate",
		"train→export:data", "drift→prep:order", "evaluate→promote:chain",
		"export→promote:order", "report→promote:order", "validate→report:order",
		"train→robust:data", "drift→train:chain", "prep→train:data",
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("edges\n got %v\nwant %v", got, want)
	}
	if ws := UnusedSteps(cfg); len(ws) != 0 {
		t.Errorf("unexpected warnings: %v", ws)
	}
}

// TestUnusedStepWarning: a step nothing reads or needs, not marked wanted,
// is a warning at its declaration.
func TestUnusedStepWarning(t *testing.T) {
	root := graphRepo(t, `	train: {image: "i", command: ["x"]}
	steps: lost: {image: "i", command: ["x"], outputs: o: "o"}`)
	cfg, err := Load(root, "pipelines")
	if err != nil {
		t.Fatal(err)
	}
	ws := UnusedSteps(cfg)
	if len(ws) != 1 || !strings.Contains(ws[0].String(), "pipelines/p.cue:9:") || !strings.Contains(ws[0].Message, "mark it wanted: true") {
		t.Errorf("warnings %v, want one at pipelines/p.cue:9 about step lost", ws)
	}
}

func gittestWrite(t *testing.T, root, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
