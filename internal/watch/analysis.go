package watch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/report"
	"github.com/ctgit/ctgit/internal/sli"
)

// CanaryAnalysis is a channel's analysis of the version about to be
// promoted into it: Canary is that version where it serves now (the
// previous stage), Stable what the channel holds.
type CanaryAnalysis struct {
	Pipeline *config.Pipeline
	// Into is the channel promoted into; its analysis is run.
	Into string
	// CanaryChannel ("" for the model's own target) and CanaryVersion
	// are the version under test; StableVersion is Into's version now.
	CanaryChannel, CanaryVersion, StableVersion string
	Client                                      *sli.Client
	// Sleep waits between measurements (sli.Sleep when nil).
	Sleep func(context.Context, time.Duration) error
}

// Analyze runs each SLI of the channel's analysis, side by side, and
// returns their results as the pull request shows them, and whether every
// one was Successful. A result that is not — failed, inconclusive (no
// data is never a pass) or errored — blocks the promotion. Bad input (a
// query Prometheus refuses) is an error located at the SLI's query.
func Analyze(ctx context.Context, a CanaryAnalysis) ([]report.AnalysisEvidence, bool, error) {
	p := a.Pipeline
	var an *config.Analysis
	for _, c := range p.Promote.Channels {
		if c.Name == a.Into {
			an = c.Analysis
		}
	}
	if an == nil {
		return nil, true, nil
	}
	sleep := a.Sleep
	if sleep == nil {
		sleep = sli.Sleep
	}
	vars := sli.Vars{
		sli.VarModel: p.Model.Name, sli.VarVersion: a.CanaryVersion, sli.VarChannel: a.CanaryChannel,
		sli.VarStableVersion: a.StableVersion, sli.VarStableChannel: a.Into,
	}
	results := make([]sli.AnalysisResult, len(an.SLIs))
	errs := make([]error, len(an.SLIs))
	var wg sync.WaitGroup
	for i, name := range an.SLIs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = sli.Analyze(ctx, a.Client, ToSLI(p.SLIs[name]), vars, sli.Analysis{
				Count: an.Count, Interval: an.IntervalDuration, FailureLimit: an.FailureLimit, InconclusiveLimit: an.InconclusiveLimit,
			}, sleep)
		}()
	}
	wg.Wait()
	passed := true
	var out []report.AnalysisEvidence
	for i, name := range an.SLIs {
		s := p.SLIs[name]
		if err := errs[i]; err != nil && fault.KindOf(err) == fault.BadInput {
			return nil, false, fault.Input(fmt.Errorf("%s: pipelines.%s.slis.%s.query: %w", s.QueryPos, p.Name, name, err))
		}
		r := results[i]
		ev := report.AnalysisEvidence{SLI: name, Phase: string(r.Phase), Message: r.Message, Bound: Bound(s) + compareText(s), Pos: s.Pos.String()}
		if errs[i] != nil && ev.Message == "" {
			ev.Message = errs[i].Error()
		}
		for _, m := range r.Measurements {
			me := report.Measurement{Time: m.Time, Phase: string(m.Phase), Reason: m.Verdict.Reason}
			if m.Error != "" {
				me.Reason = m.Error
			}
			if len(ev.Queries) == 0 {
				ev.Queries = m.Verdict.Queries
			}
			me.Value = last(m.Verdict.Values)
			me.Stable = last(m.Verdict.Baseline)
			ev.Measurements = append(ev.Measurements, me)
		}
		passed = passed && r.Phase == sli.Successful
		out = append(out, ev)
	}
	if !passed {
		for _, err := range errs {
			if err != nil && errors.Is(err, context.Canceled) {
				return out, false, err
			}
		}
	}
	return out, passed, nil
}

func last(ps []sli.Point) *float64 {
	if len(ps) == 0 {
		return nil
	}
	v := ps[len(ps)-1].Value
	return &v
}

func compareText(s *config.SLI) string {
	c := s.Compare
	if c == nil {
		return ""
	}
	var parts []string
	if c.MinDelta != nil {
		parts = append(parts, fmt.Sprintf("canary − stable ≥ %g", *c.MinDelta))
	}
	if c.MaxDelta != nil {
		parts = append(parts, fmt.Sprintf("canary − stable ≤ %g", *c.MaxDelta))
	}
	sep := ""
	if Bound(s) != "" {
		sep = ", "
	}
	return sep + strings.Join(parts, ", ")
}
