package artifact

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"oras.land/oras-go/v2/registry/remote"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/registrytest"
)

// authed starts a registry behind htpasswd and returns it with an
// environment whose ~/.docker/config.json holds its credentials.
func authed(t *testing.T) (*registrytest.Registry, func(string) string) {
	reg := registrytest.Start(t, registrytest.Options{User: "ci", Password: "s3cret"})
	home := t.TempDir()
	reg.DockerConfig(t, filepath.Join(home, ".docker"))
	return reg, func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}
}

func TestRegistryModelRoundTrip(t *testing.T) {
	ctx := context.Background()
	reg, env := authed(t)
	s, err := OpenWith(ctx, "oci://"+reg.Host+"/team/models", "", Options{Getenv: env})
	if err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(t.TempDir(), "model.json")
	os.WriteFile(model, []byte(`{"w":[1,2,3]}`), 0o644)
	prov := Provenance{Pipeline: "fraud", Model: "fraud", RunID: "r1", SourceCommit: "abc", Data: map[string]string{"current": "sha256:00"}}
	a, err := s.PutModel(ctx, prov, model)
	if err != nil {
		t.Fatal(err)
	}
	ref := a.URI + "@" + a.Digest
	if !strings.HasPrefix(ref, "oci://"+reg.Host+"/team/models@sha256:") {
		t.Fatalf("reference %s", ref)
	}
	// The same bytes again, from another run: the artifact already stored.
	prov.RunID = "r2"
	b, err := s.PutModel(ctx, prov, model)
	if err != nil || b.Digest != a.Digest {
		t.Fatalf("second put: %v, %v (first %s)", b, err, a.Digest)
	}
	key := s.KeyOf(ref)
	if key != a.Digest || s.KeyOf(strings.TrimPrefix(ref, "oci://")) != a.Digest || s.KeyOf("oci://other/x@"+a.Digest) != "" {
		t.Fatalf("KeyOf(%s) = %q", ref, key)
	}
	dst := filepath.Join(t.TempDir(), "got")
	if err := s.Fetch(ctx, key, a.Digest, dst); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); string(got) != `{"w":[1,2,3]}` {
		t.Fatalf("fetched %q", got)
	}
	if ok, err := s.(*Registry).Exists(ctx, "sha256:"+strings.Repeat("0", 64)); ok || err != nil {
		t.Fatalf("Exists(absent) = %v, %v", ok, err)
	}
}

