// Package gcstest runs a Google Cloud Storage emulator on loopback for
// tests: fake-gcs-server with its in-memory backend, started on a free
// port over plain HTTP and stopped when the test ends. Clients reach it
// the way Google's own libraries are pointed at an emulator, through
// STORAGE_EMULATOR_HOST, and send no credentials.
package gcstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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

// Binary returns the fake-gcs-server executable (see Find). When none is
// there it skips the test, or fails it under CI (CI set), where a missing
// server must not pass silently.
func Binary(t testing.TB) string {
	t.Helper()
	p, err := Find()
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" || errors.Is(err, errNamedMissing) {
		t.Fatal(err)
	}
	t.Skip(err)
	return ""
}

var errNamedMissing = errors.New("CTGIT_FAKEGCS names no file")

// Find returns the fake-gcs-server executable: $CTGIT_FAKEGCS, else
// fake-gcs-server on PATH, else DefaultBinary; or an error that says how
// to install it.
func Find() (string, error) {
	if p := os.Getenv("CTGIT_FAKEGCS"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: %v", errNamedMissing, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("fake-gcs-server"); err == nil {
		return p, nil
	}
	if _, err := os.Stat(DefaultBinary); err == nil {
		return DefaultBinary, nil
	}
	return "", fmt.Errorf("fake-gcs-server not installed (set CTGIT_FAKEGCS, or run: %s)", Install)
}

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
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Host: fmt.Sprintf("127.0.0.1:%d", port),
		Log:  filepath.Join(dir, "fake-gcs-server.log"),
	}
	logf, err := os.Create(s.Log)
	if err != nil {
		return nil, err
	}
	// -public-host makes the URLs the server hands out (media links,
	// resumable upload sessions) point back at this port, not at its
	// default storage.googleapis.com.
	cmd := exec.Command(bin, "-scheme", "http", "-host", "127.0.0.1", "-port", fmt.Sprint(port),
		"-public-host", s.Host, "-external-url", "http://"+s.Host, "-backend", "memory", "-log-level", "warn")
	testproc.Tied(cmd)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(exited) }()
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			cmd.Process.Kill()
			<-exited
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.wait(ctx, exited); err != nil {
		s.stop()
		b, _ := os.ReadFile(s.Log)
		return nil, fmt.Errorf("fake-gcs-server on %s: %v\n%s", s.Host, err, b)
	}
	s.client, err = storage.NewClient(context.Background(),
		option.WithoutAuthentication(), option.WithEndpoint("http://"+s.Host+"/storage/v1/"))
	if err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// wait returns when the server lists its buckets.
func (s *Server) wait(ctx context.Context, exited <-chan struct{}) error {
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.Host+"/storage/v1/b", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("exited before answering")
		case <-ctx.Done():
			return fmt.Errorf("not answering: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
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

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
