// Package watch is one pass of the production loop after the merge: for
// each deployed model with SLIs to watch, it judges them on the version its
// target holds, and decides whether to roll back. It decides; the caller
// opens the pull requests, so that every model is judged before anything
// is written.
package watch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/forge"
	"github.com/ctgit/ctgit/internal/gitops"
	"github.com/ctgit/ctgit/internal/monitor"
	"github.com/ctgit/ctgit/internal/promote"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/report"
	"github.com/ctgit/ctgit/internal/sli"
)

// Status is what watch found for a model.
type Status string

// Statuses, from the quietest. Breached is a breach ctgit acts on;
// Pinned and Held are breaches it leaves to a human.
const (
	Healthy      Status = "healthy"
	Pending      Status = "pending"
	Inconclusive Status = "inconclusive"
	Breached     Status = "breached"
	Pinned       Status = "pinned"
	Held         Status = "held"
	NoEarlier    Status = "no-earlier-version"
)

// Model is the judgement of one watched model.
type Model struct {
	Pipeline string `json:"pipeline"`
	Model    string `json:"model"`
	// Channel is the stage watched ("" for the model's own target).
	Channel string `json:"channel,omitempty"`
	// Version is the version the stage's target holds.
	Version string `json:"version"`
	Status  Status `json:"status"`
	// Reason says why, in words.
	Reason string    `json:"reason"`
	SLIs   []Verdict `json:"slis"`
	// ApprovalSeconds is how long the promotion that brought the stage's
	// last merged version waited for its merge (pull request opened to
	// merged, from the forge), and TimeToRetrainSeconds the time from the
	// trigger of the run that trained Version to that merge; nil when the
	// forge cannot tell (the local forge) or the record is not found.
	ApprovalSeconds      *float64 `json:"approvalSeconds,omitempty"`
	TimeToRetrainSeconds *float64 `json:"timeToRetrainSeconds,omitempty"`
	// RolledBackTo is the version a rollback pull request returns to,
	// once one was opened; Rollback says where.
	RolledBackTo string           `json:"rolledBackTo,omitempty"`
	Rollback     *RollbackOutcome `json:"rollback,omitempty"`
	pipeline     *config.Pipeline `json:"-"`
	evidence     []report.SLIEvidence
}

// Verdict is one SLI as judged.
type Verdict struct {
	Name   string     `json:"name"`
	Status sli.Status `json:"status"`
	Reason string     `json:"reason"`
	Query  string     `json:"query"`
	// Value is the latest value read, when there is one.
	Value *float64 `json:"value,omitempty"`
	Pos   string   `json:"pos"`
}

// RollbackOutcome is the pull request a rollback opened or updated.
type RollbackOutcome struct {
	Branch string `json:"branch"`
	Status string `json:"status"`
	URL    string `json:"url,omitempty"`
}

// Options configure a pass.
type Options struct {
	Root string
	// Rev is the revision whose history says who set each version.
	Rev    string
	Client *sli.Client
	Now    time.Time
	// Versions reads what a stage's target holds now.
	Versions monitor.Versions
	// Forge says when promotions were merged, and Records finds the run
	// that trained a version; either may be nil (no timings then).
	Forge   forge.Forge
	Records func(ctx context.Context, pipeline string) []*record.Run
}

