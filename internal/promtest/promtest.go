// Package promtest runs a real Prometheus server on loopback for tests:
// Debian's prometheus on a free port with a temporary TSDB, scraping an
// Exporter the test moves at a short interval, optionally with history
// loaded before it starts (promtool tsdb create-blocks-from openmetrics),
// and stopped when the test ends. Queries are answered by Prometheus
// itself; nothing here imitates PromQL.
package promtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/testproc"
)

// DefaultBinary is where Debian's prometheus package installs the server;
// promtool sits next to it.
const DefaultBinary = "/usr/bin/prometheus"

// Install is the command that installs prometheus and promtool.
const Install = "apt-get install prometheus"

// tool is where the tests look for prometheus.
var tool = testproc.Tool{Name: "prometheus", Env: "CTGIT_PROMETHEUS", Default: DefaultBinary, Install: Install}

// Binary returns the prometheus executable: $CTGIT_PROMETHEUS, else
// prometheus on PATH, else DefaultBinary. When none is there it skips the
// test, or fails it under CI.
func Binary(t testing.TB) string {
	t.Helper()
	return tool.Binary(t)
}

// Find returns the prometheus executable (see Binary), or an error that
// says how to install it.
func Find() (string, error) { return tool.Find() }

// Options are what a test may change about the server.
type Options struct {
	// ScrapeInterval is how often the exporter is scraped; 200ms when
	// zero.
	ScrapeInterval time.Duration
	// History is OpenMetrics text (ending in "# EOF", timestamps in
	// seconds) loaded into the TSDB before the server starts, for tests
	// that need a window of past values without waiting for it.
	History string
}

// Server is a running Prometheus.
type Server struct {
	// URL is "http://127.0.0.1:PORT", the HTTP API's base address.
	URL string
	// Dir holds the configuration, the TSDB and the log.
	Dir string
	// Log is the server's own output, for a failing test to read.
	Log string

	stop func()
}

// New starts a Prometheus for the duration of the test, scraping exp
// (which may be nil: history only), and returns once it answers and, with
// an exporter, has scraped it at least once.
func New(t testing.TB, exp *Exporter, opts Options) *Server {
	t.Helper()
	s, err := Start(Binary(t), t.TempDir(), exp, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Start starts bin on a free loopback port with its files in dir. The
// caller stops it.
func Start(bin, dir string, exp *Exporter, opts Options) (*Server, error) {
	if opts.ScrapeInterval == 0 {
		opts.ScrapeInterval = 200 * time.Millisecond
	}
	port, err := testproc.FreePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		URL: fmt.Sprintf("http://127.0.0.1:%d", port),
		Dir: dir,
		Log: filepath.Join(dir, "prometheus.log"),
	}
	tsdb := filepath.Join(dir, "tsdb")
	if err := os.Mkdir(tsdb, 0o755); err != nil {
		return nil, err
	}
	if opts.History != "" {
		if err := backfill(bin, dir, tsdb, opts.History); err != nil {
			return nil, err
		}
	}
	conf := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(conf, []byte(config(exp, opts.ScrapeInterval)), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin,
		"--config.file="+conf,
		"--storage.tsdb.path="+tsdb,
		"--web.listen-address="+strings.TrimPrefix(s.URL, "http://"),
		"--log.level=warn",
	)
	proc, err := testproc.Start(cmd, s.Log, func(ctx context.Context) bool {
		if !testproc.Answers(s.URL+"/-/ready", true)(ctx) {
			return false
		}
		return exp == nil || scraped(ctx, s.URL)
	})
	if err != nil {
		return nil, err
	}
	s.stop = proc.Stop
	return s, nil
}

// Stop stops the server now, for a test of what a client does without
// it. A server from New is stopped when its test ends anyway.
func (s *Server) Stop() { s.stop() }

// config is a Prometheus configuration that scrapes exp, if any, as job
// "exporter", and otherwise nothing.
func config(exp *Exporter, every time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "global:\n  scrape_interval: %s\n  evaluation_interval: %s\n", promDuration(every), promDuration(every))
	if exp != nil {
		fmt.Fprintf(&b, "scrape_configs:\n  - job_name: exporter\n    scrape_timeout: %s\n    static_configs:\n      - targets: [%q]\n",
			promDuration(every), exp.Host())
	}
	return b.String()
}

// promDuration writes d in Prometheus' duration syntax, which has no
// fractions: 200ms, not 0.2s.
func promDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d/time.Millisecond)
}

// backfill writes history as TSDB blocks under tsdb with promtool, which
// Debian installs next to prometheus.
func backfill(bin, dir, tsdb, history string) error {
	promtool := filepath.Join(filepath.Dir(bin), "promtool")
	if _, err := os.Stat(promtool); err != nil {
		p, lerr := exec.LookPath("promtool")
		if lerr != nil {
			return fmt.Errorf("promtool is needed to load history, and is neither next to %s nor on PATH (%s)", bin, Install)
		}
		promtool = p
	}
	in := filepath.Join(dir, "history.om")
	if err := os.WriteFile(in, []byte(history), 0o644); err != nil {
		return err
	}
	out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", in, tsdb).CombinedOutput()
	if err != nil {
		return fmt.Errorf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, out)
	}
	return nil
}

// scraped says whether every target has been scraped and is up.
func scraped(ctx context.Context, base string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/targets?state=active", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			ActiveTargets []struct {
				Health string `json:"health"`
			} `json:"activeTargets"`
		} `json:"data"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil {
		return false
	}
	targets := body.Data.ActiveTargets
	for _, tg := range targets {
		if tg.Health != "up" {
			return false
		}
	}
	return len(targets) > 0
}

// WaitFor polls the instant query q until it returns at least one series,
// for at most 10 s, so that a test that has just Set a gauge knows the
// server has scraped it.
func (s *Server) WaitFor(t testing.TB, q string) {
	t.Helper()
	if err := s.waitFor(q, func(n int) bool { return n > 0 }); err != nil {
		t.Fatal(err)
	}
}

// WaitGone polls the instant query q until it returns no series, for at
// most 10 s: a series the test deleted has been marked stale.
func (s *Server) WaitGone(t testing.TB, q string) {
	t.Helper()
	if err := s.waitFor(q, func(n int) bool { return n == 0 }); err != nil {
		t.Fatal(err)
	}
}

func (s *Server) waitFor(q string, done func(series int) bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	last := "no answer"
	for {
		n, err := s.count(ctx, q)
		if err == nil && done(n) {
			return nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("%d series", n)
		}
		select {
		case <-ctx.Done():
			b, _ := os.ReadFile(s.Log)
			return fmt.Errorf("waiting for %s: %s after 10s\n%s", q, last, b)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// count returns how many series the instant query q returns now.
func (s *Server) count(ctx context.Context, q string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/api/v1/query?query="+url.QueryEscape(q), nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, err
	}
	if body.Status != "success" {
		return 0, fmt.Errorf("query %s: %s", q, body.Error)
	}
	return len(body.Data.Result), nil
}
