// Package telemetry turns a run record into Prometheus metrics for the
// continuous-training SLIs (model freshness, drift, retrain results, training
// time, time to promotion, gate failures, data volume, label lag) and
// delivers them to a Pushgateway or a node-exporter textfile.
//
// Every metric is a gauge describing the latest run of a pipeline: a
// Pushgateway keeps only the last value pushed, so counters could not add
// up across runs. Timestamps of events (last run, last success, last
// failure, last drift, last promotion) are pushed only by the runs in which
// the event happened; because a push with Add replaces only the metric
// names it carries, the others keep the time of their last event, and
// PromQL's changes() over a window counts the events.
//
// Names follow Prometheus's conventions, and metrics added here (or in
// another file of this package) should too: the ctgit_ prefix; one unit
// per metric, in base units, named by the last word (_seconds, _bytes,
// _rows; _timestamp_seconds for Unix times); a value from 0 to 1 ends in
// _ratio; no _total, _count, _sum or _bucket (every metric is a gauge);
// what varies within a metric is a label, never a unit. Drift scores are
// therefore two metrics, p-values and distances, and training metrics one
// per unit their key names (see trainingValue). TestMetricNaming checks
// these rules over Metrics(), and promtool's linter over the exposition.
// Money (_cost, _spent, _limit, _remaining) is in the currency its
// currency label names: vet allows one currency per repository, so a
// repository's series never mix units.
//
// The production loop after the merge has metrics of its own, built from
// what watch and a canary analysis found rather than from a run record
// (ProductionRegistry, PushProduction): the SLIs as last read, canary
// deltas, and rollback pull requests. They share the run's Pushgateway
// group and none of its metric names, so neither push wipes the other.
package telemetry

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
	"github.com/prometheus/common/expfmt"

	"github.com/ctgit/ctgit/internal/drift"
	"github.com/ctgit/ctgit/internal/fsutil"
	"github.com/ctgit/ctgit/internal/record"
)

// Job is the Pushgateway job name; the grouping key adds the pipeline.
const Job = "ctgit"

// Label names every metric carries: pipeline and model. A push carries the
// pipeline in its grouping key, and the Pushgateway adds it to each metric.
const (
	LabelPipeline = "pipeline"
	LabelModel    = "model"
)

// metric describes one exported metric; labels are those beyond pipeline
// and model.
type metric struct {
	name, help string
	labels     []string
}

