package sli

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/promtest"
)

// shared is one Prometheus scraping one exporter for the package's tests:
// a server takes about 5 s to scrape its first target (its discovery
// updates every 5 s), so tests share it, each under model names of its own.
var shared struct {
	once sync.Once
	dir  string
	exp  *promtest.Exporter
	srv  *promtest.Server
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Stop()
	}
	if shared.exp != nil {
		shared.exp.Close()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// live returns the shared Prometheus and its exporter, and a client for it.
func live(t *testing.T) (*promtest.Server, *promtest.Exporter, *Client) {
	t.Helper()
	bin := promtest.Binary(t)
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "ctgit-sli-prometheus-")
		if shared.err != nil {
			return
		}
		shared.exp = promtest.StartExporter()
		shared.srv, shared.err = promtest.Start(bin, shared.dir, shared.exp, promtest.Options{ScrapeInterval: 200 * time.Millisecond})
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.srv, shared.exp, &Client{URL: shared.srv.URL}
}

// runs numbers the calls of model, so that a test run again (-count)
// starts from series of its own too.
var runs atomic.Int64

// model is a model name of the test's own, so tests sharing a server do
// not see each other's series, nor those of their earlier runs.
func model(t *testing.T) string {
	name := strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "_"))
	return name + "_" + strconv.FormatInt(runs.Add(1), 10)
}

// labels are the exporter labels of model's version serving in channel.
func labels(model, version, channel string) map[string]string {
	return map[string]string{"model": model, "version": version, "channel": channel}
}
