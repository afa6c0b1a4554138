package dataset

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/azuritetest"
	"github.com/ctgit/ctgit/internal/fault"
)

// newAzureLake starts Azurite holding parts in the container lake, points
// the AZURE_STORAGE_* environment at it, and returns it with a resolver
// whose cache is empty.
func newAzureLake(t *testing.T) (*azuritetest.Server, *Resolver) {
	t.Helper()
	s := azuritetest.New(t)
	s.Setenv(t)
	s.CreateContainer(t, lake)
	for k, v := range parts {
		s.Put(t, lake, k, []byte(v))
	}
	return s, newResolver(t)
}

func TestResolveAzurePrefix(t *testing.T) {
	s, r := newAzureLake(t)
	resolve := func(t *testing.T) {
		snap, err := r.Resolve(context.Background(), Spec{Location: "azblob://lake/fraud/"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(partKeys, keys(snap)); diff != "" {
			t.Errorf("keys (-want +got):\n%s", diff)
		}
		for _, o := range snap.Objects {
			full := "fraud/" + o.Key
			if o.URL != "azblob://lake/"+full || o.Size != int64(len(parts[full])) || !strings.HasPrefix(o.ID, "etag:") {
				t.Errorf("object %s = %+v, want URL azblob://lake/%s, %d bytes, an ETag", o.Key, o, full, len(parts[full]))
			}
		}
		if diff := cmp.Diff([]string{"dt"}, snap.Partitions()); diff != "" {
			t.Errorf("partitions (-want +got):\n%s", diff)
		}
	}
	t.Run("account and key", resolve)
	// The other way Azure's tools point at an emulator: one connection
	// string that names the blob endpoint.
	t.Run("connection string", func(t *testing.T) {
		t.Setenv("AZURE_STORAGE_ACCOUNT", "")
		t.Setenv("AZURE_STORAGE_KEY", "")
		t.Setenv("AZURE_STORAGE_DOMAIN", "")
		t.Setenv("AZURE_STORAGE_PROTOCOL", "")
		t.Setenv("AZURE_STORAGE_CONNECTION_STRING", s.ConnectionString())
		resolve(t)
	})
}

func TestResolveAzureGlob(t *testing.T) {
	_, r := newAzureLake(t)
	s, err := r.Resolve(context.Background(), Spec{Location: "azblob://lake/fraud/dt=2026-11-2[89]/part-0.*"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"dt=2026-11-28/part-0.csv", "dt=2026-11-29/part-0.parquet"}, keys(s)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
}

// TestAzureIdentity checks that a blob's identity is its ETag, as the
// server gives it, whether listed under a prefix or read as one blob: the
// same across resolves, and changed by a rewrite with other bytes of the
// same size.
func TestAzureIdentity(t *testing.T) {
	s, _ := newAzureLake(t)
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
	first, again := resolve("azblob://lake/fraud"), resolve("azblob://lake/fraud")
	if first.Digest != again.Digest {
		t.Fatalf("two resolves of unchanged objects differ: %s, %s", first.Digest, again.Digest)
	}
	one := resolve("azblob://lake/" + key)
	if listed := first.Objects[3]; listed.ID != one.Objects[0].ID {
		t.Errorf("%s: identity %s when listed, %s when read alone", key, listed.ID, one.Objects[0].ID)
	}

	etag := s.Put(t, lake, key, []byte(strings.Replace(parts[key], "4", "5", 1)))
	changed := resolve("azblob://lake/fraud")
	want := "etag:" + strings.Trim(etag, `"`)
	if got := Arrived(first, changed); len(got) != 1 || got[0].Key != "dt=2026-11-27/part-1.csv" || got[0].ID != want {
		t.Errorf("Arrived after a rewrite = %+v, want only %s with %s", got, key, want)
	}
	if got := resolve("azblob://lake/" + key).Objects[0].ID; got != want {
		t.Errorf("%s read alone after a rewrite: identity %s, want %s", key, got, want)
	}
}

func TestFetchAzure(t *testing.T) {
	s, r := newAzureLake(t)
	ctx := context.Background()
	snap, err := r.Resolve(ctx, Spec{Location: "azblob://lake/fraud/dt=2026-11-2[67]/*.csv"})
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
		// The ETag is no digest, but the blob's Content-MD5 is: the
		// download was checked against it.
		if sum := md5.Sum([]byte(parts["fraud/"+o.Key])); o.MD5 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: md5 %q, want its content's", o.URL, o.MD5)
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

// TestFetchAzureChanged rewrites a blob between Resolve and Fetch: the
// download asks for the listed ETag, so it fails, and the cache keeps no
// entry.
func TestFetchAzureChanged(t *testing.T) {
	s, r := newAzureLake(t)
	ctx := context.Background()
	const key = "fraud/dt=2026-11-28/part-0.csv"
	snap, err := r.Resolve(ctx, Spec{Location: "azblob://lake/" + key})
	if err != nil {
		t.Fatal(err)
	}
	s.Put(t, lake, key, []byte(strings.Replace(parts[key], "5", "6", 1)))
	_, err = r.Fetch(ctx, snap)
	if err == nil || !strings.Contains(err.Error(), "changed since") {
		t.Fatalf("Fetch of a rewritten blob: %v, want it to say it changed since it was listed", err)
	}
	noEntry(t, r, snap.Objects[0])
}

func TestAzureErrors(t *testing.T) {
	newAzureLake(t)
	t.Run("missing container", func(t *testing.T) {
		checkResolveFails(t, "azblob://nosuch/fraud/", fault.BadInput, "azblob://nosuch", "does not exist")
		checkResolveFails(t, "azblob://nosuch/fraud/x.csv", fault.BadInput, "azblob://nosuch", "does not exist")
	})
	t.Run("prefix holds nothing", func(t *testing.T) {
		checkResolveFails(t, "azblob://lake/fraud/dt=2027-01-01", fault.BadInput, "no such object")
	})
	t.Run("wrong key", func(t *testing.T) {
		// A well-formed key (base64) that is not the account's.
		wrong := strings.Repeat("A", 86) + "=="
		t.Setenv("AZURE_STORAGE_KEY", wrong)
		for _, loc := range []string{"azblob://lake/fraud/", "azblob://lake/fraud/dt=2026-11-28/part-0.csv"} {
			msg := checkResolveFails(t, loc, fault.BadInput, "AZURE_STORAGE_KEY")
			if strings.Contains(msg, wrong) || strings.Contains(msg, azuritetest.Key) {
				t.Errorf("the error shows the key: %s", msg)
			}
		}
	})
	t.Run("unreachable emulator", func(t *testing.T) {
		t.Setenv("AZURE_STORAGE_DOMAIN", closedAddr(t))
		checkResolveFails(t, "azblob://lake/fraud/", fault.Infrastructure, "connection refused")
	})
}
