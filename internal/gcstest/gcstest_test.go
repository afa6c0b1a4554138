package gcstest

import (
	"context"
	"io"
	"net/http"
	"testing"
)

// TestServer puts an object, reads it back with its generation, sees a
// rewrite get a new generation (the identity ctgit keeps of a GCS
// object), and finds the server gone after Stop.
func TestServer(t *testing.T) {
	s := New(t)
	s.CreateBucket(t, "data")
	const key = "fraud/dt=2026-11-28/part-0.csv"
	gen := s.Put(t, "data", key, []byte("a,b\n1,2\n"))
	if gen == 0 {
		t.Fatal("Put gave no generation")
	}
	r, err := s.Client().Bucket("data").Object(key).NewReader(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || string(got) != "a,b\n1,2\n" || r.Attrs.Generation != gen {
		t.Fatalf("read %q, generation %d, %v; want the bytes put, generation %d", got, r.Attrs.Generation, err, gen)
	}
	if again := s.Put(t, "data", key, []byte("a,b\n1,3\n")); again == gen {
		t.Errorf("a rewrite kept generation %d", gen)
	}

	s.Stop()
	if resp, err := http.Get("http://" + s.Host + "/storage/v1/b"); err == nil {
		resp.Body.Close()
		t.Errorf("the server still answers after Stop: %s", resp.Status)
	}
}
