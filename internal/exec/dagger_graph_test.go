package exec

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/cache"
	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/record"
)

// TestDaggerGraphSameAsLocal runs one graph — a diamond feeding training,
// an export and a gated extra evaluation after it — under both executors:
// the steps' outputs, the model and the gated metric are the same bytes.
// Under Dagger, an upstream output reaches its dependants as the engine's
// own directory, not through the host.
func TestDaggerGraphSameAsLocal(t *testing.T) {
	busybox, _ := requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	newGraph := func() *repo {
		return newRepo(t, strings.ReplaceAll(graphPipeline(""), `"busybox"`, `"rootfs:`+busybox+`"`), withFiles(nil))
	}
	inDagger := newGraph()
	d := inDagger.runWith(ctx, newDagger(t, ctx), nil)
	if d.Err != nil {
		t.Fatalf("dagger run: %v", d.Err)
	}
	local := newGraph()
	l := local.runWith(ctx, &Local{}, nil)
	if l.Err != nil {
		t.Fatalf("local run: %v", l.Err)
	}
	dr, lr := d.Records[0], l.Records[0]
	for _, s := range dr.Steps {
		if s.Name != "promote" && s.Status != record.StepSucceeded {
			t.Errorf("dagger: %s %s %q", s.Name, s.Status, s.Reason)
		}
	}
	if dr.Candidate == nil || lr.Candidate == nil || dr.Candidate.Digest != lr.Candidate.Digest {
		t.Errorf("models differ: dagger %+v, local %+v", dr.Candidate, lr.Candidate)
	}
	if a, b := statusOf(dr, "robust").Metrics["auc"], statusOf(lr, "robust").Metrics["auc"]; a != b || a == nil {
		t.Errorf("robust.auc: dagger %v, local %v", a, b)
	}
	for _, step := range []string{"prep", "left", "right", "export"} {
		a, b := outputsOf(t, inDagger, dr, step), outputsOf(t, local, lr, step)
		if len(a) == 0 || len(a) != len(b) {
			t.Errorf("%s: dagger wrote %d files, local %d", step, len(a), len(b))
		}
		for name, content := range a {
			if !bytes.Equal(content, b[name]) {
				t.Errorf("%s/%s: dagger %q, local %q", step, name, content, b[name])
			}
		}
	}
}

// outputsOf reads every file of a step's outputs from the step cache.
func outputsOf(t *testing.T, r *repo, rec *record.Run, step string) map[string][]byte {
	t.Helper()
	store := cache.Open(filepath.Join(r.root, ".ctgit", "cache"))
	e, ok := store.Get(statusOf(rec, step).Key)
	if !ok {
		t.Fatalf("%s: no cache entry", step)
	}
	dir, err := store.OutputsDir(e, digest.NewMemo())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out[rel], _ = os.ReadFile(p)
		}
		return nil
	})
	return out
}
