package telemetry

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ctgit/ctgit/internal/drift"
	goldenfile "github.com/ctgit/ctgit/internal/golden"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ctgit/ctgit/internal/record"
)

const recordsDir = "../../cmd/ctgit/testdata/records"

func loadRecord(t *testing.T, name string) *record.Run {
	t.Helper()
	r, err := record.Read(filepath.Join(recordsDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// parse reads the text exposition format into families by name.
func parse(t *testing.T, text string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parsing metrics: %v\n%s", err, text)
	}
	return mfs
}

// sample finds the value of name whose labels include want; ok is false
// when there is none.
func sample(mfs map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	mf := mfs[name]
	if mf == nil {
		return 0, false
	}
next:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		return m.GetGauge().GetValue(), true
	}
	return 0, false
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Check(t, filepath.Join("testdata", name), got)
}

func TestTextGolden(t *testing.T) {
	for _, name := range []string{"promotion", "gates_failed", "first_promotion", "no_drift"} {
		t.Run(name, func(t *testing.T) {
			b, err := Text(loadRecord(t, name))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+".prom", b)
		})
	}
}

// TestValues checks the SLIs against the records they come from.
func TestValues(t *testing.T) {
	ts := func(s string) float64 {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return float64(tm.Unix())
	}
	base := map[string]string{"pipeline": "fraud", "model": "fraud-detector"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
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
	for _, tc := range []struct {
		record string
		wants  []want
	}{
		{"promotion", []want{
			{name: "ctgit_run_last_timestamp_seconds", labels: base, value: ts("2026-11-26T16:09:48Z")},
			{name: "ctgit_run_last_success_timestamp_seconds", labels: base, value: ts("2026-11-26T16:09:48Z")},
			{name: "ctgit_run_last_failure_timestamp_seconds", absent: true},
			{name: "ctgit_run_outcome", labels: with("outcome", "promoted"), value: 1},
			{name: "ctgit_run_outcome", labels: with("outcome", "failed"), value: 0},
			{name: "ctgit_model_promoted_timestamp_seconds", labels: base, value: ts("2026-11-19T09:30:00Z")},
			{name: "ctgit_promotion_opened_timestamp_seconds", labels: base, value: ts("2026-11-26T16:09:47Z")},
			{name: "ctgit_trigger_to_promotion_seconds", labels: base, value: 587},
			{name: "ctgit_drift_distance", labels: with("column", "amount", "method", "wasserstein"), value: 0.231},
			{name: "ctgit_drift_distance_threshold", labels: with("column", "amount", "method", "wasserstein"), value: 0.1},
			{name: "ctgit_drift_p_value", labels: with("column", "amount"), absent: true},
			{name: "ctgit_drift_p_value_threshold", labels: with("column", "channel", "method", "chisquare"), value: 0.05},
			{name: "ctgit_drift_distance", labels: with("column", "channel"), absent: true},
			{name: "ctgit_drift_adjusted_p_value", absent: true},
			{name: "ctgit_drift_column_drifted", labels: with("column", "country"), value: 1},
			{name: "ctgit_drift_column_drifted", labels: with("column", "hour"), value: 0},
			{name: "ctgit_dataset_drifted", labels: base, value: 1},
			{name: "ctgit_dataset_drifted_columns_ratio", labels: base, value: 0.4},
			{name: "ctgit_drift_detected_timestamp_seconds", labels: base, value: ts("2026-11-26T16:09:48Z")},
			{name: "ctgit_training_duration_seconds", labels: base, value: 431.7},
			{name: "ctgit_training_success_timestamp_seconds", labels: base, value: ts("2026-11-26T16:09:48Z")},
			{name: "ctgit_training_metric_score", labels: with("metric", "auc"), value: 0.871},
			{name: "ctgit_training_metric_seconds", labels: with("metric", "latency_ms"), value: 0.0032},
			{name: "ctgit_training_metric_score", labels: with("metric", "latency_ms"), absent: true},
			{name: "ctgit_gate_failed", labels: with("gate", "maxDropFromBaseline", "metric", "auc"), value: 0},
			{name: "ctgit_current_data_rows", labels: base, value: 9500},
			{name: "ctgit_label_lag_seconds", absent: true},
		}},
		{"gates_failed", []want{
			{name: "ctgit_gate_failed", labels: with("gate", "maxDropFromBaseline", "metric", "auc"), value: 1},
			{name: "ctgit_gate_failed", labels: with("gate", "max", "metric", "latency_ms"), value: 1},
			{name: "ctgit_gate_failed", labels: with("gate", "min", "metric", "auc"), value: 0},
			{name: "ctgit_run_outcome", labels: with("outcome", "gates-failed"), value: 1},
			{name: "ctgit_promotion_opened_timestamp_seconds", absent: true},
			{name: "ctgit_trigger_to_promotion_seconds", absent: true},
		}},
		{"first_promotion", []want{
			{name: "ctgit_model_promoted_timestamp_seconds", absent: true},
			{name: "ctgit_dataset_drifted", absent: true},
			{name: "ctgit_gate_failed", labels: with("gate", "maxDropFromBaseline", "metric", "auc"), value: 0},
			{name: "ctgit_trigger_to_promotion_seconds", labels: base, value: 189},
		}},
		{"no_drift", []want{
			{name: "ctgit_dataset_drifted", labels: base, value: 0},
			{name: "ctgit_drift_detected_timestamp_seconds", absent: true},
			{name: "ctgit_training_duration_seconds", absent: true},
			{name: "ctgit_training_success_timestamp_seconds", absent: true},
			{name: "ctgit_label_lag_seconds", labels: base, value: 129601},
			{name: "ctgit_labeled_rows_ratio", labels: base, value: 0.82},
			{name: "ctgit_current_data_rows", labels: base, value: 10100},
		}},
	} {
		b, err := Text(loadRecord(t, tc.record))
		if err != nil {
			t.Fatal(err)
		}
		mfs := parse(t, string(b))
		for _, w := range tc.wants {
			got, ok := sample(mfs, w.name, w.labels)
			switch {
			case w.absent && ok:
				t.Errorf("%s: %s is present (%g), want absent", tc.record, w.name, got)
			case !w.absent && !ok:
				t.Errorf("%s: no %s%v", tc.record, w.name, w.labels)
			case !w.absent && got != w.value:
				t.Errorf("%s: %s%v = %g, want %g", tc.record, w.name, w.labels, got, w.value)
			}
		}
		for name := range mfs {
			if !exported(name) {
				t.Errorf("%s: %s is not listed by Metrics()", tc.record, name)
			}
		}
	}
}

func exported(name string) bool {
	for _, m := range Metrics() {
		if m.Name == name {
			return true
		}
	}
	return false
}

// TestFailedRun checks a crashed run sets its failure time and no success
// or training time.
func TestFailedRun(t *testing.T) {
	r := loadRecord(t, "gates_failed")
	r.Outcome = record.OutcomeFailed
	r.Steps[2].Status = record.StepFailed
	b, err := Text(r)
	if err != nil {
		t.Fatal(err)
	}
	mfs := parse(t, string(b))
	for name, present := range map[string]bool{
		"ctgit_run_last_failure_timestamp_seconds": true,
		"ctgit_run_last_success_timestamp_seconds": false,
		"ctgit_training_success_timestamp_seconds": false,
	} {
		if _, ok := mfs[name]; ok != present {
			t.Errorf("%s present: %v, want %v", name, ok, present)
		}
	}
}

// TestInvalidDataIsAFailure: a run whose current data failed its checks
// is counted as a failure, not a success, as crashed and canceled runs
// are; a run that kept the model for a reason of its own (a failed gate,
// no drift, a guardrail, a refused promotion) is a success.
func TestInvalidDataIsAFailure(t *testing.T) {
	for _, tc := range []struct {
		outcome record.Outcome
		failed  bool
	}{
		{record.OutcomeInvalidData, true},
		{record.OutcomeFailed, true},
		{record.OutcomeCanceled, true},
		{record.OutcomeGatesFailed, false},
		{record.OutcomeNoDrift, false},
		{record.OutcomeHeld, false},
		{record.OutcomeRefused, false},
		{record.OutcomePromoted, false},
	} {
		t.Run(string(tc.outcome), func(t *testing.T) {
			r := loadRecord(t, "no_drift")
			r.Outcome = tc.outcome
			b, err := Text(r)
			if err != nil {
				t.Fatal(err)
			}
			mfs := parse(t, string(b))
			_, failure := sample(mfs, "ctgit_run_last_failure_timestamp_seconds", nil)
			_, success := sample(mfs, "ctgit_run_last_success_timestamp_seconds", nil)
			if failure != tc.failed || success == tc.failed {
				t.Errorf("failure timestamp set: %v, success timestamp set: %v; want failure %v", failure, success, tc.failed)
			}
			if got, ok := sample(mfs, "ctgit_run_outcome", map[string]string{"outcome": string(tc.outcome)}); !ok || got != 1 {
				t.Errorf("ctgit_run_outcome{outcome=%q} = %g (present %v), want 1", tc.outcome, got, ok)
			}
		})
	}
}

// TestTrainingMetricUnits: a training metric goes to the metric of the
// unit its key names, converted to the base unit; a key that names none
// is a score.
func TestTrainingMetricUnits(t *testing.T) {
	r := record.New("r1", "p", "m", time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	r.Training = &record.Training{DurationSeconds: 12, Metrics: map[string]any{
		"auc": 0.91, "loss": 0.3, "latencyMs": 4.0, "latency_ms": 3.2, "p99_latency_MS": 12.0, "infer_us": 250.0,
		"fit_seconds": 7.5, "warmup_minutes": 2.0, "rows": 412.0, "train_rows": 9000.0, "model_bytes": 48211.0,
		"slices": map[string]any{"US": 0.88}, "calibrated": true,
	}}
	b, err := Text(r)
	if err != nil {
		t.Fatal(err)
	}
	promtoolCheckMetrics(t, b)
	mfs := parse(t, string(b))
	for _, w := range []struct {
		name, key string
		value     float64
	}{
		{"ctgit_training_metric_score", "auc", 0.91},
		{"ctgit_training_metric_score", "loss", 0.3},
		// camelCase names no unit by the rule: a score, as reported.
		{"ctgit_training_metric_score", "latencyMs", 4},
		{"ctgit_training_metric_seconds", "latency_ms", 0.0032},
		{"ctgit_training_metric_seconds", "p99_latency_MS", 0.012},
		{"ctgit_training_metric_seconds", "infer_us", 0.00025},
		{"ctgit_training_metric_seconds", "fit_seconds", 7.5},
		{"ctgit_training_metric_seconds", "warmup_minutes", 120},
		{"ctgit_training_metric_rows", "rows", 412},
		{"ctgit_training_metric_rows", "train_rows", 9000},
		{"ctgit_training_metric_bytes", "model_bytes", 48211},
	} {
		got, ok := sample(mfs, w.name, map[string]string{"metric": w.key})
		if !ok || got != w.value {
			t.Errorf("%s{metric=%q} = %g (present %v), want %g", w.name, w.key, got, ok, w.value)
		}
	}
	series := 0
	for name, mf := range mfs {
		if strings.HasPrefix(name, "ctgit_training_metric_") {
			series += len(mf.GetMetric())
		}
	}
	if series != 11 {
		t.Errorf("%d training metric series, want 11 (one per numeric key, none for slices or booleans):\n%s", series, b)
	}
}

// TestMetricNaming holds every exported metric, this file's and those
// added since, to the conventions in the package comment.
func TestMetricNaming(t *testing.T) {
	units := []string{"_seconds", "_bytes", "_rows", "_ratio"}
	// Dimensionless by nature: 0/1 states, an info metric, scores and
	// p-values, distances, SLI values in the SLI's own unit, and money in
	// the one currency a repository declares (its currency label).
	unitless := regexp.MustCompile(`_(drifted|failed|outcome|breached|nodata|passed|info|score|p_value|p_value_threshold|distance|distance_threshold|value|delta|cost|spent|limit|remaining)$`)
	nonBase := regexp.MustCompile(`_(ms|milliseconds|us|microseconds|ns|minutes|hours|days|kb|mb|gb|kilobytes|megabytes|percent|share)(_|$)`)
	reserved := regexp.MustCompile(`_(total|count|sum|bucket|created)$`)
	for _, m := range Metrics() {
		switch {
		case !strings.HasPrefix(m.Name, "ctgit_"):
			t.Errorf("%s: no ctgit_ prefix", m.Name)
		case nonBase.MatchString(m.Name):
			t.Errorf("%s: not in a base unit (seconds, bytes, a 0–1 _ratio)", m.Name)
		case reserved.MatchString(m.Name):
			t.Errorf("%s: a suffix Prometheus keeps for counters, histograms and summaries; these are gauges", m.Name)
		case !slices.ContainsFunc(units, func(u string) bool { return strings.HasSuffix(m.Name, u) }) && !unitless.MatchString(m.Name):
			t.Errorf("%s: names no unit (%s) and is not one of the dimensionless kinds", m.Name, strings.Join(units, ", "))
		}
		if m.Type != "gauge" {
			t.Errorf("%s: type %s, want gauge (a Pushgateway keeps only the last push)", m.Name, m.Type)
		}
	}
}

func TestWriteTextfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "ctgit_fraud.prom")
	r := loadRecord(t, "promotion")
	for range 2 {
		if err := WriteTextfile(path, r); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := Text(r)
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("textfile differs from Text")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("want only the metrics file, found %d entries (temporary files left?)", len(entries))
	}
	if err := WriteTextfile(filepath.Join(path, "under-a-file.prom"), r); err == nil ||
		!strings.Contains(err.Error(), "under-a-file.prom") {
		t.Errorf("want an error naming the path, got %v", err)
	}
}

