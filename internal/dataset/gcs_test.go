package dataset

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/api/googleapi"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/gcstest"
)

// newGCSLake starts a GCS emulator holding parts in the bucket lake,
// points STORAGE_EMULATOR_HOST at it, and returns it with a resolver
// whose cache is empty.
func newGCSLake(t *testing.T) (*gcstest.Server, *Resolver) {
	t.Helper()
	s := gcstest.New(t)
	s.Setenv(t)
	s.CreateBucket(t, lake)
	for k, v := range parts {
		s.Put(t, lake, k, []byte(v))
	}
	return s, newResolver(t)
}

// partKeys are the data files under fraud/, as a prefix lists them.
var partKeys = []string{
	"dt=2026-11-26/part-0.csv", "dt=2026-11-26/part-1.csv",
	"dt=2026-11-27/part-0.csv", "dt=2026-11-27/part-1.csv",
	"dt=2026-11-28/part-0.csv", "dt=2026-11-28/part-1.csv",
	"dt=2026-11-29/part-0.parquet",
	"dt=2026-11-30/part-0.csv", "dt=2026-11-30/part-1.csv",
}

func TestResolveGCSPrefix(t *testing.T) {
	_, r := newGCSLake(t)
	s, err := r.Resolve(context.Background(), Spec{Location: "gs://lake/fraud/"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(partKeys, keys(s)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	for _, o := range s.Objects {
		full := "fraud/" + o.Key
		if o.URL != "gs://lake/"+full || o.Size != int64(len(parts[full])) || !strings.HasPrefix(o.ID, "generation:") {
			t.Errorf("object %s = %+v, want URL gs://lake/%s, %d bytes, a generation", o.Key, o, full, len(parts[full]))
		}
	}
	if diff := cmp.Diff([]string{"dt"}, s.Partitions()); diff != "" {
		t.Errorf("partitions (-want +got):\n%s", diff)
	}
}

func TestResolveGCSGlob(t *testing.T) {
	_, r := newGCSLake(t)
	s, err := r.Resolve(context.Background(), Spec{Location: "gs://lake/fraud/dt=2026-11-2[89]/part-0.*"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"dt=2026-11-28/part-0.csv", "dt=2026-11-29/part-0.parquet"}, keys(s)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}

// TestGCSIdentity checks that an object's identity is its generation, as
// the server gives it, whether listed under a prefix or read as one
// object: the same across resolves, and changed by a rewrite with other
// bytes of the same size.
func TestGCSIdentity(t *testing.T) {
	s, _ := newGCSLake(t)
	ctx := context.Background()
	const key = "fraud/dt=2026-11-27/part-1.csv"
	resolve := func(loc string) *Snapshot {
		t.Helper()
		snap, err := newResolver(t).Resolve(ctx, Spec{Location: loc})
		if err != nil {
			t.Fatal(err)
		}
		return snap
	}
	first, again := resolve("gs://lake/fraud"), resolve("gs://lake/fraud")
	if first.Digest != again.Digest {
		t.Fatalf("two resolves of unchanged objects differ: %s, %s", first.Digest, again.Digest)
	}
	one := resolve("gs://lake/" + key)
	if listed := first.Objects[3]; listed.ID != one.Objects[0].ID {
		t.Errorf("%s: identity %s when listed, %s when read alone", key, listed.ID, one.Objects[0].ID)
	}

	gen := s.Put(t, lake, key, []byte(strings.Replace(parts[key], "4", "5", 1)))
	changed := resolve("gs://lake/fraud")
	want := fmt.Sprintf("generation:%d", gen)
	if got := Arrived(first, changed); len(got) != 1 || got[0].Key != "dt=2026-11-27/part-1.csv" || got[0].ID != want {
		t.Errorf("Arrived after a rewrite = %+v, want only %s with %s", got, key, want)
	}
	if got := resolve("gs://lake/" + key).Objects[0].ID; got != want {
		t.Errorf("%s read alone after a rewrite: identity %s, want %s", key, got, want)
	}
}

func TestFetchGCS(t *testing.T) {
	s, r := newGCSLake(t)
	ctx := context.Background()
	snap, err := r.Resolve(ctx, Spec{Location: "gs://lake/fraud/dt=2026-11-2[67]/*.csv"})
	if err != nil {
		t.Fatal(err)
	}
	files, err := r.Fetch(ctx, snap)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 4 {
		t.Fatalf("Fetch gave %d files, want 4", len(files))
	}
	for i, f := range files {
		o := snap.Objects[i]
		b, err := os.ReadFile(f)
		if err != nil || string(b) != parts["fraud/"+o.Key] {
			t.Errorf("%s fetched as %q, %v; want %q", o.URL, b, err, parts["fraud/"+o.Key])
		}
	}

	s.Stop()
	r2 := &Resolver{CacheDir: r.CacheDir}
	defer r2.Close()
	again, err := r2.Fetch(ctx, snap)
	if err != nil {
		t.Fatalf("second Fetch with the server stopped: %v", err)
	}
	if diff := cmp.Diff(files, again); diff != "" {
		t.Errorf("second Fetch (-first +second):\n%s", diff)
	}
}

// TestFetchGCSChanged rewrites an object between Resolve and Fetch: the
// download asks for the listed generation, so it fails, and the cache
// keeps no entry.
func TestFetchGCSChanged(t *testing.T) {
	s, r := newGCSLake(t)
	ctx := context.Background()
	const key = "fraud/dt=2026-11-28/part-0.csv"
	snap, err := r.Resolve(ctx, Spec{Location: "gs://lake/" + key})
	if err != nil {
		t.Fatal(err)
	}
	s.Put(t, lake, key, []byte(strings.Replace(parts[key], "5", "6", 1)))
	_, err = r.Fetch(ctx, snap)
	if err == nil || !strings.Contains(err.Error(), "changed since") {
		t.Fatalf("Fetch of a rewritten object: %v, want it to say it changed since it was listed", err)
	}
	noEntry(t, r, snap.Objects[0])
}

func TestGCSErrors(t *testing.T) {
	newGCSLake(t)
	t.Run("missing bucket", func(t *testing.T) {
		checkResolveFails(t, "gs://nosuch/fraud/", fault.BadInput, "gs://nosuch", "does not exist")
		checkResolveFails(t, "gs://nosuch/fraud/x.csv", fault.BadInput, "gs://nosuch", "does not exist")
	})
	t.Run("prefix holds nothing", func(t *testing.T) {
		checkResolveFails(t, "gs://lake/fraud/dt=2027-01-01", fault.BadInput, "no such object")
	})
	t.Run("unreachable emulator", func(t *testing.T) {
		t.Setenv("STORAGE_EMULATOR_HOST", closedAddr(t))
		checkResolveFails(t, "gs://lake/fraud/", fault.Infrastructure, "connection refused")
	})
}

// checkResolveFails resolves loc with a fresh resolver and checks that it
// fails with kind, saying each of says. It returns the message.
func checkResolveFails(t *testing.T, loc string, kind fault.Kind, says ...string) string {
	t.Helper()
	_, err := newResolver(t).Resolve(context.Background(), Spec{Location: loc})
	if err == nil {
		t.Fatalf("Resolve(%s) succeeded", loc)
	}
	t.Logf("%s: %v", loc, err)
	if got := fault.KindOf(err); got != kind {
		t.Errorf("Resolve(%s) is %v, want %v: %v", loc, got, kind, err)
	}
	for _, w := range says {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Resolve(%s) = %q, want it to say %q", loc, err, w)
		}
	}
	return err.Error()
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestGCSRefused: GCS answers credentials it refuses with 401 or 403,
// which gocloud.dev files under NotFound. The emulator checks no
// credentials, so the classification is checked on the error GCS's
// library returns.
func TestGCSRefused(t *testing.T) {
	s := &bucketStore{url: "gs://lake"}
	for _, code := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		err := s.failed("fraud/", fmt.Errorf("blob: %w", &googleapi.Error{Code: code, Message: "denied on resource (or it may not exist)"}))
		if fault.KindOf(err) != fault.BadInput || !strings.Contains(err.Error(), "GOOGLE_APPLICATION_CREDENTIALS") || strings.Contains(err.Error(), "does not exist") {
			t.Errorf("%d: %v (%v), want bad input naming GOOGLE_APPLICATION_CREDENTIALS", code, err, fault.KindOf(err))
		}
	}
}
