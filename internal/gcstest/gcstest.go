// Package gcstest runs a Google Cloud Storage emulator on loopback for
// tests: fake-gcs-server with its in-memory backend, started on a free
// port over plain HTTP and stopped when the test ends. Clients reach it
// the way Google's own libraries are pointed at an emulator, through
// STORAGE_EMULATOR_HOST, and send no credentials.
package gcstest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"cloud.google.com/go/storage"
	"google.golang.org/api/option"

	"github.com/ctgit/ctgit/internal/testproc"
)

// Version is the fake-gcs-server release the tests are written against.
const Version = "v1.56.1"

// DefaultBinary is where .ci/run installs fake-gcs-server.
const DefaultBinary = "/var/cache/ctgit-fakegcs/bin/fake-gcs-server"

// Install is the command that installs fake-gcs-server where the tests
// look.
const Install = "GOBIN=/var/cache/ctgit-fakegcs/bin go install github.com/fsouza/fake-gcs-server@" + Version

// Server is a running GCS emulator.
type Server struct {
	// Host is "127.0.0.1:PORT", the value of STORAGE_EMULATOR_HOST that
	// reaches it.
	Host string
	// Log is the server's own output, for a failing test to read.
	Log string

	client *storage.Client
	stop   func()
}

// tool is where the tests look for fake-gcs-server.
var tool = testproc.Tool{Name: "fake-gcs-server", Env: "CTGIT_FAKEGCS", Default: DefaultBinary, Install: Install}

// Binary returns the fake-gcs-server executable (see Find). When none is there it
// skips the test, or fails it under CI (CI set), where a missing server
// must not pass silently.
func Binary(t testing.TB) string {
	t.Helper()
	return tool.Binary(t)
}

// Find returns the fake-gcs-server executable: $CTGIT_FAKEGCS, else fake-gcs-server on
// PATH, else DefaultBinary; or an error that says how to install it.
func Find() (string, error) { return tool.Find() }

// New starts a server for the duration of the test.
func New(t testing.TB) *Server {
	t.Helper()
	s, err := Start(Binary(t), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Start starts a server of bin on a free loopback port, keeping its log
// in dir. The caller stops it.
func Start(bin, dir string) (*Server, error) {
	port, err := testproc.FreePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Host: fmt.Sprintf("127.0.0.1:%d", port),
		Log:  filepath.Join(dir, "fake-gcs-server.log"),
	}
	// -public-host makes the URLs the server hands out (media links,
	// resumable upload sessions) point back at this port, not at its
	// default storage.googleapis.com.
	cmd := exec.Command(bin, "-scheme", "http", "-host", "127.0.0.1", "-port", fmt.Sprint(port),
		"-public-host", s.Host, "-external-url", "http://"+s.Host, "-backend", "memory", "-log-level", "warn")
	// Ready when it lists its buckets.
	proc, err := testproc.Start(cmd, s.Log, testproc.Answers("http://"+s.Host+"/storage/v1/b", true))
	if err != nil {
		return nil, err
	}
	s.stop = proc.Stop
	s.client, err = storage.NewClient(context.Background(),
		option.WithoutAuthentication(), option.WithEndpoint("http://"+s.Host+"/storage/v1/"))
	if err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// Stop stops the server now, for a test that shows what works without
// it. A server from New is stopped when its test ends anyway.
func (s *Server) Stop() {
	if s.client != nil {
		s.client.Close()
	}
	s.stop()
}

// Env is the environment that points Google's storage library at this
// server: STORAGE_EMULATOR_HOST, with the machine's own application
// credentials switched off so that none are read or sent.
func (s *Server) Env() []string {
	return []string{
		"STORAGE_EMULATOR_HOST=" + s.Host,
		"STORAGE_EMULATOR_HOST_GRPC=",
		"GOOGLE_APPLICATION_CREDENTIALS=",
	}
}

// Setenv sets Env for the duration of the test (see testing.T.Setenv).
func (s *Server) Setenv(t *testing.T) {
	t.Helper()
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
}

// Client is a storage client of this server.
func (s *Server) Client() *storage.Client { return s.client }

// CreateBucket creates a bucket.
func (s *Server) CreateBucket(t testing.TB, name string) {
	t.Helper()
	if err := s.client.Bucket(name).Create(context.Background(), "ctgit-test", nil); err != nil {
		t.Fatalf("creating bucket %s: %v", name, err)
	}
}

// Put writes an object and returns its generation as the server gives it.
func (s *Server) Put(t testing.TB, bucket, key string, data []byte) int64 {
	t.Helper()
	w := s.client.Bucket(bucket).Object(key).NewWriter(context.Background())
	if _, err := w.Write(data); err != nil {
		w.Close()
		t.Fatalf("putting gs://%s/%s: %v", bucket, key, err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("putting gs://%s/%s: %v", bucket, key, err)
	}
	return w.Attrs().Generation
}
