package gcsblob_test

import (
	"context"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/ctgit/ctgit/internal/gcsblob"
	"github.com/ctgit/ctgit/internal/gcstest"
)

// TestRoundTrip writes, reads, lists and stats objects on fake-gcs-server
// through blob.OpenBucket's gs:// URLs, as the artifact store does.
func TestRoundTrip(t *testing.T) {
	s := gcstest.New(t)
	s.Setenv(t)
	s.CreateBucket(t, "models")
	ctx := context.Background()
	b, err := blob.OpenBucket(ctx, "gs://models")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	for key, body := range map[string]string{"runs/fraud/1.json": "{}\n", "runs/fraud/2.json": "[]\n", "models/m/sha256/ab": "weights"} {
		if err := b.WriteAll(ctx, key, []byte(body), &blob.WriterOptions{ContentType: "application/json"}); err != nil {
			t.Fatalf("writing %s: %v", key, err)
		}
	}
	got, err := b.ReadAll(ctx, "models/m/sha256/ab")
	if err != nil || string(got) != "weights" {
		t.Fatalf("ReadAll = %q, %v", got, err)
	}
	a, err := b.Attributes(ctx, "models/m/sha256/ab")
	if err != nil {
		t.Fatal(err)
	}
	var o gcsblob.Object
	if a.Size != 7 || len(a.MD5) != 16 || !a.As(&o) || o.Generation == 0 {
		t.Errorf("attributes = %+v (%+v), want 7 bytes, an MD5 and a generation", a, o)
	}
	r, err := b.NewRangeReader(ctx, "models/m/sha256/ab", 2, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(r)
	r.Close()
	if string(part) != "igh" || r.Size() != 7 {
		t.Errorf("range read = %q of %d bytes, want \"igh\" of 7", part, r.Size())
	}

	var keys []string
	it := b.List(&blob.ListOptions{Prefix: "runs/fraud/"})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, obj.Key)
	}
	if diff := cmp.Diff([]string{"runs/fraud/1.json", "runs/fraud/2.json"}, keys); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}

	if ok, err := b.Exists(ctx, "models/m/sha256/cd"); ok || err != nil {
		t.Errorf("Exists(absent) = %v, %v", ok, err)
	}
	if _, err := b.ReadAll(ctx, "nosuch"); gcerrors.Code(err) != gcerrors.NotFound {
		t.Errorf("reading an absent object: %v (%v), want NotFound", err, gcerrors.Code(err))
	}
	missing, err := blob.OpenBucket(ctx, "gs://nosuch")
	if err != nil {
		t.Fatal(err)
	}
	defer missing.Close()
	if _, err := missing.List(nil).Next(ctx); gcerrors.Code(err) != gcerrors.NotFound {
		t.Errorf("listing a missing bucket: %v, want NotFound", err)
	}
}
