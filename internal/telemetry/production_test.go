package telemetry

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/sli"
)

func ptr(v float64) *float64 { return &v }

var (
	readAt     = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	analyzedAt = time.Date(2026, 11, 29, 9, 30, 0, 0, time.UTC)
	rolledAt   = time.Date(2026, 11, 30, 12, 0, 5, 0, time.UTC)
)

// productionInput is a watch pass over two pipelines, a canary analysis and a
// rollback: fraud's latency breached and watch rolled it back; churn's
// error rate has no data.
func productionInput() ([]SLIObservation, []CanaryResult, []Rollback) {
	obs := []SLIObservation{
		{Pipeline: "fraud", Model: "fraud-detector", SLI: "latency_p99", Version: "1.4.0", Channel: "production", Value: ptr(0.412), Status: sli.Breach, At: readAt},
		{Pipeline: "fraud", Model: "fraud-detector", SLI: "error_rate", Version: "1.4.0", Channel: "production", Value: ptr(0.002), Status: sli.OK, At: readAt.Add(-time.Second)},
		{Pipeline: "fraud", Model: "fraud-detector", SLI: "error_rate", Version: "1.4.0", Channel: "staging", Value: ptr(0.03), Status: sli.Pending, At: readAt.Add(-time.Minute)},
		{Pipeline: "churn", Model: "churn", SLI: "error_rate", Version: "2.0.1", Status: sli.NoData, At: readAt},
	}
	canaries := []CanaryResult{
		{Pipeline: "fraud", Model: "fraud-detector", SLI: "latency_p99", Channel: "production", Version: "1.4.0", Delta: ptr(0.012), Value: ptr(0.2), Passed: true, At: analyzedAt},
		{Pipeline: "fraud", Model: "fraud-detector", SLI: "error_rate", Channel: "production", Version: "1.4.0", Value: ptr(0.001), Passed: true, At: analyzedAt.Add(-time.Minute)},
	}
	rollbacks := []Rollback{
		{Pipeline: "fraud", Model: "fraud-detector", Channel: "production", From: "1.4.0", To: "1.3.2", At: rolledAt},
	}
	return obs, canaries, rollbacks
}

