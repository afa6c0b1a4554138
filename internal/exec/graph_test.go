package exec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/record"
)

// graphPipeline is a pipeline with a diamond of steps of its own feeding
// training (prep → left, right → train), an extra evaluation whose metric
// is gated, and an export after training.
func graphPipeline(extraSteps string) string {
	return `package pipelines

pipelines: p: {
	model: {name: "m", target: {file: "deploy/model.cue", path: "model.version", artifact: "model.artifact"}}
	data: {reference: "data/ref.csv", current: "data/cur.csv"}
	checks: {minRows: 5, drift: {method: "auto", share: 0.5}}
	steps: {
		prep: {image: "busybox", code: "prep", command: ["sh", "prep.sh"], inputs: raw: "data.current", outputs: table: "t.csv"}
		left: {image: "busybox", code: "steps", command: ["sh", "side.sh"], env: SIDE: "left", inputs: t: "prep.table", outputs: f: "f.txt"}
		right: {image: "busybox", code: "steps", command: ["sh", "side.sh"], env: SIDE: "right", inputs: t: "prep.table", outputs: f: "f.txt"}
		robust: {image: "busybox", code: "steps", command: ["sh", "robust.sh"], inputs: m: "train.model", metrics: "metrics.json"}
		export: {image: "busybox", code: "export", command: ["sh", "export.sh"], inputs: m: "train.model", outputs: pkg: "out/model.pkg", wanted: true}
` + extraSteps + `
	}
	train: {
		image: "busybox"
		code: "train"
		command: ["sh", "train.sh"]
		inputs: {l: "left.f", r: "right.f"}
	}
	evaluate: {
		gates: [{metric: "auc", min: 0.5}, {metric: "robust.auc", min: 0.5}]
		firstRun: "promote"
	}
}
`
}

var graphFiles = map[string]string{
	"prep/prep.sh":     "set -e\nwc -l < \"$CTGIT_INPUT_RAW\" > \"$CTGIT_OUTPUT_TABLE\"\n",
	"steps/side.sh":    "set -e\necho \"$SIDE $(cat \"$CTGIT_INPUT_T\")\" > \"$CTGIT_OUTPUT_F\"\n",
	"steps/robust.sh":  "set -e\ntest -s \"$CTGIT_INPUT_M\"\necho '{\"auc\": 0.8}' > \"$CTGIT_METRICS_FILE\"\n",
	"export/export.sh": "set -e\nmkdir -p \"$(dirname \"$CTGIT_OUTPUT_PKG\")\"\ncp \"$CTGIT_INPUT_M\" \"$CTGIT_OUTPUT_PKG\"\n",
	"train/train.sh": "set -e\ncat \"$CTGIT_INPUT_L\" \"$CTGIT_INPUT_R\" > \"$CTGIT_MODEL_PATH\"\n" +
		"echo '{\"auc\": 0.9}' > \"$CTGIT_METRICS_FILE\"\n",
}