// Judge judges the watched SLIs of each pipeline on the version its
// watched stage holds. An SLI that cannot be judged (a query Prometheus
// refuses, a server that does not answer) is an error: nothing is decided
// on part of the evidence.
func Judge(ctx context.Context, pipelines []*config.Pipeline, opt Options) ([]*Model, error) {
	var out []*Model
	for _, p := range pipelines {
		m, err := judge(ctx, p, opt)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func judge(ctx context.Context, p *config.Pipeline, opt Options) (*Model, error) {
	channel := monitor.WatchedStage(p)
	st, err := promote.StageOf(p, channel)
	if err != nil {
		return nil, err
	}
	version, err := opt.Versions(p, channel)
	if err != nil {
		return nil, err
	}
	m := &Model{Pipeline: p.Name, Model: p.Model.Name, Channel: channel, Version: version, pipeline: p}
	vars := sli.Vars{sli.VarModel: p.Model.Name, sli.VarVersion: version, sli.VarChannel: channel}
	var breached, nodata, pending []string
	for _, name := range p.Watch.SLIs {
		s := p.SLIs[name]
		v, err := sli.Check(ctx, opt.Client, ToSLI(s), vars, opt.Now)
		if err != nil {
			return nil, locate(p, s, err)
		}
		jv := Verdict{Name: name, Status: v.Status, Reason: v.Reason, Query: strings.Join(v.Queries, "\n"), Pos: s.Pos.String()}
		if n := len(v.Values); n > 0 {
			jv.Value = &v.Values[n-1].Value
		}
		m.SLIs = append(m.SLIs, jv)
		ev := report.SLIEvidence{Name: name, Query: jv.Query, Status: string(v.Status), Reason: v.Reason, Bound: Bound(s), Pos: s.Pos.String()}
		switch {
		case s.Min != nil && s.Max == nil:
			ev.Threshold = s.Min
		case s.Max != nil && s.Min == nil:
			ev.Threshold = s.Max
		}
		for _, pt := range v.Values {
			ev.Values = append(ev.Values, report.Sample{Time: pt.Time, Value: pt.Value})
		}
		m.evidence = append(m.evidence, ev)
		switch v.Status {
		case sli.Breach:
			breached = append(breached, name)
		case sli.NoData:
			nodata = append(nodata, name)
		case sli.Pending:
			pending = append(pending, name)
		}
	}
	// Who set the version decides whether ctgit may undo it; a history
	// that cannot be read matters only then.
	hist, herr := gitops.History(opt.Root, opt.Rev, st.Target.File, st.Target.Path)
	var cur gitops.Version
	if herr == nil {
		cur = hist[0]
		timings(ctx, m, p, st.Branch, cur, opt)
	}
	switch {
	case len(breached) > 0 && herr != nil:
		return nil, herr
	case len(breached) > 0:
		m.Status = Breached
		m.Reason = fmt.Sprintf("%s breached on %s", strings.Join(breached, ", "), version)
		switch {
		case len(cur.Trailers[gitops.TrailerRollback]) > 0:
			m.Status = Held
			m.Reason += fmt.Sprintf("; but %s was itself restored by a rollback (commit %s): watch does not roll back further, a human decides", version, gitops.ShortCommit(cur.Commit))
		case len(cur.Trailers[gitops.TrailerPipeline]) == 0:
			m.Status = Pinned
			m.Reason += fmt.Sprintf("; but %s was set by hand (commit %s, %s), not by a ctgit promotion: watch never rolls back past a version a human pinned", version, gitops.ShortCommit(cur.Commit), cur.Author)
		case len(hist) < 2:
			m.Status = NoEarlier
			m.Reason += fmt.Sprintf("; but %s holds no earlier version in the history of %s (a shallow clone shows less: fetch-depth: 0)", st.Target.File, opt.Rev)
		default:
			m.RolledBackTo = hist[1].Value
		}
	case len(nodata) > 0:
		m.Status = Inconclusive
		m.Reason = fmt.Sprintf("no data for %s on %s: the rollback this watch promises cannot be decided; check the query and that the model's series are scraped", strings.Join(nodata, ", "), version)
	case len(pending) > 0:
		m.Status = Pending
		m.Reason = fmt.Sprintf("%s breaching on %s, but not yet for its whole for window", strings.Join(pending, ", "), version)
	default:
		m.Status = Healthy
		m.Reason = fmt.Sprintf("every watched SLI holds on %s", version)
	}
	return m, nil
}

// Rollback opens (or updates) the rollback pull request of a breached
// model, with the evidence.
func Rollback(ctx context.Context, pr *promote.Promoter, m *Model) error {
	if m.Status != Breached {
		return nil
	}
	out, err := pr.Rollback(ctx, promote.RollbackRequest{
		Pipeline: m.pipeline, Channel: m.Channel, To: m.RolledBackTo,
		Reason: m.Reason, RequestedBy: "ctgit watch", Evidence: m.evidence,
	})
	if err != nil {
		return err
	}
	m.Rollback = &RollbackOutcome{Branch: out.Promotion.Branch, Status: string(out.Promotion.Status), URL: out.Promotion.URL}
	return nil
}

// ToSLI is the sli package's form of a declared SLI.
func ToSLI(s *config.SLI) sli.SLI {
	out := sli.SLI{Name: s.Name, Query: s.Query, Min: s.Min, Max: s.Max, For: s.ForDuration}
	if c := s.Compare; c != nil {
		out.Compare = &sli.Compare{MinDelta: c.MinDelta, MaxDelta: c.MaxDelta}
	}
	return out
}

// Bound is an SLI's bound in words.
func Bound(s *config.SLI) string {
	var parts []string
	if s.Min != nil {
		parts = append(parts, fmt.Sprintf("min %g", *s.Min))
	}
	if s.Max != nil {
		parts = append(parts, fmt.Sprintf("max %g", *s.Max))
	}
	if s.For != "" {
		parts = append(parts, "for "+s.For)
	}
	return strings.Join(parts, ", ")
}

// Read reads the SLIs of trigger.onSLIBreach of p on the version its
// watched stage holds, for a run's record.
func Read(ctx context.Context, p *config.Pipeline, opt Options) ([]record.SLIReading, error) {
	channel := monitor.WatchedStage(p)
	version, err := opt.Versions(p, channel)
	if err != nil {
		return nil, err
	}
	vars := sli.Vars{sli.VarModel: p.Model.Name, sli.VarVersion: version, sli.VarChannel: channel}
	var out []record.SLIReading
	for _, name := range p.Trigger.OnSLIBreach {
		s := p.SLIs[name]
		v, err := sli.Check(ctx, opt.Client, ToSLI(s), vars, opt.Now)
		if err != nil {
			return nil, locate(p, s, err)
		}
		rd := record.SLIReading{Name: name, Version: version, Status: string(v.Status), Reason: v.Reason, Query: strings.Join(v.Queries, "\n")}
		if n := len(v.Values); n > 0 {
			rd.Value = &v.Values[n-1].Value
		}
		out = append(out, rd)
	}
	return out, nil
}

// locate places a query's bad input at the SLI's query; other errors
// (Prometheus unreachable) keep their kind.
func locate(p *config.Pipeline, s *config.SLI, err error) error {
	var qe *sli.QueryError
	var te *sli.TemplateError
	if errors.As(err, &qe) || errors.As(err, &te) || errors.Is(err, sli.ErrSeveralSeries) {
		return fault.Input(fmt.Errorf("%s: pipelines.%s.slis.%s.query: %w", s.QueryPos, p.Name, s.Name, err))
	}
	return fmt.Errorf("reading SLI %s of %s: %w", s.Name, p.Model.Name, err)
}

// timings fills in the approval time and the time to retrain of the
// stage's version, where the forge and the records can tell.
func timings(ctx context.Context, m *Model, p *config.Pipeline, branch string, cur gitops.Version, opt Options) {
	if opt.Forge == nil {
		return
	}
	merged, err := opt.Forge.LastMerged(ctx, branch)
	if err != nil || merged == nil {
		return
	}
	approval := merged.Merged.Sub(merged.Opened).Seconds()
	m.ApprovalSeconds = &approval
	runs := cur.Trailers[gitops.TrailerRun]
	if len(runs) == 0 || opt.Records == nil {
		return
	}
	for _, r := range opt.Records(ctx, p.Name) {
		if r != nil && r.ID == runs[0] && !r.Trigger.At.IsZero() {
			d := merged.Merged.Sub(r.Trigger.At).Seconds()
			m.TimeToRetrainSeconds = &d
		}
	}
}