func TestRegistryRecordsOfOnePipeline(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.Start(t, registrytest.Options{})
	s, err := Open(ctx, "oci://"+reg.Host+"/models", "")
	if err != nil {
		t.Fatal(err)
	}
	if recs, err := s.Records(ctx, "p"); err != nil || len(recs) != 0 {
		t.Fatalf("empty store: %v, %v", recs, err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	other := record.New("other-1", "q", "m", start)
	if _, err := s.PutRecord(ctx, other); err != nil {
		t.Fatal(err)
	}
	// Hundreds of runs, appended by writers in four processes at once
	// (four stores), all found again.
	const n, writers = 200, 4
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := 0; w < writers; w++ {
		sw, err := Open(ctx, "oci://"+reg.Host+"/models", "")
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += writers {
				r := record.New(fmt.Sprintf("run-%03d", i), "p", "m", start.Add(time.Duration(n-i)*time.Minute))
				if _, err := sw.PutRecord(ctx, r); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	recs, err := s.Records(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Fatalf("%d records, want %d", len(recs), n)
	}
	if recs[0].ID != fmt.Sprintf("run-%03d", n-1) || recs[n-1].ID != "run-000" {
		t.Fatalf("not oldest first: %s … %s", recs[0].ID, recs[n-1].ID)
	}
	if q, _ := s.Records(ctx, "q"); len(q) != 1 || q[0].ID != "other-1" {
		t.Fatalf("pipeline q: %v", q)
	}
}

func TestRegistryBadInput(t *testing.T) {
	ctx := context.Background()
	reg, env := authed(t)
	for _, tc := range []struct {
		name, url string
		env       func(string) string
		kind      fault.Kind
		says      string
	}{
		{"malformed", "oci://" + reg.Host + "/Upper/Case", env, fault.BadInput, "lowercase"},
		{"no repository", "oci://" + reg.Host, env, fault.BadInput, "want oci://REGISTRY/REPOSITORY"},
		{"credentials in the URL", "oci://u:p@" + reg.Host + "/m", env, fault.BadInput, "never the URL"},
		{"unknown option", "oci://" + reg.Host + "/m?tls=false", env, fault.BadInput, "plain-http"},
		{"no credentials", "oci://" + reg.Host + "/m", nil, fault.Infrastructure, "credentials required"},
		{"unreachable", "oci://127.0.0.1:1/m", env, fault.Infrastructure, "127.0.0.1:1/m"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenWith(ctx, tc.url, "", Options{Getenv: tc.env})
			if fault.KindOf(err) != tc.kind || !strings.Contains(fmt.Sprint(err), tc.says) {
				t.Fatalf("err = %v (%v), want %v saying %q", err, fault.KindOf(err), tc.kind, tc.says)
			}
			if strings.Contains(fmt.Sprint(err), "s3cret") {
				t.Fatalf("the password leaked: %v", err)
			}
		})
	}
}

func TestRegistryWrongPassword(t *testing.T) {
	reg := registrytest.Start(t, registrytest.Options{User: "ci", Password: "right"})
	wrong := *reg
	wrong.Password = "wrong"
	home := t.TempDir()
	wrong.DockerConfig(t, filepath.Join(home, ".docker"))
	_, err := OpenWith(context.Background(), "oci://"+reg.Host+"/m", "", Options{Getenv: func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}})
	if fault.KindOf(err) != fault.Infrastructure || !strings.Contains(err.Error(), reg.Host+"/m") || !strings.Contains(err.Error(), "401") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("the password leaked: %v", err)
	}
}

func TestRegistryTagWithOtherBytes(t *testing.T) {
	ctx := context.Background()
	reg := registrytest.Start(t, registrytest.Options{})
	s, err := Open(ctx, "oci://"+reg.Host+"/models", "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("a"), 0o644)
	os.WriteFile(b, []byte("b"), 0o644)
	got, err := s.PutModel(ctx, Provenance{Model: "m"}, a)
	if err != nil {
		t.Fatal(err)
	}
	// Someone points b's tag at a's manifest.
	m, _ := openModel(b)
	m.close()
	repo, _ := remote.NewRepository(reg.Host + "/models")
	repo.PlainHTTP = true
	desc, err := repo.Resolve(ctx, got.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Tag(ctx, desc, modelTag("m", m.digest)); err != nil {
		t.Fatal(err)
	}
	_, err = s.PutModel(ctx, Provenance{Model: "m"}, b)
	if fault.KindOf(err) != fault.Infrastructure || !strings.Contains(fmt.Sprint(err), "exists with a different digest") {
		t.Fatalf("err = %v", err)
	}
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Fatalf("not a fault: %v", err)
	}
}

func TestReference(t *testing.T) {
	const d = "sha256:ab"
	for _, tc := range []struct{ uri, format, want string }{
		{"oci://ghcr.io/a/m", "uri@digest", "oci://ghcr.io/a/m@sha256:ab"},
		{"oci://ghcr.io/a/m", "uri", "oci://ghcr.io/a/m@sha256:ab"},
		{"oci://ghcr.io/a/m", "oci-image", "ghcr.io/a/m@sha256:ab"},
		{"s3://b/models/m/sha256/ab", "uri@digest", "s3://b/models/m/sha256/ab@sha256:ab"},
		{"s3://b/models/m/sha256/ab", "uri", "s3://b/models/m/sha256/ab"},
		{"s3://b/models/m/sha256/ab", "", "s3://b/models/m/sha256/ab@sha256:ab"},
	} {
		if got := Reference(tc.uri, d, tc.format); got != tc.want {
			t.Errorf("Reference(%s, %s) = %s, want %s", tc.uri, tc.format, got, tc.want)
		}
	}
}