func TestProductionText(t *testing.T) {
	b, err := ProductionText(productionInput())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "production.prom", b)
	mfs := parse(t, string(b))
	fraud := func(kv ...string) map[string]string {
		m := map[string]string{"pipeline": "fraud", "model": "fraud-detector"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	churn := map[string]string{"pipeline": "churn", "model": "churn", "sli": "error_rate", "version": "2.0.1", "channel": ""}
	for _, w := range []struct {
		name   string
		labels map[string]string
		value  float64
		absent bool
	}{
		{name: "ctgit_sli_value", labels: fraud("sli", "latency_p99", "version", "1.4.0", "channel", "production"), value: 0.412},
		{name: "ctgit_sli_breached", labels: fraud("sli", "latency_p99", "channel", "production"), value: 1},
		{name: "ctgit_sli_breached", labels: fraud("sli", "error_rate", "channel", "production"), value: 0},
		// Pending is not yet a breach.
		{name: "ctgit_sli_breached", labels: fraud("sli", "error_rate", "channel", "staging"), value: 0},
		{name: "ctgit_sli_nodata", labels: fraud("sli", "latency_p99"), value: 0},
		{name: "ctgit_sli_nodata", labels: churn, value: 1},
		{name: "ctgit_sli_breached", labels: churn, value: 0},
		{name: "ctgit_sli_value", labels: churn, absent: true},
		// The latest read of error_rate over its channels.
		{name: "ctgit_sli_read_timestamp_seconds", labels: fraud("sli", "error_rate"), value: unix(readAt.Add(-time.Second))},
		{name: "ctgit_sli_read_timestamp_seconds", labels: fraud("sli", "latency_p99"), value: unix(readAt)},
		{name: "ctgit_canary_delta", labels: fraud("sli", "latency_p99", "channel", "production"), value: 0.012},
		{name: "ctgit_canary_delta", labels: fraud("sli", "error_rate"), absent: true},
		{name: "ctgit_canary_value", labels: fraud("sli", "error_rate", "channel", "production"), value: 0.001},
		{name: "ctgit_canary_analysis_passed", labels: fraud("sli", "latency_p99", "channel", "production"), value: 1},
		{name: "ctgit_canary_analysis_timestamp_seconds", labels: fraud("channel", "production"), value: unix(analyzedAt)},
		{name: "ctgit_rollback_opened_timestamp_seconds", labels: fraud("channel", "production"), value: unix(rolledAt)},
		{name: "ctgit_rollback_info", labels: fraud("channel", "production", "from", "1.4.0", "to", "1.3.2"), value: 1},
	} {
		got, ok := sample(mfs, w.name, w.labels)
		switch {
		case w.absent && ok:
			t.Errorf("%s%v is present (%g), want absent", w.name, w.labels, got)
		case !w.absent && !ok:
			t.Errorf("no %s%v", w.name, w.labels)
		case !w.absent && got != w.value:
			t.Errorf("%s%v = %g, want %g", w.name, w.labels, got, w.value)
		}
	}
	for name := range mfs {
		if !exported(name) {
			t.Errorf("%s is not listed by Metrics()", name)
		}
	}
	if _, err := exec.LookPath("promtool"); err != nil {
		t.Skipf("promtool is not installed (apt-get install prometheus): %v", err)
	}
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = strings.NewReader(string(b))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestMetricsPassPromtool lints every metric this package exports, each
// run's and the production loop's, with promtool's naming rules.
func TestMetricsPassPromtool(t *testing.T) {
	if _, err := exec.LookPath("promtool"); err != nil {
		t.Skipf("promtool is not installed (apt-get install prometheus): %v", err)
	}
	for _, name := range []string{"promotion", "gates_failed", "first_promotion", "no_drift"} {
		b, err := Text(loadRecord(t, name))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("promtool", "check", "metrics")
		cmd.Stdin = strings.NewReader(string(b))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: promtool check metrics: %v\n%s", name, err, out)
		}
	}
}

func TestProductionRejects(t *testing.T) {
	ok := SLIObservation{Pipeline: "fraud", Model: "fraud-detector", SLI: "latency_p99", Version: "1.4.0", Status: sli.OK, At: readAt}
	for _, tc := range []struct {
		name      string
		obs       []SLIObservation
		canaries  []CanaryResult
		rollbacks []Rollback
		want      string
	}{
		{name: "status", obs: []SLIObservation{func() SLIObservation { o := ok; o.Status = "broken"; return o }()},
			want: `SLI "latency_p99" (version "1.4.0", channel "") of model fraud-detector (pipeline fraud): status "broken" is not one of ["ok" "breach" "pending" "nodata"]`},
		{name: "twice", obs: []SLIObservation{ok, ok}, want: "given twice"},
		{name: "no time", obs: []SLIObservation{func() SLIObservation { o := ok; o.At = time.Time{}; return o }()}, want: "no time"},
		{name: "no model", canaries: []CanaryResult{{Pipeline: "fraud", SLI: "x", At: readAt}}, want: "no pipeline or model"},
		{name: "rollback twice", rollbacks: []Rollback{{Pipeline: "p", Model: "m", At: readAt}, {Pipeline: "p", Model: "m", To: "1", At: readAt}},
			want: `rollback of channel "" of model m (pipeline p) given twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ProductionRegistry(tc.obs, tc.canaries, tc.rollbacks)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want an error containing %q, got %v", tc.want, err)
			}
			if err := PushProduction(context.Background(), "http://127.0.0.1:1", tc.obs, tc.canaries, tc.rollbacks, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("push: want an error containing %q before any request, got %v", tc.want, err)
			}
		})
	}
}

func TestWriteProductionTextfile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctgit_production.prom")
	obs, canaries, rollbacks := productionInput()
	if err := WriteProductionTextfile(path, obs, canaries, rollbacks); err != nil {
		t.Fatal(err)
	}
	want, _ := ProductionText(productionInput())
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("textfile differs from ProductionText")
	}
}

// TestPushgatewayProduction pushes a run and then the production loop's
// metrics for the same pipeline to a real Pushgateway: neither push wipes
// the other's metrics, a watch pass without events keeps the last canary
// analysis and rollback, and a new version replaces the old one's SLIs.
func TestPushgatewayProduction(t *testing.T) {
	url := startPushgateway(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fraud := func(kv ...string) map[string]string {
		m := map[string]string{"job": "ctgit", "pipeline": "fraud", "model": "fraud-detector"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	type want struct {
		name   string
		labels map[string]string
		value  float64
		absent bool
	}
	check := func(when string, wants []want) {
		t.Helper()
		mfs := scrape(t, url)
		for _, w := range wants {
			got, ok := sample(mfs, w.name, w.labels)
			switch {
			case w.absent && ok:
				t.Errorf("%s: %s%v is present (%g), want absent", when, w.name, w.labels, got)
			case !w.absent && (!ok || got != w.value):
				t.Errorf("%s: %s%v = %g (present %v), want %g", when, w.name, w.labels, got, ok, w.value)
			}
		}
	}
	run := []want{
		{name: "ctgit_drift_distance", labels: fraud("column", "amount", "method", "wasserstein"), value: 0.231},
		{name: "ctgit_run_outcome", labels: fraud("outcome", "promoted"), value: 1},
		{name: "ctgit_trigger_to_promotion_seconds", labels: fraud(), value: 587},
	}

	if err := Push(ctx, url, loadRecord(t, "promotion"), nil); err != nil {
		t.Fatal(err)
	}
	obs, canaries, rollbacks := productionInput()
	if err := PushProduction(ctx, url, obs, canaries, rollbacks, nil); err != nil {
		t.Fatal(err)
	}
	check("after the run and the production push", append([]want{
		{name: "ctgit_sli_breached", labels: fraud("sli", "latency_p99", "version", "1.4.0", "channel", "production"), value: 1},
		{name: "ctgit_sli_nodata", labels: map[string]string{"job": "ctgit", "pipeline": "churn", "model": "churn", "sli": "error_rate"}, value: 1},
		{name: "ctgit_canary_delta", labels: fraud("sli", "latency_p99", "channel", "production"), value: 0.012},
		{name: "ctgit_rollback_info", labels: fraud("channel", "production", "from", "1.4.0", "to", "1.3.2"), value: 1},
	}, run...))

	// The rollback merged: the next watch pass reads 1.3.2, and opens
	// nothing.
	next := []SLIObservation{
		{Pipeline: "fraud", Model: "fraud-detector", SLI: "latency_p99", Version: "1.3.2", Channel: "production", Value: ptr(0.18), Status: sli.OK, At: readAt.Add(time.Hour)},
	}
	if err := PushProduction(ctx, url, next, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	check("after a watch pass without events", append([]want{
		{name: "ctgit_sli_breached", labels: fraud("sli", "latency_p99", "version", "1.3.2"), value: 0},
		{name: "ctgit_sli_value", labels: fraud("sli", "latency_p99", "version", "1.3.2"), value: 0.18},
		{name: "ctgit_sli_breached", labels: fraud("version", "1.4.0"), absent: true},
		{name: "ctgit_sli_value", labels: fraud("version", "1.4.0"), absent: true},
		{name: "ctgit_sli_read_timestamp_seconds", labels: fraud("sli", "latency_p99"), value: unix(readAt.Add(time.Hour))},
		// Another pipeline's group is not touched.
		{name: "ctgit_sli_nodata", labels: map[string]string{"pipeline": "churn"}, value: 1},
		{name: "ctgit_canary_analysis_timestamp_seconds", labels: fraud("channel", "production"), value: unix(analyzedAt)},
		{name: "ctgit_rollback_opened_timestamp_seconds", labels: fraud("channel", "production"), value: unix(rolledAt)},
	}, run...))

	// The next run replaces its own metrics and leaves production's.
	if err := Push(ctx, url, loadRecord(t, "gates_failed"), nil); err != nil {
		t.Fatal(err)
	}
	check("after the next run", []want{
		{name: "ctgit_run_outcome", labels: fraud("outcome", "gates-failed"), value: 1},
		{name: "ctgit_sli_value", labels: fraud("sli", "latency_p99", "version", "1.3.2"), value: 0.18},
		{name: "ctgit_rollback_info", labels: fraud("from", "1.4.0"), value: 1},
	})
}
