package telemetry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
	"github.com/prometheus/common/expfmt"

	"github.com/ctgit/ctgit/internal/fsutil"
	"github.com/ctgit/ctgit/internal/sli"
)

// The metrics of the production loop after the merge: SLIs as watch and
// trigger.onSLIBreach read them, canary analyses before a channel
// promotion, and rollback pull requests.
var (
	sliValue          = metric{"ctgit_sli_value", "Value of the SLI's query at its last read, in the SLI's own unit; absent when the query returned nothing.", []string{"sli", "version", "channel"}}
	sliBreached       = metric{"ctgit_sli_breached", "1 when the SLI was out of its bounds (for all of its for window) at its last read, 0 otherwise.", []string{"sli", "version", "channel"}}
	sliNoData         = metric{"ctgit_sli_nodata", "1 when the SLI's query returned no data at its last read, 0 otherwise.", []string{"sli", "version", "channel"}}
	sliRead           = metric{"ctgit_sli_read_timestamp_seconds", "Unix time the SLI was last read.", []string{"sli"}}
	canaryDelta       = metric{"ctgit_canary_delta", "Canary minus stable value of the SLI at the last measurement of the last canary analysis before a promotion into the channel; absent without a comparison.", []string{"sli", "channel"}}
	canaryValue       = metric{"ctgit_canary_value", "Canary's value of the SLI at the last measurement of the last canary analysis before a promotion into the channel.", []string{"sli", "channel"}}
	canaryPassed      = metric{"ctgit_canary_analysis_passed", "1 when the SLI passed the last canary analysis before a promotion into the channel, 0 when it did not.", []string{"sli", "channel"}}
	canaryAnalyzed    = metric{"ctgit_canary_analysis_timestamp_seconds", "Unix time of the last canary analysis before a promotion into the channel.", []string{"channel"}}
	rollbackOpened    = metric{"ctgit_rollback_opened_timestamp_seconds", "Unix time the last rollback pull request of the channel was opened or updated.", []string{"channel"}}
	rollbackInfo      = metric{"ctgit_rollback_info", "Always 1: the versions the last rollback pull request of the channel rolls back from and to.", []string{"channel", "from", "to"}}
	productionMetrics = []metric{sliValue, sliBreached, sliNoData, sliRead, canaryDelta, canaryValue, canaryPassed, canaryAnalyzed, rollbackOpened, rollbackInfo}
	sliStatuses       = []sli.Status{sli.OK, sli.Breach, sli.Pending, sli.NoData}
)

// SLIObservation is one SLI as watch or trigger.onSLIBreach read it.
type SLIObservation struct {
	Pipeline, Model, SLI string
	// Version is the model version the channel's target held; Channel is
	// the stage watched ("" for the model's own target).
	Version, Channel string
	// Value is the latest value read, nil when the query returned none.
	Value  *float64
	Status sli.Status
	// At is when the SLI was read.
	At time.Time
}

// CanaryResult is one SLI of a canary analysis before a channel promotion.
type CanaryResult struct {
	Pipeline, Model, SLI string
	// Channel is the channel promoted into; Version the canary's version.
	Channel, Version string
	// Delta is canary − stable at the last measurement, nil without a
	// comparison; Value is the canary's value there, nil without data.
	Delta, Value *float64
	Passed       bool
	// At is when the analysis ended.
	At time.Time
}

// Rollback is a rollback pull request watch opened or updated.
type Rollback struct {
	Pipeline, Model, Channel string
	// From is the version rolled back from, To the version restored.
	From, To string
	// At is when the pull request was opened or updated.
	At time.Time
}

// production is what one pipeline's production metrics are built from.
type production struct {
	obs       []SLIObservation
	canaries  []CanaryResult
	rollbacks []Rollback
}

