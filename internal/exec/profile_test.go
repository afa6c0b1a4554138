package exec

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/artifact"
	"github.com/ctgit/ctgit/internal/cache"
	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/table"
)

// runWithMemo plans and runs the repository with the local executor and
// the given digest memo, which remembers file digests by identity across
// runs as ctgit's memo file does.
func (r *repo) runWithMemo(memo *digest.Memo) *Result {
	r.t.Helper()
	cfg, err := config.Load(r.root, "pipelines")
	if err != nil {
		r.t.Fatalf("Load: %v", err)
	}
	store := cache.Open(filepath.Join(r.root, ".ctgit", "cache"))
	p, err := plan.Build(cfg, plan.Options{Cache: store, Memo: memo})
	if err != nil {
		r.t.Fatalf("Build: %v", err)
	}
	arts, err := artifact.Open(context.Background(), "file://.ctgit/artifacts", r.root)
	if err != nil {
		r.t.Fatal(err)
	}
	defer arts.Close()
	return Run(context.Background(), p, Options{
		Executor:  &Local{KillGrace: 200 * time.Millisecond},
		Cache:     store,
		Memo:      memo,
		Artifacts: arts,
		RunsDir:   filepath.Join(r.root, ".ctgit", "runs"),
		RetryBase: 10 * time.Millisecond,
	})
}

// driftStep is the drift step's record.
func driftStep(t *testing.T, rec *record.Run) record.Step {
	t.Helper()
	for _, s := range rec.Steps {
		if s.Name == "drift" {
			return s
		}
	}
	t.Fatal("no drift step")
	return record.Step{}
}

// TestRunReferenceProfileSequence runs a pipeline three times against one
// reference and changing current data: the first run parses the reference
// and writes its profile into the step cache, the next ones take the
// reference from it, with the report a comparison of the files gives. The
// third run's reference file holds, under the identity the digest memo
// remembers, bytes that do not parse: it succeeds, so the reference was
// not parsed; without the profile, the same run fails on them.
func TestRunReferenceProfileSequence(t *testing.T) {
	r := newRepo(t, pipeline(`command: ["sh", "train.sh"]`, ""), map[string]string{"train/train.sh": okTrain})
	memo := digest.NewMemo()
	refPath, curPath := filepath.Join(r.root, "data/ref.csv"), filepath.Join(r.root, "data/cur.csv")
	check := func(run int, wantHit bool) *record.Run {
		t.Helper()
		res := r.runWithMemo(memo)
		if res.Err != nil {
			t.Fatalf("run %d: %v", run, res.Err)
		}
		rec := res.Records[0]
		if s := driftStep(t, rec); s.Status != record.StepSucceeded {
			t.Fatalf("run %d: drift %s, %q", run, s.Status, s.Reason)
		}
		use := rec.Drift.ReferenceProfile
		if use == nil || use.Hit != wantHit || use.ReferenceDigest != rec.Data.Reference.Digest {
			t.Fatalf("run %d: profile use %+v, want hit %v for the reference %s", run, use, wantHit, rec.Data.Reference.Digest)
		}
		if _, err := os.Stat(filepath.Join(r.root, ".ctgit/cache/profiles", strings.TrimPrefix(use.Key, digest.Prefix)+".ctprof")); err != nil {
			t.Fatalf("run %d: the profile is not in the step cache: %v", run, err)
		}
		return rec
	}
	want := func() *drift.Report {
		t.Helper()
		rep, err := drift.CompareFiles(refPath, curPath, table.ReadOptions{}, DriftPolicy(mustPipeline(t, r)), 0)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	same := func(run int, rec *record.Run, want *drift.Report) {
		t.Helper()
		got := *rec.Drift
		got.ReferenceProfile = nil
		got.Reference.Path, got.Current.Path = want.Reference.Path, want.Current.Path
		if d := cmp.Diff(want, &got, bitsEqual); d != "" {
			t.Errorf("run %d: drift report differs (-files +run):\n%s", run, d)
		}
	}

	check(1, false)
	r.write("data/cur.csv", "x,c\n1,a\n2,a\n3,a\n4,b\n5,a\n6,b\n7,a\n8,b\n9,a\n10,a\n")
	rec := check(2, true)
	same(2, rec, want())

	// Unparseable bytes of the same size, in place, at the same time.
	wantThird := func() *drift.Report {
		r.write("data/cur.csv", "x,c\n1,b\n2,b\n3,a\n4,b\n5,a\n6,b\n7,a\n8,b\n9,a\n10,z\n")
		return want()
	}()
	st, err := os.Stat(refPath)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(refPath, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	garbage := "x,c\n\"" + strings.Repeat("z", int(st.Size())-5)
	if _, err := f.WriteAt([]byte(garbage), 0); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Chtimes(refPath, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	rec = check(3, true)
	same(3, rec, wantThird)

	// The control: without the profile the reference is parsed, and fails.
	if err := os.RemoveAll(filepath.Join(r.root, ".ctgit/cache/profiles")); err != nil {
		t.Fatal(err)
	}
	r.write("data/cur.csv", driftedCSV+"11,z\n")
	res := r.runWithMemo(memo)
	if res.Err == nil || driftStep(t, res.Records[0]).Status != record.StepFailed {
		t.Fatalf("without a profile, the unparseable reference compared: %v", res.Err)
	}
}

// bitsEqual compares floats by their bits.
var bitsEqual = cmp.Comparer(func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) })

// mustPipeline is the repository's one pipeline.
func mustPipeline(t *testing.T, r *repo) *config.Pipeline {
	t.Helper()
	cfg, err := config.Load(r.root, "pipelines")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range cfg.Pipelines {
		return p
	}
	t.Fatal("no pipeline")
	return nil
}