func withFiles(extra map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range graphFiles {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func statusOf(rec *record.Run, name string) record.Step {
	for _, s := range rec.Steps {
		if s.Name == name {
			return s
		}
	}
	return record.Step{}
}

// TestGraphRunSequence: a graph runs with data flowing along its edges;
// the second run is answered from the cache; a change to one branch of the
// diamond reruns that branch and what depends on it, and nothing else.
func TestGraphRunSequence(t *testing.T) {
	r := newRepo(t, graphPipeline(""), withFiles(nil))
	res := r.run(runOpts{parallel: 4})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	rec := res.Records[0]
	want := []string{"validate=succeeded", "drift=succeeded", "prep=succeeded", "left=succeeded", "right=succeeded",
		"train=succeeded", "export=succeeded", "robust=succeeded", "evaluate=succeeded", "promote=skipped"}
	if got := statuses(rec); !slices.Equal(got, want) {
		t.Fatalf("statuses %v\nwant %v", got, want)
	}
	if m := statusOf(rec, "robust").Metrics; m["auc"] != 0.8 {
		t.Errorf("robust's metrics in the record: %v", m)
	}
	var gated bool
	for _, g := range rec.Gates {
		gated = gated || (g.Metric == "robust.auc" && g.Passed && g.Candidate != nil && *g.Candidate == 0.8)
	}
	if !gated {
		t.Errorf("no passed gate on robust.auc 0.8: %+v", rec.Gates)
	}
	// The model is what left and right wrote from prep's table: 11 lines.
	uri := strings.TrimPrefix(rec.Candidate.URI, "file://")
	if b, err := os.ReadFile(uri); err != nil || string(b) != "left 11\nright 11\n" {
		t.Errorf("model %q (%v), want the two sides of prep's table", b, err)
	}

	res = r.run(runOpts{parallel: 4})
	for _, s := range res.Records[0].Steps {
		if s.Name != "promote" && s.Status != record.StepCached {
			t.Errorf("second run: %s %s, want cached", s.Name, s.Status)
		}
	}

	r.write("steps/side.sh", graphFiles["steps/side.sh"]+"# a change to both sides\n")
	r.write("export/export.sh", graphFiles["export/export.sh"]+"# and to the export\n")
	res = r.run(runOpts{parallel: 4})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	var ran []string
	for _, s := range res.Records[0].Steps {
		if s.Status == record.StepSucceeded {
			ran = append(ran, s.Name)
		}
	}
	if want := []string{"left", "right", "train", "export", "robust", "evaluate"}; !slices.Equal(ran, want) {
		t.Errorf("after changing the sides' script, ran %v, want %v", ran, want)
	}
}

// TestGraphFailureStopsOnlyItsDependants: a failed step skips what depends
// on it, says so, and the rest of the graph runs; the run fails.
func TestGraphFailureStopsOnlyItsDependants(t *testing.T) {
	r := newRepo(t, graphPipeline(`		report: {image: "busybox", code: "steps", command: ["sh", "report.sh"], inputs: d: "data.reference", wanted: true}`),
		withFiles(map[string]string{"steps/report.sh": "echo 'no space left' >&2\nexit 4\n"}))
	res := r.run(runOpts{parallel: 4})
	rec := res.Records[0]
	if fault.KindOf(res.Err) != fault.CheckFailed || rec.Outcome != record.OutcomeFailed {
		t.Fatalf("err %v, outcome %s: want a failed check", res.Err, rec.Outcome)
	}
	for _, name := range []string{"prep", "left", "right", "train", "export", "robust", "evaluate"} {
		if st := statusOf(rec, name).Status; st != record.StepSucceeded {
			t.Errorf("%s %s: a step that does not depend on report runs", name, st)
		}
	}
	rep, prom := statusOf(rec, "report"), statusOf(rec, "promote")
	if rep.Status != record.StepFailed || !strings.Contains(rep.Stderr, "no space left") || rep.ExitCode == nil || *rep.ExitCode != 4 {
		t.Errorf("report: %+v", rep)
	}
	if prom.Status != record.StepSkipped || prom.Reason != "step report failed" {
		t.Errorf("promote: %s %q, want skipped because report failed", prom.Status, prom.Reason)
	}
	if !strings.Contains(rec.Reason, "step report failed") {
		t.Errorf("run reason %q does not name the failed step", rec.Reason)
	}

	// A failure upstream of training skips training and what follows it.
	r = newRepo(t, graphPipeline(""), withFiles(map[string]string{"steps/side.sh": "test \"$SIDE\" = right || exit 1\n" + graphFiles["steps/side.sh"]}))
	rec = r.run(runOpts{parallel: 4}).Records[0]
	for name, want := range map[string]record.StepStatus{"left": record.StepFailed, "right": record.StepSucceeded,
		"train": record.StepSkipped, "export": record.StepSkipped, "robust": record.StepSkipped, "evaluate": record.StepSkipped} {
		if got := statusOf(rec, name); got.Status != want || (want == record.StepSkipped && got.Reason != "step left failed") {
			t.Errorf("%s: %s %q, want %s", name, got.Status, got.Reason, want)
		}
	}
}

// TestGraphStepsRunAtOnce: two steps that do not wait on each other run at
// the same time: each waits until it sees the other has started, which
// one at a time could never do (it would time out).
func TestGraphStepsRunAtOnce(t *testing.T) {
	meet := "set -e\ntouch \"$MEET/$CTGIT_STEP\"\nfor i in $(seq 100); do [ -e \"$MEET/$OTHER\" ] && break; sleep 0.05; done\n" +
		"[ -e \"$MEET/$OTHER\" ] || { echo \"$OTHER never started\" >&2; exit 1; }\necho ok > \"$CTGIT_OUTPUT_O\"\n"
	meetDir := t.TempDir()
	steps := `		a: {image: "busybox", code: "steps", command: ["sh", "meet.sh"], env: {MEET: "` + meetDir + `", OTHER: "b"}, outputs: o: "o", wanted: true}
		b: {image: "busybox", code: "steps", command: ["sh", "meet.sh"], env: {MEET: "` + meetDir + `", OTHER: "a"}, outputs: o: "o", wanted: true}`
	r := newRepo(t, graphPipeline(steps), withFiles(map[string]string{"steps/meet.sh": meet}))
	rec := r.run(runOpts{parallel: 2}).Records[0]
	for _, n := range []string{"a", "b"} {
		if st := statusOf(rec, n); st.Status != record.StepSucceeded {
			t.Errorf("%s: %s %q %s", n, st.Status, st.Reason, st.Stderr)
		}
	}
}

// TestGraphBadOutputs: a step that does not write a declared output fails
// with the step and the path; an output that is a symlink out of its
// directory is refused; nothing is cached for either.
func TestGraphBadOutputs(t *testing.T) {
	for _, tc := range []struct {
		name, script, want string
	}{
		{"missing", "true\n", `steps.prep.outputs.table: the step prep did not write t.csv in $CTGIT_OUTPUT_DIR`},
		{"symlink out", "ln -s /etc/passwd \"$CTGIT_OUTPUT_TABLE\"\n", `t.csv is a symlink out of the output directory`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRepo(t, graphPipeline(""), withFiles(map[string]string{"prep/prep.sh": tc.script}))
			res := r.run(runOpts{})
			st := statusOf(res.Records[0], "prep")
			if st.Status != record.StepFailed || !strings.Contains(st.Reason, tc.want) || fault.KindOf(res.Err) != fault.BadInput {
				t.Fatalf("prep: %s %q (err %v), want failed with %q", st.Status, st.Reason, res.Err, tc.want)
			}
			entries, _ := filepath.Glob(filepath.Join(r.root, ".ctgit", "cache", "entries", "*.json"))
			if len(entries) == 0 {
				t.Fatal("no cache entries at all: validate and drift ran, so the glob is wrong")
			}
			for _, e := range entries {
				b, _ := os.ReadFile(e)
				var v struct{ Step string }
				json.Unmarshal(b, &v)
				if v.Step == "p/prep" {
					t.Errorf("a cache entry for the failed step: %s", e)
				}
			}
		})
	}
}