// The metrics, by name. Help strings say where the value comes from.
// Names follow Prometheus's conventions (see the package comment).
var (
	runTimestamp           = metric{"ctgit_run_last_timestamp_seconds", "Unix time the last run of the pipeline finished.", nil}
	runSuccessTimestamp    = metric{"ctgit_run_last_success_timestamp_seconds", "Unix time the last run that succeeded finished: every outcome but failed, canceled and invalid-data (a run that kept the model for a reason, such as no drift, a guardrail or a failed gate, succeeded).", nil}
	runFailureTimestamp    = metric{"ctgit_run_last_failure_timestamp_seconds", "Unix time the last run that failed finished: a step crashed or timed out (failed), the run was canceled, or the current data failed its checks (invalid-data).", nil}
	runOutcome             = metric{"ctgit_run_outcome", "1 for the outcome of the last run, 0 for every other outcome.", []string{"outcome"}}
	runDuration            = metric{"ctgit_run_duration_seconds", "Wall time of the last run.", nil}
	modelPromoted          = metric{"ctgit_model_promoted_timestamp_seconds", "Unix time the current model's version reached the promotion target (model freshness is time() minus this).", nil}
	promotionOpened        = metric{"ctgit_promotion_opened_timestamp_seconds", "Unix time the last promotion pull request was opened or updated.", nil}
	triggerToPromotion     = metric{"ctgit_trigger_to_promotion_seconds", "Time from the trigger of the last promoting run to its pull request.", nil}
	driftPValue            = metric{"ctgit_drift_p_value", "P-value of a column's test in the last drift test (ks, chisquare): drift when below its threshold (at or below for ks).", []string{"column", "method"}}
	driftAdjustedPValue    = metric{"ctgit_drift_adjusted_p_value", "P-value of a column's test after the multiple-testing correction in force, which is what was compared with the threshold.", []string{"column", "method"}}
	driftPValueThreshold   = metric{"ctgit_drift_p_value_threshold", "Threshold a column's p-value (the adjusted one under a correction) was compared with.", []string{"column", "method"}}
	driftDistance          = metric{"ctgit_drift_distance", "Distance between the reference and current distributions of a column in the last drift test (wasserstein, normed; jensenshannon; psi), dimensionless: drift when at or above its threshold.", []string{"column", "method"}}
	driftDistanceThreshold = metric{"ctgit_drift_distance_threshold", "Threshold a column's distance was compared with.", []string{"column", "method"}}
	driftColumnDrifted     = metric{"ctgit_drift_column_drifted", "1 when the column drifted in the last drift test.", []string{"column"}}
	datasetDrifted         = metric{"ctgit_dataset_drifted", "1 when the data set drifted in the last drift test.", nil}
	datasetDriftedRatio    = metric{"ctgit_dataset_drifted_columns_ratio", "Drifted columns over tested columns in the last drift test (0 to 1).", nil}
	driftDetected          = metric{"ctgit_drift_detected_timestamp_seconds", "Unix time of the last run that found the data set drifted.", nil}
	trainingDuration       = metric{"ctgit_training_duration_seconds", "Duration of the last training step.", nil}
	trainingSuccess        = metric{"ctgit_training_success_timestamp_seconds", "Unix time of the last run whose training succeeded.", nil}
	trainingMetricScore    = metric{"ctgit_training_metric_score", "A metric the last training reported whose key names no unit (auc, accuracy, loss), as reported.", []string{"metric"}}
	trainingMetricSeconds  = metric{"ctgit_training_metric_seconds", "A metric the last training reported whose key ends in a time unit (_seconds, _ms, _us, _ns, _minutes, _hours), in seconds.", []string{"metric"}}
	trainingMetricBytes    = metric{"ctgit_training_metric_bytes", "A metric the last training reported whose key ends in _bytes.", []string{"metric"}}
	trainingMetricRows     = metric{"ctgit_training_metric_rows", "A row count the last training reported: the key rows (evaluation rows scored) or a key ending in _rows.", []string{"metric"}}
	gateFailed             = metric{"ctgit_gate_failed", "1 when the gate failed in the last evaluation, 0 when it passed or was skipped.", []string{"gate", "metric"}}
	currentRows            = metric{"ctgit_current_data_rows", "Rows in the current data of the last run.", nil}
	labelLag               = metric{"ctgit_label_lag_seconds", "Time from the newest label to the start of the last run.", nil}
	labeledRatio           = metric{"ctgit_labeled_rows_ratio", "Current rows that have a label over all current rows (0 to 1).", nil}
	allMetrics             = []metric{runTimestamp, runSuccessTimestamp, runFailureTimestamp, runOutcome, runDuration, modelPromoted, promotionOpened, triggerToPromotion, driftPValue, driftAdjustedPValue, driftPValueThreshold, driftDistance, driftDistanceThreshold, driftColumnDrifted, datasetDrifted, datasetDriftedRatio, driftDetected, trainingDuration, trainingSuccess, trainingMetricScore, trainingMetricSeconds, trainingMetricBytes, trainingMetricRows, gateFailed, currentRows, labelLag, labeledRatio}
	outcomes               = record.Outcomes
	promotionOpenedState   = []record.PromotionStatus{record.PromotionOpened, record.PromotionUpdated}
)

// failedOutcomes are the outcomes of a run that did not do its job, which
// ctgit_run_last_failure_timestamp_seconds counts: a step crashed or
// timed out, the run was interrupted, or the current data failed its
// checks, so that nothing could be judged on it. Every other outcome kept
// or promoted a model for a reason the run established (no drift, a
// guardrail, a gate, a refused promotion) and counts as a success.
var failedOutcomes = []record.Outcome{record.OutcomeFailed, record.OutcomeCanceled, record.OutcomeInvalidData}