// byPipeline checks the inputs and splits them by pipeline. Two items
// that would set the same series are an error: one would silently win.
func byPipeline(obs []SLIObservation, canaries []CanaryResult, rollbacks []Rollback) (map[string]*production, error) {
	out := map[string]*production{}
	of := func(p string) *production {
		if out[p] == nil {
			out[p] = &production{}
		}
		return out[p]
	}
	seen := map[string]bool{}
	var errs []error
	check := func(what, pipeline, model string, at time.Time, key ...string) bool {
		k := fmt.Sprintf("%s %q", what, append([]string{pipeline, model}, key...))
		switch {
		case pipeline == "" || model == "":
			errs = append(errs, fmt.Errorf("%s: no pipeline or model", what))
		case at.IsZero():
			errs = append(errs, fmt.Errorf("%s of model %s (pipeline %s): no time", what, model, pipeline))
		case seen[k]:
			errs = append(errs, fmt.Errorf("%s of model %s (pipeline %s) given twice", what, model, pipeline))
		default:
			seen[k] = true
			return true
		}
		return false
	}
	for _, o := range obs {
		what := fmt.Sprintf("SLI %q (version %q, channel %q)", o.SLI, o.Version, o.Channel)
		if !slices.Contains(sliStatuses, o.Status) {
			errs = append(errs, fmt.Errorf("%s of model %s (pipeline %s): status %q is not one of %q", what, o.Model, o.Pipeline, o.Status, sliStatuses))
			continue
		}
		if check(what, o.Pipeline, o.Model, o.At, "sli", o.SLI, o.Version, o.Channel) {
			of(o.Pipeline).obs = append(of(o.Pipeline).obs, o)
		}
	}
	for _, c := range canaries {
		what := fmt.Sprintf("canary analysis of SLI %q into channel %q", c.SLI, c.Channel)
		if check(what, c.Pipeline, c.Model, c.At, "canary", c.SLI, c.Channel) {
			of(c.Pipeline).canaries = append(of(c.Pipeline).canaries, c)
		}
	}
	for _, r := range rollbacks {
		what := fmt.Sprintf("rollback of channel %q", r.Channel)
		if check(what, r.Pipeline, r.Model, r.At, "rollback", r.Channel) {
			of(r.Pipeline).rollbacks = append(of(r.Pipeline).rollbacks, r)
		}
	}
	return out, errors.Join(errs...)
}

// build registers one pipeline's production metrics with reg; the model
// label comes first in each metric's label values.
func (p *production) build(reg prometheus.Registerer) error {
	b := builder{reg: reg, prefix: []string{LabelModel}, vecs: map[string]*prometheus.GaugeVec{}}
	// A read time is one series for an SLI's channels, an analysis time
	// one for a channel's SLIs: keep the latest.
	readAt, analyzedAt := map[[2]string]time.Time{}, map[[2]string]time.Time{}
	later := func(m map[[2]string]time.Time, k [2]string, t time.Time) {
		if t.After(m[k]) {
			m[k] = t
		}
	}
	for _, o := range p.obs {
		l := []string{o.Model, o.SLI, o.Version, o.Channel}
		if o.Value != nil {
			b.set(sliValue, *o.Value, l...)
		}
		b.set(sliBreached, boolf(o.Status == sli.Breach), l...)
		b.set(sliNoData, boolf(o.Status == sli.NoData), l...)
		later(readAt, [2]string{o.Model, o.SLI}, o.At)
	}
	for _, c := range p.canaries {
		l := []string{c.Model, c.SLI, c.Channel}
		if c.Delta != nil {
			b.set(canaryDelta, *c.Delta, l...)
		}
		if c.Value != nil {
			b.set(canaryValue, *c.Value, l...)
		}
		b.set(canaryPassed, boolf(c.Passed), l...)
		later(analyzedAt, [2]string{c.Model, c.Channel}, c.At)
	}
	for k, at := range readAt {
		b.set(sliRead, unix(at), k[0], k[1])
	}
	for k, at := range analyzedAt {
		b.set(canaryAnalyzed, unix(at), k[0], k[1])
	}
	for _, r := range p.rollbacks {
		b.set(rollbackOpened, unix(r.At), r.Model, r.Channel)
		b.set(rollbackInfo, 1, r.Model, r.Channel, r.From, r.To)
	}
	return b.err
}

