package gitops

import (
	"io"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitServer is a real git smart-HTTP server on loopback: git http-backend
// behind net/http/cgi, with receive-pack enabled and an optional token check.
type gitServer struct {
	root  string // GIT_PROJECT_ROOT
	url   string // URL of the repository "remote.git"
	token string // required password for user x-access-token, if set
	srv   *httptest.Server
}

func gitBackend(t *testing.T) string {
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

// newGitServer starts a server holding one bare repository whose main branch
// has the given files in one commit.
func newGitServer(t *testing.T, token string, files map[string]string) *gitServer {
	t.Helper()
	backend := gitBackend(t)
	s := &gitServer{root: t.TempDir(), token: token}
	bare := filepath.Join(s.root, "remote.git")
	gitCLI(t, "", "init", "--quiet", "--bare", "--initial-branch=main", bare)
	gitCLI(t, bare, "config", "http.receivepack", "true")

	h := &cgi.Handler{
		Path: backend,
		Root: "/git",
		Env:  []string{"GIT_PROJECT_ROOT=" + s.root, "GIT_HTTP_EXPORT_ALL=1"},
		// Lost races make receive-pack complain ("cannot lock ref"); the
		// tests assert on what the client sees instead.
		Stderr: io.Discard,
	}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.token != "" {
			if u, p, ok := r.BasicAuth(); !ok || u != "x-access-token" || p != s.token {
				w.Header().Set("WWW-Authenticate", `Basic realm="git"`)
				http.Error(w, "authentication required", http.StatusUnauthorized)
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	s.url = s.srv.URL + "/git/remote.git"

	seed := t.TempDir()
	gitCLI(t, "", "init", "--quiet", "--initial-branch=main", seed)
	for name, content := range files {
		writeFile(t, filepath.Join(seed, name), content)
	}
	gitCLI(t, seed, "add", "-A")
	gitCLI(t, seed, "commit", "--quiet", "-m", "seed")
	gitCLI(t, seed, "push", "--quiet", bare, "main")
	return s
}

// authURL is the repository URL with the token embedded, for the git CLI.
func (s *gitServer) authURL() string {
	if s.token == "" {
		return s.url
	}
	return strings.Replace(s.url, "http://", "http://x-access-token:"+s.token+"@", 1)
}

// clone makes a working clone as a CI job would have it, with origin set to
// the token-free URL.
func (s *gitServer) clone(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "work")
	gitCLI(t, "", "clone", "--quiet", s.authURL(), dir)
	gitCLI(t, dir, "remote", "set-url", "origin", s.url)
	return dir
}

func gitCLI(t *testing.T, dir string, args ...string) string {
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

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
