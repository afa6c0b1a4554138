package artifact

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/record"
)

func open(t *testing.T) (Store, string) {
	t.Helper()
	root := t.TempDir()
	s, err := Open(context.Background(), "file://.ctgit/artifacts", root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, root
}

func TestPutModelIsContentAddressed(t *testing.T) {
	ctx := context.Background()
	s, root := open(t)
	model := filepath.Join(t.TempDir(), "model.json")
	os.WriteFile(model, []byte(`{"w": 1}`), 0o644)
	a, err := s.PutModel(ctx, Provenance{Model: "m"}, model)
	if err != nil {
		t.Fatal(err)
	}
	want := digest.Bytes([]byte(`{"w": 1}`))
	if a.Digest != want || a.Size != 8 || !strings.HasSuffix(a.URI, "/models/m/sha256/"+strings.TrimPrefix(want, digest.Prefix)) {
		t.Fatalf("artifact %+v", a)
	}
	stored := filepath.Join(root, ".ctgit", "artifacts", filepath.FromSlash(a.Key))
	info1, err := os.Stat(stored)
	if err != nil {
		t.Fatal(err)
	}
	// The same bytes again: nothing is rewritten.
	time.Sleep(10 * time.Millisecond)
	if _, err := s.PutModel(ctx, Provenance{Model: "m"}, model); err != nil {
		t.Fatal(err)
	}
	info2, _ := os.Stat(stored)
	if !info2.ModTime().Equal(info1.ModTime()) {
		t.Error("an existing artifact was written again")
	}
	// Fetch checks the digest on the way.
	dst := filepath.Join(t.TempDir(), "got")
	if err := s.Fetch(ctx, a.Key, a.Digest, dst); err != nil {
		t.Fatal(err)
	}
	if err := s.Fetch(ctx, a.Key, digest.Bytes([]byte("other")), dst); err == nil || !strings.Contains(err.Error(), "recorded") {
		t.Errorf("a digest mismatch: %v", err)
	}
	if k := s.KeyOf(a.URI + "@" + a.Digest); k != a.Key {
		t.Errorf("KeyOf = %q, want %q", k, a.Key)
	}
}

func TestPutModelDirectoryIsDeterministic(t *testing.T) {
	ctx := context.Background()
	s, _ := open(t)
	mk := func() string {
		d := t.TempDir()
		os.MkdirAll(filepath.Join(d, "sub"), 0o755)
		os.WriteFile(filepath.Join(d, "sub", "w.bin"), []byte("weights"), 0o644)
		os.WriteFile(filepath.Join(d, "config.json"), []byte("{}"), 0o644)
		return d
	}
	a1, err := s.PutModel(ctx, Provenance{Model: "m"}, mk())
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // other modification times
	a2, err := s.PutModel(ctx, Provenance{Model: "m"}, mk())
	if err != nil {
		t.Fatal(err)
	}
	if a1.Digest != a2.Digest {
		t.Error("the same files packed to different digests")
	}
}

func TestRecords(t *testing.T) {
	ctx := context.Background()
	s, root := open(t)
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i, id := range []string{"b", "a", "c"} {
		r := record.New(id, "p", "m", t0.Add(time.Duration(i)*time.Hour))
		if _, err := s.PutRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// A damaged record is left out and named: views show the rest, while
	// decisions that rest on the history refuse it.
	os.WriteFile(filepath.Join(root, ".ctgit", "artifacts", "runs", "p", "broken.json"), []byte("{"), 0o644)
	recs, err := s.Records(ctx, "p")
	var ue *UnreadableError
	if !errors.As(err, &ue) || len(ue.Keys) != 1 || !strings.HasSuffix(ue.Keys[0], "/runs/p/broken.json") {
		t.Fatalf("damaged record: %v", err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	if strings.Join(ids, ",") != "b,a,c" {
		t.Errorf("records oldest first: %v", ids)
	}
	if recs, _ := s.Records(ctx, "none"); len(recs) != 0 {
		t.Errorf("another pipeline's records: %v", recs)
	}
}

// A directory store keeps a run record as the plain file at its key, the
// bytes of record.Marshal, readable at once and on disk after SyncRecords;
// a key fileblob would escape goes through fileblob, and both read back.
func TestPutRecordInADirectoryStore(t *testing.T) {
	ctx := context.Background()
	s, root := open(t)
	start := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	plain := record.New("20261130T120000Z-aaaaaa", "fraud", "m", start)
	odd := record.New("20261130T120001Z-bbbbbb", "odd name", "m", start.Add(time.Second))
	for _, r := range []*record.Run{plain, odd} {
		if _, err := s.PutRecord(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	want, err := record.Marshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, ".ctgit", "artifacts", "runs", "fraud", plain.ID+".json"))
	if err != nil || string(got) != string(want) {
		t.Fatalf("stored record %q (%v), want %q", got, err, want)
	}
	if err := s.SyncRecords(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*record.Run{plain, odd} {
		recs, err := s.Records(ctx, r.Pipeline)
		if err != nil || len(recs) != 1 || recs[0].ID != r.ID {
			t.Fatalf("records of %s: %v, %v", r.Pipeline, recs, err)
		}
	}
}