// ProductionRegistry builds the production loop's metrics into a fresh
// registry, each with pipeline and model labels. An SLI without a value
// or a canary SLI without a comparison sets no ctgit_sli_value or
// ctgit_canary_delta sample.
func ProductionRegistry(obs []SLIObservation, canaries []CanaryResult, rollbacks []Rollback) (*prometheus.Registry, error) {
	ps, err := byPipeline(obs, canaries, rollbacks)
	if err != nil {
		return nil, fmt.Errorf("production metrics: %w", err)
	}
	reg := prometheus.NewRegistry()
	for _, name := range slices.Sorted(maps.Keys(ps)) {
		if err := ps[name].build(prometheus.WrapRegistererWith(prometheus.Labels{LabelPipeline: name}, reg)); err != nil {
			return nil, fmt.Errorf("production metrics of pipeline %s: %w", name, err)
		}
	}
	return reg, nil
}

// ProductionText renders the production loop's metrics in the Prometheus
// text format.
func ProductionText(obs []SLIObservation, canaries []CanaryResult, rollbacks []Rollback) ([]byte, error) {
	reg, err := ProductionRegistry(obs, canaries, rollbacks)
	if err != nil {
		return nil, err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return nil, fmt.Errorf("gathering production metrics: %w", err)
	}
	var buf bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			return nil, fmt.Errorf("encoding %s: %w", mf.GetName(), err)
		}
	}
	return buf.Bytes(), nil
}

// WriteProductionTextfile writes the production loop's metrics to path for
// the node exporter's textfile collector, atomically. The file is the
// whole state: unlike a Pushgateway, it keeps nothing from the last write,
// so give it a name of its own (not a run's file), and write canary
// analyses and rollbacks, which are events, to a file each that only
// their event rewrites.
func WriteProductionTextfile(path string, obs []SLIObservation, canaries []CanaryResult, rollbacks []Rollback) error {
	b, err := ProductionText(obs, canaries, rollbacks)
	if err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(path, b, 0o644); err != nil {
		return fmt.Errorf("writing metrics file %s: %w", path, err)
	}
	return nil
}

// PushProduction sends the production loop's metrics to the Pushgateway at
// url with POST (Add), grouped by job "ctgit" and pipeline like Push, one
// push per pipeline. client may be nil for http.DefaultClient.
//
// A push replaces, in the pipeline's group, every series of the metric
// names it carries and leaves the others: a run's metrics, and canary
// and rollback metrics when only SLIs are pushed. So pass every SLI of a
// pipeline that was read, not some of them (the others would vanish until
// the next push), and canary results and rollbacks only when they
// happened: their timestamps then keep the time of the last event and
// changes() counts events. Pushing a rollback of one channel drops the
// last rollback of another channel of the same pipeline from the group.
//
// ctgit_sli_value is carried only by SLIs with a value: when no SLI of a
// pipeline has one, the values of the previous push stay, next to
// ctgit_sli_nodata 1; the dashboard hides them with
// `unless on(pipeline, model, sli) ctgit_sli_nodata == 1`.
func PushProduction(ctx context.Context, url string, obs []SLIObservation, canaries []CanaryResult, rollbacks []Rollback, client *http.Client) error {
	ps, err := byPipeline(obs, canaries, rollbacks)
	if err != nil {
		return fmt.Errorf("production metrics: %w", err)
	}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(ps)) {
		reg := prometheus.NewRegistry()
		if err := ps[name].build(reg); err != nil {
			errs = append(errs, fmt.Errorf("production metrics of pipeline %s: %w", name, err))
			continue
		}
		p := push.New(url, Job).Grouping(LabelPipeline, name).Gatherer(reg)
		if client != nil {
			p = p.Client(client)
		}
		if err := p.AddContext(ctx); err != nil {
			errs = append(errs, fmt.Errorf("pushing production metrics of pipeline %s to %s: %w", name, url, err))
		}
	}
	return errors.Join(errs...)
}
