package promtest

import (
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Exporter is a metrics endpoint on loopback whose gauges the test sets
// and removes, for a Prometheus to scrape: the production series (a live
// accuracy per model, version and channel) as a test wants them now.
type Exporter struct {
	// URL is "http://127.0.0.1:PORT"; the metrics are at URL+"/metrics".
	URL string

	srv *httptest.Server
	mu  sync.Mutex
	// gauges holds each series under its key (name and sorted labels).
	gauges map[string]gauge
}

type gauge struct {
	name   string
	labels map[string]string
	value  float64
}

// NewExporter starts an exporter for the duration of the test.
func NewExporter(t testing.TB) *Exporter {
	t.Helper()
	e := StartExporter()
	t.Cleanup(e.Close)
	return e
}

// StartExporter starts an exporter that the caller closes, for a server
// shared by a package's tests (started in TestMain).
func StartExporter() *Exporter {
	e := &Exporter{gauges: map[string]gauge{}}
	reg := prometheus.NewRegistry()
	reg.MustRegister((*collector)(e))
	e.srv = httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	e.URL = e.srv.URL
	return e
}

// Close stops the exporter.
func (e *Exporter) Close() { e.srv.Close() }

// Set sets the gauge name{labels} to value, creating the series if it is
// new; the next scrape reads it.
func (e *Exporter) Set(name string, labels map[string]string, value float64) {
	copied := make(map[string]string, len(labels))
	for k, v := range labels {
		copied[k] = v
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.gauges[key(name, labels)] = gauge{name: name, labels: copied, value: value}
}

// Delete removes the series name{labels}; Prometheus marks it stale at the
// next scrape, so queries stop returning it.
func (e *Exporter) Delete(name string, labels map[string]string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.gauges, key(name, labels))
}

// Host is the exporter's "127.0.0.1:PORT", a scrape target.
func (e *Exporter) Host() string { return strings.TrimPrefix(e.URL, "http://") }

func key(name string, labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(name)
	for _, k := range names {
		b.WriteString("\xff" + k + "\xff" + labels[k])
	}
	return b.String()
}

// collector serves the exporter's gauges as they are at each scrape. It
// describes nothing (an unchecked collector), because the test chooses
// names and labels as it goes.
type collector Exporter

func (c *collector) Describe(chan<- *prometheus.Desc) {}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, g := range c.gauges {
		names := make([]string, 0, len(g.labels))
		values := make([]string, 0, len(g.labels))
		for k, v := range g.labels {
			names = append(names, k)
			values = append(values, v)
		}
		desc := prometheus.NewDesc(g.name, "Set by the test.", names, nil)
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, g.value, values...)
	}
}
