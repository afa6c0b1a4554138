// Package registrytest runs a real OCI registry on loopback for tests:
// Debian's docker-registry (the CNCF Distribution registry), started on a
// free port with its storage in a temporary directory and stopped when the
// test ends, optionally behind htpasswd basic auth.
package registrytest

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ctgit/ctgit/internal/testproc"
)

// Binary is the registry's executable, as Debian installs it.
const Binary = "docker-registry"

// Registry is a running registry.
type Registry struct {
	// Host is "127.0.0.1:PORT", the registry's address.
	Host string
	// User and Password are the credentials it requires; "" when it
	// requires none.
	User, Password string
	// Log is the registry's own log file, for a failing test to read.
	Log string
}

// Options configure a registry.
type Options struct {
	// User and Password turn on htpasswd authentication.
	User, Password string
}

// Start starts a registry for the duration of the test. It skips the test
// when the docker-registry binary is not installed
// (`apt-get install docker-registry`).
func Start(t testing.TB, opt Options) *Registry {
	t.Helper()
	bin, err := exec.LookPath(Binary)
	if err != nil {
		t.Skipf("%s not installed (apt-get install docker-registry): %v", Binary, err)
	}
	dir := t.TempDir()
	port, err := testproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	r := &Registry{Host: fmt.Sprintf("127.0.0.1:%d", port), User: opt.User, Password: opt.Password, Log: filepath.Join(dir, "registry.log")}
	auth := ""
	if opt.User != "" {
		hash, err := bcrypt.GenerateFromPassword([]byte(opt.Password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		pw := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(pw, []byte(opt.User+":"+string(hash)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		auth = fmt.Sprintf("auth:\n  htpasswd:\n    realm: ctgit-test\n    path: %s\n", pw)
	}
	cfg := fmt.Sprintf(`version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
%s`, filepath.Join(dir, "data"), r.Host, auth)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(r.Log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", cfgPath)
	testproc.Tied(cmd)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("starting %s: %v", Binary, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := r.wait(ctx, exited); err != nil {
		b, _ := os.ReadFile(r.Log)
		t.Fatalf("%s on %s: %v\n%s", Binary, r.Host, err, b)
	}
	return r
}

// wait returns when the registry answers its API root (200, or 401 behind
// auth).
func (r *Registry) wait(ctx context.Context, exited <-chan struct{}) error {
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.Host+"/v2/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
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

// DockerConfig writes a ~/.docker/config.json holding the registry's
// credentials into dir and returns its path ("" when no auth is set).
func (r *Registry) DockerConfig(t testing.TB, dir string) string {
	t.Helper()
	if r.User == "" {
		return ""
	}
	p := filepath.Join(dir, "config.json")
	enc := basic(r.User, r.Password)
	body := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, r.Host, enc)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func basic(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}
