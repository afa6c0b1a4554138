package dataset

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ctgit/ctgit/internal/fault"
)

func TestVerifier(t *testing.T) {
	md5Type, shaType := reflect.TypeOf(md5.New()), reflect.TypeOf(sha256.New())
	hex32, hex64 := strings.Repeat("ab", 16), strings.Repeat("cd", 32)
	for _, tc := range []struct {
		id   string
		want reflect.Type // nil: no check
	}{
		{"etag:" + hex32, md5Type},
		{`etag:"` + hex32 + `"`, md5Type},
		{"md5:" + hex32, md5Type},
		{"sha256:" + hex64, shaType},
		{"etag:" + hex32 + "-3", nil}, // multipart: not an MD5 of the content
		{"etag:" + strings.Repeat("zz", 16), nil},
		{`http-etag:"` + hex32 + `"`, nil}, // a web server's ETag is opaque
		{"generation:1700000000", nil},
		{"modified:2026-11-29T06:00:00Z/9", nil},
		{"", nil},
	} {
		got := verifier(tc.id)
		if gotType := reflect.TypeOf(got); got == nil && tc.want != nil || got != nil && gotType != tc.want {
			t.Errorf("verifier(%q) = %T, want %v", tc.id, got, tc.want)
		}
	}
}

func TestEntryDir(t *testing.T) {
	r := &Resolver{CacheDir: t.TempDir()}
	o := Object{URL: "s3://lake/t/a.csv", ID: "etag:1"}
	same := o
	if r.entryDir(same) != r.entryDir(o) {
		t.Error("entryDir is not a function of the object")
	}
	for _, other := range []Object{
		{URL: o.URL, ID: "etag:2"},
		{URL: o.URL, ID: o.ID, Version: "v2"},
		{URL: "s3://lake/t/b.csv", ID: o.ID},
	} {
		if r.entryDir(other) == r.entryDir(o) {
			t.Errorf("%+v shares the cache entry of %+v", other, o)
		}
	}
}

func TestFetchWithoutCache(t *testing.T) {
	r := &Resolver{}
	_, err := r.Fetch(context.Background(), &Snapshot{Objects: []Object{{URL: "s3://lake/t/a.csv", ID: "etag:1", Size: 1}}})
	if fault.KindOf(err) != fault.Infrastructure || !strings.Contains(err.Error(), "no download cache") {
		t.Errorf("Fetch without a cache = %v, want infrastructure, no download cache", err)
	}
}

func TestFetchRepositoryFile(t *testing.T) {
	r := newResolver(t)
	files, err := r.Fetch(context.Background(), &Snapshot{Objects: []Object{{URL: "data/train.csv"}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(r.Root, "data", "train.csv"); files[0] != want {
		t.Errorf("repository file fetched as %s, want %s in place", files[0], want)
	}
}

// TestFetchCacheReuse counts downloads: a cached object is not read again,
// and a cache file of the wrong size (a truncated copy) is replaced.
func TestFetchCacheReuse(t *testing.T) {
	dir, _ := webRoot(t)
	var gets atomic.Int32
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			gets.Add(1)
		}
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()
	r := newResolver(t)
	ctx := context.Background()
	s, err := r.Resolve(ctx, Spec{Location: srv.URL + "/data/train.csv"})
	if err != nil {
		t.Fatal(err)
	}
	fetch := func() string {
		t.Helper()
		files, err := r.Fetch(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(files[0])
		if err != nil || string(b) != "amount\n1\n" {
			t.Fatalf("fetched %q, %v", b, err)
		}
		return files[0]
	}
	f := fetch()
	fetch()
	if n := gets.Load(); n != 1 {
		t.Errorf("two fetches downloaded %d times, want once", n)
	}
	if err := os.WriteFile(f, []byte("amou"), 0o644); err != nil {
		t.Fatal(err)
	}
	fetch()
	if n := gets.Load(); n != 2 {
		t.Errorf("a truncated cache file was downloaded again %d times, want once more", n-1)
	}
}