// startPushgateway runs Debian's prometheus-pushgateway on a free loopback
// port until the test ends, and returns its URL.
func startPushgateway(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("CTGIT_PUSHGATEWAY")
	if bin == "" {
		bin = "/usr/bin/prometheus-pushgateway"
	}
	if _, err := os.Stat(bin); err != nil {
		if p, lerr := exec.LookPath("pushgateway"); lerr == nil {
			bin = p
		} else {
			t.Skipf("no Pushgateway binary at %s or on PATH (apt-get install prometheus-pushgateway): %v", bin, err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "--web.listen-address="+addr, "--persistence.file=")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	url := "http://" + addr
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("pushgateway exited: %v\n%s", err, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("pushgateway at %s not ready after 15s: %v\n%s", url, err, logs.String())
		}
	}
}

func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return parse(t, string(b))
}

// TestPushgateway pushes two runs of one pipeline to a real Pushgateway and
// reads /metrics back: the second push replaces the metrics it sets and
// leaves the others (the promotion of the first run) in place.
func TestPushgateway(t *testing.T) {
	url := startPushgateway(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	labels := map[string]string{"job": "ctgit", "pipeline": "fraud", "model": "fraud-detector"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range labels {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}

	first := loadRecord(t, "promotion")
	if err := Push(ctx, url, first, nil); err != nil {
		t.Fatal(err)
	}
	mfs := scrape(t, url)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"ctgit_drift_distance", with("column", "amount", "method", "wasserstein"), 0.231},
		{"ctgit_drift_p_value", with("column", "channel", "method", "chisquare"), 0.31},
		{"ctgit_training_metric_seconds", with("metric", "latency_ms"), 0.0032},
		{"ctgit_dataset_drifted", labels, 1},
		{"ctgit_run_outcome", with("outcome", "promoted"), 1},
		{"ctgit_trigger_to_promotion_seconds", labels, 587},
		{"ctgit_gate_failed", with("gate", "max", "metric", "latency_ms"), 0},
	} {
		if got, ok := sample(mfs, c.name, c.labels); !ok || got != c.want {
			t.Errorf("after the first push: %s%v = %g (present %v), want %g", c.name, c.labels, got, ok, c.want)
		}
	}

	second := loadRecord(t, "gates_failed")
	if err := Push(ctx, url, second, nil); err != nil {
		t.Fatal(err)
	}
	mfs = scrape(t, url)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"ctgit_gate_failed", with("gate", "max", "metric", "latency_ms"), 1},
		{"ctgit_run_outcome", with("outcome", "promoted"), 0},
		{"ctgit_run_outcome", with("outcome", "gates-failed"), 1},
		// Not set by the second run: kept from the first.
		{"ctgit_trigger_to_promotion_seconds", labels, 587},
		{"ctgit_promotion_opened_timestamp_seconds", labels, float64(time.Date(2026, 11, 26, 16, 9, 47, 0, time.UTC).Unix())},
	} {
		if got, ok := sample(mfs, c.name, c.labels); !ok || got != c.want {
			t.Errorf("after the second push: %s%v = %g (present %v), want %g", c.name, c.labels, got, ok, c.want)
		}
	}

	// A later run of fraud whose data failed its checks: a failure. The
	// group keeps the success time of the run before, so the alert's
	// "failed since its last success" holds.
	invalid := loadRecord(t, "gates_failed")
	invalid.ID, invalid.Outcome = "invalid", record.OutcomeInvalidData
	invalid.StartedAt, invalid.FinishedAt = invalid.FinishedAt.Add(time.Hour), invalid.FinishedAt.Add(time.Hour+time.Second)
	invalid.Drift, invalid.Training, invalid.Gates, invalid.Promotion = nil, nil, nil, nil
	if err := Push(ctx, url, invalid, nil); err != nil {
		t.Fatal(err)
	}
	mfs = scrape(t, url)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"ctgit_run_last_failure_timestamp_seconds", labels, unix(invalid.FinishedAt)},
		{"ctgit_run_last_success_timestamp_seconds", labels, unix(second.FinishedAt)},
		{"ctgit_run_outcome", with("outcome", "invalid-data"), 1},
		{"ctgit_run_outcome", with("outcome", "gates-failed"), 0},
	} {
		if got, ok := sample(mfs, c.name, c.labels); !ok || got != c.want {
			t.Errorf("after the invalid-data push: %s%v = %g (present %v), want %g", c.name, c.labels, got, ok, c.want)
		}
	}

	other := loadRecord(t, "no_drift")
	other.Pipeline = "churn"
	if err := Push(ctx, url, other, nil); err != nil {
		t.Fatal(err)
	}
	mfs = scrape(t, url)
	if got, ok := sample(mfs, "ctgit_dataset_drifted", map[string]string{"pipeline": "churn"}); !ok || got != 0 {
		t.Errorf("churn: ctgit_dataset_drifted = %g (present %v), want 0", got, ok)
	}
	if got, ok := sample(mfs, "ctgit_dataset_drifted", labels); !ok || got != 1 {
		t.Errorf("fraud's group was changed by churn's push: ctgit_dataset_drifted = %g (present %v)", got, ok)
	}
}

func TestPushUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	err = Push(context.Background(), url, loadRecord(t, "promotion"), nil)
	var opErr *net.OpError
	if err == nil || !strings.Contains(err.Error(), url) || !errors.As(err, &opErr) {
		t.Errorf("want a connection error naming %s, got %v", url, err)
	}
}

// TestDriftScoresOfEveryMethod: with several methods, each result of a
// column is its own series, labelled by its method, in the metric of its
// kind: a p-value (with its adjusted value under a correction) or a
// distance.
func TestDriftScoresOfEveryMethod(t *testing.T) {
	ks, adjusted, psi := 0.001, 0.004, 0.3
	r := record.New("r1", "p", "m", time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	r.Drift = &drift.Report{Columns: []drift.ColumnReport{{
		Name: "amount", Method: drift.MethodKS, Score: &ks, Threshold: 0.05, Drifted: true, AdjustedScore: &adjusted,
		Results: []drift.MethodResult{
			{Method: drift.MethodKS, Score: &ks, Threshold: 0.05, Drifted: true, AdjustedScore: &adjusted},
			{Method: drift.MethodPSI, Score: &psi, Threshold: 0.2, Drifted: true},
		},
	}}}
	b, err := Text(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`ctgit_drift_p_value{column="amount",method="ks",model="m",pipeline="p"} 0.001`,
		`ctgit_drift_adjusted_p_value{column="amount",method="ks",model="m",pipeline="p"} 0.004`,
		`ctgit_drift_p_value_threshold{column="amount",method="ks",model="m",pipeline="p"} 0.05`,
		`ctgit_drift_distance{column="amount",method="psi",model="m",pipeline="p"} 0.3`,
		`ctgit_drift_distance_threshold{column="amount",method="psi",model="m",pipeline="p"} 0.2`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("exposition lacks %s:\n%s", want, b)
		}
	}
	promtoolCheckMetrics(t, b)
	for _, absent := range []string{`ctgit_drift_distance{column="amount",method="ks"`, `ctgit_drift_p_value{column="amount",method="psi"`,
		`ctgit_drift_adjusted_p_value{column="amount",method="psi"`} {
		if strings.Contains(string(b), absent) {
			t.Errorf("exposition has %s…, a result in the metric of the other kind:\n%s", absent, b)
		}
	}
}

// promtoolCheckMetrics lints an exposition with promtool's naming rules,
// when promtool is installed.
func promtoolCheckMetrics(t *testing.T, exposition []byte) {
	t.Helper()
	if _, err := exec.LookPath("promtool"); err != nil {
		t.Logf("promtool is not installed (apt-get install prometheus); not linted: %v", err)
		return
	}
	cmd := exec.Command("promtool", "check", "metrics")
	cmd.Stdin = strings.NewReader(string(exposition))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s\n%s", err, out, exposition)
	}
}
