package exec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dagger.io/dagger"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/plan"
)

// userStep is a StepRequest for a step of the user's running script in
// the busybox root filesystem.
func userStep(t *testing.T, busybox, name, script string, outputs map[string]string, inputs ...NamedInput) StepRequest {
	return StepRequest{
		Step:      &plan.Step{ID: "p/" + name, Pipeline: "p", Name: plan.StepName(name)},
		Container: &config.Container{Image: "rootfs:" + busybox, Command: []string{"sh", "-c", script}},
		Pipeline:  "p", Model: "m", RunID: "r", Attempt: 1,
		Inputs: inputs, Outputs: outputs,
		OutputDir: t.TempDir(), WorkDir: t.TempDir(),
	}
}

// TestDaggerNamedInputs hands an upstream step's outputs (a file and a
// directory) to a dependant as the engine's own directory, and a host
// file beside them, each at $CTGIT_INPUT_DIR/<name>/<base>.
func TestDaggerNamedInputs(t *testing.T) {
	busybox, _ := requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := newDagger(t, ctx)
	n := nonce()
	up, err := d.Run(ctx, userStep(t, busybox, "features",
		`echo "a,b `+n+`" > "$CTGIT_OUTPUT_TABLE"; mkdir -p "$CTGIT_OUTPUT_PARTS"; echo one > "$CTGIT_OUTPUT_PARTS/1.txt"`,
		map[string]string{"table": "features.csv", "parts": "parts"}))
	if err != nil {
		t.Fatalf("upstream step: %v", err)
	}
	if _, ok := up.Output.(*dagger.Directory); !ok {
		t.Fatalf("Output is %T, want the engine's *dagger.Directory", up.Output)
	}
	host := filepath.Join(t.TempDir(), "labels.csv")
	os.WriteFile(host, []byte("y\n1\n"), 0o644)
	req := userStep(t, busybox, "robustness", `set -e
{ echo "$CTGIT_INPUT_TABLE"; cat "$CTGIT_INPUT_TABLE"; echo "$CTGIT_INPUT_PARTS"; cat "$CTGIT_INPUT_PARTS/1.txt"; echo "$CTGIT_INPUT_LABELS"; cat "$CTGIT_INPUT_LABELS"; echo "$CTGIT_INPUT_ALL"; ls "$CTGIT_INPUT_ALL"; } > "$CTGIT_OUTPUT_SEEN"`,
		map[string]string{"seen": "seen.txt"},
		NamedInput{Name: "table", Base: "features.csv", Produced: up.Output, Rel: "features.csv"},
		NamedInput{Name: "parts", Base: "parts", Produced: up.Output, Rel: "parts"},
		NamedInput{Name: "labels", Base: "labels.csv", File: host},
		NamedInput{Name: "all", Produced: up.Output})
	if _, err := d.Run(ctx, req); err != nil {
		t.Fatalf("dependant step: %v", err)
	}
	got, _ := os.ReadFile(filepath.Join(req.OutputDir, "seen.txt"))
	want := strings.Join([]string{
		"/ctgit/input/table/features.csv", "a,b " + n,
		"/ctgit/input/parts/parts", "one",
		"/ctgit/input/labels/labels.csv", "y", "1",
		"/ctgit/input/all", "features.csv", "parts",
	}, "\n") + "\n"
	if string(got) != want {
		t.Errorf("the step saw\n%s\nwant\n%s", got, want)
	}
}
