// Package gittest runs a real git smart-HTTP server on loopback for tests:
// `git http-backend` behind net/http/cgi, with receive-pack enabled and an
// optional token check, plus helpers to drive the git CLI the way a user or
// a CI job would. Tests verify what ctgit pushed by cloning from it.
package gittest

import (
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Server is a git server holding one bare repository, "remote.git".
type Server struct {
	// Root is GIT_PROJECT_ROOT, the directory holding remote.git.
	Root string
	// URL is the repository's URL, without credentials.
	URL string
	// Token is the password required for user x-access-token ("" for
	// none).
	Token string
	srv   *httptest.Server

	mu        sync.Mutex
	readToken string
}

// AllowRead makes token a second password that may fetch but not push:
// the receive-pack service answers it 403, as GitHub answers a token
// without contents: write.
func (s *Server) AllowRead(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.readToken = token
}

// Backend returns the path of git-http-backend, skipping the test when git
// or the backend is not installed.
func Backend(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Skipf("git not installed: %v", err)
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("git-http-backend not found: %v", err)
	}
	return p
}

// NewServer starts a server whose repository's main branch has files in one
// commit ("seed"); it stops when the test ends.
func NewServer(t testing.TB, token string, files map[string]string) *Server {
	t.Helper()
	backend := Backend(t)
	s := &Server{Root: t.TempDir(), Token: token}
	bare := s.Bare()
	Git(t, "", "init", "--quiet", "--bare", "--initial-branch=main", bare)
	Git(t, bare, "config", "http.receivepack", "true")

	h := &cgi.Handler{
		Path: backend,
		Root: "/git",
		Env:  []string{"GIT_PROJECT_ROOT=" + s.Root, "GIT_HTTP_EXPORT_ALL=1"},
		// Lost races make receive-pack complain ("cannot lock ref"); the
		// tests assert on what the client sees instead.
		Stderr: io.Discard,
	}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Token != "" {
			u, p, ok := r.BasicAuth()
			s.mu.Lock()
			readToken := s.readToken
			s.mu.Unlock()
			readOnly := ok && u == "x-access-token" && readToken != "" && p == readToken
			if !readOnly && (!ok || u != "x-access-token" || p != s.Token) {
				w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
				http.Error(w, "authentication required", http.StatusUnauthorized)
				return
			}
			if readOnly && (strings.HasSuffix(r.URL.Path, "/git-receive-pack") || r.URL.Query().Get("service") == "git-receive-pack") {
				http.Error(w, "Permission to remote.git denied.", http.StatusForbidden)
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL + "/git/remote.git"

	seed := t.TempDir()
	Git(t, "", "init", "--quiet", "--initial-branch=main", seed)
	for name, content := range files {
		WriteFile(t, filepath.Join(seed, name), content)
	}
	Git(t, seed, "add", "-A")
	Git(t, seed, "commit", "--quiet", "-m", "seed")
	Git(t, seed, "push", "--quiet", bare, "main")
	return s
}

// Bare is the path of the bare repository on disk.
func (s *Server) Bare() string { return filepath.Join(s.Root, "remote.git") }

// AuthURL is the repository URL with the token embedded, for the git CLI.
func (s *Server) AuthURL() string {
	if s.Token == "" {
		return s.URL
	}
	return strings.Replace(s.URL, "http://", "http://x-access-token:"+s.Token+"@", 1)
}

// Clone makes a working clone as a CI job would have it, with origin set
// to the token-free URL.
func (s *Server) Clone(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "work")
	Git(t, "", "clone", "--quiet", s.AuthURL(), dir)
	Git(t, dir, "remote", "set-url", "origin", s.URL)
	return dir
}

// Git runs the git CLI in dir with a clean configuration and a human
// identity, failing the test on error, and returns its combined output.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	home := t.TempDir()
	cmd.Env = append(os.Environ(),
		"HOME="+home, "XDG_CONFIG_HOME="+home, "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=Human", "GIT_AUTHOR_EMAIL=human@example.com",
		"GIT_COMMITTER_NAME=Human", "GIT_COMMITTER_EMAIL=human@example.com",
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// WriteFile writes content to path, creating its directory.
func WriteFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
