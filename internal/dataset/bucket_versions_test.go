package dataset

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/ctgit/ctgit/internal/s3test"
)

// In a versioned bucket a manifest names each object's version, so the
// objects a model was trained on are read again, byte for byte, after
// their keys were overwritten; in a bucket without versioning the same
// read is refused as changed, never answered with the new bytes.
func TestManifestReadsTheVersionTrainedOn(t *testing.T) {
	s := s3test.New(t)
	s.Setenv(t)
	ctx := context.Background()
	for _, versioned := range []bool{true, false} {
		bucket := "plain"
		if versioned {
			bucket = "versioned"
		}
		s.CreateBucket(t, bucket)
		if versioned {
			s.EnableVersioning(t, bucket)
		}
		s.Put(t, bucket, "fraud/dt=2026-11-29/part-0.csv", []byte("amount\n1\n"))
		r := newResolver(t)
		trained, err := r.Resolve(ctx, Spec{Location: "s3://" + bucket + "/fraud/"})
		if err != nil {
			t.Fatal(err)
		}
		if got := trained.Objects[0].Version; (got != "") != versioned {
			t.Fatalf("%s: version %q", bucket, got)
		}
		s.Put(t, bucket, "fraud/dt=2026-11-29/part-0.csv", []byte("amount\n2\n"))
		// A later run, with an empty cache, reads the manifest again.
		files, err := newResolver(t).Fetch(ctx, FromManifest(trained.Source, trained.Objects))
		switch {
		case versioned && err != nil:
			t.Fatalf("versioned: %v", err)
		case versioned:
			if b, _ := os.ReadFile(files[0]); string(b) != "amount\n1\n" {
				t.Fatalf("versioned: read %q, want the bytes trained on", b)
			}
		case err == nil || !strings.Contains(err.Error(), "changed since ctgit listed it"):
			t.Fatalf("unversioned: %v", err)
		}
		// And now the snapshot names the new version: another digest.
		now, err := r.Resolve(ctx, Spec{Location: "s3://" + bucket + "/fraud/"})
		if err != nil {
			t.Fatal(err)
		}
		if now.Digest == trained.Digest {
			t.Fatalf("%s: the digest did not change with the object", bucket)
		}
	}
}
