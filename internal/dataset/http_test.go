package dataset

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/fault"
)

// webRoot is a directory served over HTTP holding data/train.csv, last
// modified at a fixed time.
func webRoot(t *testing.T) (dir string, modified time.Time) {
	t.Helper()
	dir = t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	modified = time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	writeServed(t, dir, "amount\n1\n", modified)
	return dir, modified
}

func writeServed(t *testing.T, dir, content string, modified time.Time) {
	t.Helper()
	p := filepath.Join(dir, "data", "train.csv")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, modified, modified); err != nil {
		t.Fatal(err)
	}
}

// etagServer serves dir with an ETag on every file, as most web servers
// and CDNs do; http.FileServer sets none itself, but answers If-Match
// against the one its handler sets.
type etagServer struct {
	mu   sync.Mutex
	etag string
	next http.Handler
}

func (s *etagServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	w.Header().Set("ETag", s.etag)
	s.mu.Unlock()
	s.next.ServeHTTP(w, r)
}

func (s *etagServer) set(etag string) {
	s.mu.Lock()
	s.etag = etag
	s.mu.Unlock()
}

func TestHTTPIdentityETag(t *testing.T) {
	dir, _ := webRoot(t)
	h := &etagServer{etag: `"v1"`, next: http.FileServer(http.Dir(dir))}
	srv := httptest.NewServer(h)
	defer srv.Close()
	r := newResolver(t)
	ctx := context.Background()
	loc := srv.URL + "/data/train.csv"
	s, err := r.Resolve(ctx, Spec{Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	o := s.Objects[0]
	if o.Key != "train.csv" || o.URL != loc || o.Size != int64(len("amount\n1\n")) || o.ID != `http-etag:"v1"` {
		t.Errorf("object = %+v, want train.csv at %s, 9 bytes, identity the ETag \"v1\"", o, loc)
	}
	files, err := r.Fetch(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(files[0]); err != nil || string(b) != "amount\n1\n" {
		t.Errorf("fetched %q, %v", b, err)
	}

	// The server's file changes after the plan listed it: the download
	// asks for the listed ETag and is refused.
	writeServed(t, dir, "amount\n2\n", time.Now())
	h.set(`"v2"`)
	r2 := newResolver(t)
	_, err = r2.Fetch(ctx, s)
	if err == nil || !strings.Contains(err.Error(), "changed since") || fault.KindOf(err) != fault.BadInput {
		t.Fatalf("Fetch of a changed file: %v (%v), want bad input saying it changed since", err, fault.KindOf(err))
	}
	noEntry(t, r2, o)

	again, err := r2.Resolve(ctx, Spec{Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	if again.Digest == s.Digest {
		t.Error("digest unchanged after the server's ETag changed")
	}
}

func TestHTTPIdentityModified(t *testing.T) {
	dir, modified := webRoot(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	r := newResolver(t)
	ctx := context.Background()
	s, err := r.Resolve(ctx, Spec{Location: srv.URL + "/data/train.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "modified:2026-11-29T06:00:00Z/9"; s.Objects[0].ID != want {
		t.Errorf("identity = %q, want %q (Last-Modified and size)", s.Objects[0].ID, want)
	}
	if !s.Objects[0].Modified.Equal(modified) {
		t.Errorf("Modified = %v, want %v", s.Objects[0].Modified, modified)
	}

	// Rewritten later: If-Unmodified-Since refuses the download.
	writeServed(t, dir, "amount\n3\n", modified.Add(time.Hour))
	_, err = r.Fetch(ctx, s)
	if err == nil || !strings.Contains(err.Error(), "changed since") {
		t.Fatalf("Fetch of a file modified since: %v, want it to say it changed since", err)
	}
	noEntry(t, r, s.Objects[0])
}

func TestHTTPErrors(t *testing.T) {
	dir, _ := webRoot(t)
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir(dir)))
	mux.HandleFunc("/anonymous.csv", func(w http.ResponseWriter, r *http.Request) {
		// A size, but neither ETag nor Last-Modified.
		w.Header().Set("Content-Length", "9")
		w.Write([]byte("amount\n1\n"))
	})
	mux.HandleFunc("/broken.csv", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("/private.csv", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusForbidden)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, tc := range []struct {
		path string
		kind fault.Kind
		says string
	}{
		{"/data/missing.csv", fault.BadInput, "404 Not Found"},
		{"/anonymous.csv", fault.BadInput, "neither an ETag nor a Last-Modified"},
		{"/private.csv", fault.BadInput, "refuses it (403 Forbidden)"},
		{"/broken.csv", fault.Infrastructure, "500 Internal Server Error"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			_, err := newResolver(t).Resolve(context.Background(), Spec{Location: srv.URL + tc.path})
			if err == nil {
				t.Fatal("Resolve succeeded")
			}
			if fault.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("Resolve = %v (%v), want %v saying %q", err, fault.KindOf(err), tc.kind, tc.says)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		closed := httptest.NewServer(http.NotFoundHandler())
		closed.Close()
		_, err := newResolver(t).Resolve(context.Background(), Spec{Location: closed.URL + "/data/train.csv"})
		if fault.KindOf(err) != fault.Infrastructure || !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("Resolve on a closed port = %v (%v), want infrastructure, connection refused", err, fault.KindOf(err))
		}
	})
}