// Metric describes an exported metric for documentation and checks.
type Metric struct {
	Name string
	Type string
	Help string
	// Labels include pipeline and model.
	Labels []string
}

// Metrics lists every metric this package can export, sorted by name.
func Metrics() []Metric {
	ms := slices.Concat(allMetrics, productionMetrics, costMetrics)
	out := make([]Metric, len(ms))
	for i, m := range ms {
		out[i] = Metric{Name: m.name, Type: "gauge", Help: m.help,
			Labels: append([]string{LabelPipeline, LabelModel}, m.labels...)}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Registry builds the metrics of one run into a fresh registry, each with
// pipeline and model labels.
func Registry(r *record.Run) (*prometheus.Registry, error) {
	return registry(r, true)
}

func registry(r *record.Run, withPipeline bool) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	labels := prometheus.Labels{LabelModel: r.Model}
	if withPipeline {
		labels[LabelPipeline] = r.Pipeline
	}
	b := builder{reg: prometheus.WrapRegistererWith(labels, reg), vecs: map[string]*prometheus.GaugeVec{}}
	b.run(r)
	b.cost(r)
	if b.err != nil {
		return nil, fmt.Errorf("metrics of run %s: %w", r.ID, b.err)
	}
	return reg, nil
}

// builder registers gauges as values are set, so that a metric without a
// value is absent rather than zero.
type builder struct {
	reg prometheus.Registerer
	// prefix names labels that come before each metric's own, in the
	// label values set passes.
	prefix []string
	vecs   map[string]*prometheus.GaugeVec
	err    error
}

func (b *builder) set(m metric, v float64, labelValues ...string) {
	vec, ok := b.vecs[m.name]
	if !ok {
		vec = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: m.name, Help: m.help}, slices.Concat(b.prefix, m.labels))
		if err := b.reg.Register(vec); err != nil && b.err == nil {
			b.err = err
		}
		b.vecs[m.name] = vec
	}
	g, err := vec.GetMetricWithLabelValues(labelValues...)
	if err != nil {
		if b.err == nil {
			b.err = fmt.Errorf("%s: %w", m.name, err)
		}
		return
	}
	g.Set(v)
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func boolf(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

func (b *builder) run(r *record.Run) {
	finished := r.FinishedAt
	if finished.IsZero() {
		finished = r.StartedAt.Add(time.Duration(r.DurationSeconds * float64(time.Second)))
	}
	failed := slices.Contains(failedOutcomes, r.Outcome)
	b.set(runTimestamp, unix(finished))
	if failed {
		b.set(runFailureTimestamp, unix(finished))
	} else {
		b.set(runSuccessTimestamp, unix(finished))
	}
	for _, o := range outcomes {
		b.set(runOutcome, boolf(o == r.Outcome), string(o))
	}
	if !slices.Contains(outcomes, r.Outcome) {
		b.set(runOutcome, 1, string(r.Outcome))
	}
	b.set(runDuration, r.DurationSeconds)

	if bl := r.Baseline; bl != nil && bl.PromotedAt != nil {
		b.set(modelPromoted, unix(*bl.PromotedAt))
	}
	if p := r.Promotion; p != nil && slices.Contains(promotionOpenedState, p.Status) {
		opened := finished
		if p.OpenedAt != nil {
			opened = *p.OpenedAt
		}
		b.set(promotionOpened, unix(opened))
		trig := r.Trigger.At
		if trig.IsZero() {
			trig = r.StartedAt
		}
		b.set(triggerToPromotion, opened.Sub(trig).Seconds())
	}

	if d := r.Drift; d != nil {
		for _, c := range d.Columns {
			b.driftResult(c.Name, drift.MethodResult{Method: c.Method, Score: c.Score, Threshold: c.Threshold, AdjustedScore: c.AdjustedScore})
			// Several methods: every result, one series per method (the
			// primary's is the column's own, above).
			for _, res := range c.Results {
				if res.Method != c.Method {
					b.driftResult(c.Name, res)
				}
			}
			b.set(driftColumnDrifted, boolf(c.Drifted), c.Name)
		}
		b.set(datasetDrifted, boolf(d.Drifted))
		b.set(datasetDriftedRatio, d.DriftShare)
		if d.Drifted {
			b.set(driftDetected, unix(finished))
		}
	}

	if t := r.Training; t != nil {
		b.set(trainingDuration, t.DurationSeconds)
		trained := !failed
		for _, s := range r.Steps {
			if s.Name == "train" && s.Status != record.StepSucceeded && s.Status != record.StepCached {
				trained = false
			}
		}
		if trained {
			b.set(trainingSuccess, unix(finished))
		}
		for name, v := range t.Metrics {
			if f, ok := v.(float64); ok {
				m, value := trainingValue(name, f)
				b.set(m, value, name)
			}
		}
	}

	// Two gates of one kind on one metric (slices) count as one: failed if
	// either failed.
	type gateKey struct{ kind, metric string }
	gates := map[gateKey]bool{}
	var order []gateKey
	for _, g := range r.Gates {
		k := gateKey{g.Kind, g.Metric}
		if _, seen := gates[k]; !seen {
			order = append(order, k)
		}
		gates[k] = gates[k] || (!g.Passed && !g.Skipped)
	}
	for _, k := range order {
		b.set(gateFailed, boolf(gates[k]), k.kind, k.metric)
	}

	if r.Data.Current.Path != "" || r.Data.Current.Rows > 0 {
		b.set(currentRows, float64(r.Data.Current.Rows))
	}
	if l := r.LabelLag; l != nil {
		b.set(labeledRatio, l.LabeledShare)
		if l.LagSeconds != nil {
			b.set(labelLag, *l.LagSeconds)
		}
	}
}

// driftResult sets one method's result on a column: a p-value, with its
// adjusted value under a correction, or a distance, each with the
// threshold it was compared with.
func (b *builder) driftResult(column string, res drift.MethodResult) {
	score, threshold := driftDistance, driftDistanceThreshold
	if res.Method.PValue() {
		score, threshold = driftPValue, driftPValueThreshold
		if res.AdjustedScore != nil {
			b.set(driftAdjustedPValue, *res.AdjustedScore, column, string(res.Method))
		}
	}
	if res.Score != nil {
		b.set(score, *res.Score, column, string(res.Method))
	}
	b.set(threshold, res.Threshold, column, string(res.Method))
}

// Text renders a run's metrics in the Prometheus text format, as the
// node exporter's textfile collector reads it.
func Text(r *record.Run) ([]byte, error) {
	reg, err := Registry(r)
	if err != nil {
		return nil, err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return nil, fmt.Errorf("gathering metrics of run %s: %w", r.ID, err)
	}
	var buf bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			return nil, fmt.Errorf("encoding %s: %w", mf.GetName(), err)
		}
	}
	return buf.Bytes(), nil
}

// WriteTextfile writes a run's metrics to path for the node exporter's
// textfile collector, atomically: the collector never reads half a file.
// The name must end in .prom for the collector to read it.
func WriteTextfile(path string, r *record.Run) error {
	b, err := Text(r)
	if err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(path, b, 0o644); err != nil {
		return fmt.Errorf("writing metrics file %s: %w", path, err)
	}
	return nil
}

// Push sends a run's metrics to the Pushgateway at url with POST (Add):
// grouped by job "ctgit" and the pipeline, replacing only the metric names
// this run sets. client may be nil for http.DefaultClient.
func Push(ctx context.Context, url string, r *record.Run, client *http.Client) error {
	reg, err := registry(r, false)
	if err != nil {
		return err
	}
	p := push.New(url, Job).Grouping(LabelPipeline, r.Pipeline).Gatherer(reg)
	if client != nil {
		p = p.Client(client)
	}
	if err := p.AddContext(ctx); err != nil {
		return fmt.Errorf("pushing metrics to %s: %w", url, err)
	}
	return nil
}
