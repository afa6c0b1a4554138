package testproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// Tool is a server program the tests run, and where they look for it.
type Tool struct {
	// Name is the executable's name on PATH ("versitygw").
	Name string
	// Env is the variable that names the executable ("CTGIT_VERSITYGW").
	Env string
	// Default is where .ci/run installs it, and Install the command that
	// does.
	Default, Install string
}

// errNamedMissing marks a Tool.Env that names no file: a mistake, never a
// reason to skip.
var errNamedMissing = errors.New("names no file")

// Find returns the executable: $Env, else Name on PATH, else Default; or
// an error that says how to install it.
func (tl Tool) Find() (string, error) {
	if p := os.Getenv(tl.Env); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s %w: %v", tl.Env, errNamedMissing, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath(tl.Name); err == nil {
		return p, nil
	}
	if _, err := os.Stat(tl.Default); err == nil {
		return tl.Default, nil
	}
	return "", fmt.Errorf("%s not installed (set %s, or run: %s)", tl.Name, tl.Env, tl.Install)
}

// Binary returns the executable (see Find). When none is there it skips
// the test, or fails it under CI (CI set), where a missing server must
// not pass silently, and when Env names a file that is not there.
func (tl Tool) Binary(t testing.TB) string {
	t.Helper()
	p, err := tl.Find()
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" || errors.Is(err, errNamedMissing) {
		t.Fatal(err)
	}
	t.Skip(err)
	return ""
}

// FreePort returns a TCP port free on the loopback interface now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Server is a started server process.
type Server struct {
	stop func()
}

// Stop kills the process and waits for it; calling it again does nothing.
func (s *Server) Stop() { s.stop() }

// Start starts cmd (tied to this process, its output in the file logPath)
// and polls ready every 50 ms until it says the server answers, for at
// most 20 s. A server that exits first or never answers is stopped, and
// the error holds its log.
func Start(cmd *exec.Cmd, logPath string, ready func(context.Context) bool) (*Server, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	Tied(cmd)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(exited) }()
	var once sync.Once
	s := &Server{stop: func() {
		once.Do(func() {
			cmd.Process.Kill()
			<-exited
		})
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for !ready(ctx) {
		select {
		case <-exited:
			err = errors.New("exited before answering")
		case <-ctx.Done():
			err = fmt.Errorf("not answering: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
			continue
		}
		s.Stop()
		b, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("%s: %v\n%s", cmd.Path, err, b)
	}
	return s, nil
}

// Answers is a ready check for Start: the server answers a GET of url
// with any status, or with 200 OK when ok is set.
func Answers(url string, ok bool) func(context.Context) bool {
	return func(ctx context.Context) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return !ok || resp.StatusCode == http.StatusOK
	}
}
