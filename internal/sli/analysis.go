package sli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ctgit/ctgit/internal/fault"
)

// Analysis is how a canary is measured before its channel is promoted, as
// in Argo Rollouts' AnalysisTemplate metrics (see the package doc for
// where it differs).
type Analysis struct {
	// Count is how many measurements with a result (successful, failed or
	// inconclusive) to take; at least 1. Errored measurements do not
	// count, as in Argo.
	Count int
	// Interval is the wait between measurements; the first is taken at
	// once and none is waited for after the last.
	Interval time.Duration
	// FailureLimit is how many failed measurements are tolerated: the
	// analysis fails at FailureLimit+1 (0, the default, fails at the
	// first).
	FailureLimit int
	// InconclusiveLimit is how many measurements without data are
	// tolerated: the analysis is inconclusive at InconclusiveLimit+1.
	InconclusiveLimit int
	// ConsecutiveErrorLimit is how many errors in a row (an unavailable
	// server) are tolerated; 4 when nil, as in Argo.
	ConsecutiveErrorLimit *int
	// Now is the clock that times measurements; time.Now when nil. A test
	// that injects its sleep moves it.
	Now func() time.Time
}

// DefaultConsecutiveErrorLimit is Argo Rollouts' default.
const DefaultConsecutiveErrorLimit = 4

// Phase is the state of an analysis or of one measurement.
type Phase string

// The phases. Only Successful lets a promotion through.
const (
	Successful   Phase = "Successful"
	Failed       Phase = "Failed"
	Inconclusive Phase = "Inconclusive"
	Error        Phase = "Error"
)

// Measurement is one evaluation of the SLI during an analysis.
type Measurement struct {
	// Time is when it was taken.
	Time time.Time
	// Phase: Successful (within bounds), Failed (breach), Inconclusive
	// (no data) or Error.
	Phase Phase
	// Verdict is the check behind it, with the value and reason; empty
	// for an Error.
	Verdict Verdict
	// Error says what went wrong, for an Error.
	Error string
}

// AnalysisResult is a finished analysis.
type AnalysisResult struct {
	// SLI is the SLI's name.
	SLI string
	// Phase is the outcome; only Successful is a pass.
	Phase Phase
	// Measurements are in the order taken.
	Measurements []Measurement
	// Successful, Failed, Inconclusive and Errors count the measurements
	// by phase.
	Successful, Failed, Inconclusive, Errors int
	// Message says why it ended, in Argo's words where they exist:
	// "failed (1) > failureLimit (0)".
	Message string
}

// Sleep waits d or until ctx is done: Analyze's sleep in production.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Analyze measures s a.Count times, a.Interval apart (waiting with sleep),
// each measurement an instant Check (s.For is not used: the analysis'
// span is its own window). It ends early as soon as a limit is passed.
// The error is non-nil exactly when the phase is Error: bad input (a
// template, a refused query, several series: stopped at once, since
// asking again cannot help), too many unavailable answers in a row, or ctx
// done.
func Analyze(ctx context.Context, c *Client, s SLI, vars Vars, a Analysis, sleep func(context.Context, time.Duration) error) (AnalysisResult, error) {
	r := AnalysisResult{SLI: s.Name}
	if a.Count < 1 || a.Interval < 0 || a.FailureLimit < 0 || a.InconclusiveLimit < 0 {
		return r.stop(fault.Input(fmt.Errorf("analysis of %s: count %d must be at least 1, and interval and limits not negative", s.Name, a.Count)))
	}
	errorLimit := DefaultConsecutiveErrorLimit
	if a.ConsecutiveErrorLimit != nil {
		errorLimit = *a.ConsecutiveErrorLimit
	}
	now := a.Now
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = Sleep
	}
	instant := s
	instant.For, instant.Step = 0, 0
	if err := instant.Validate(); err != nil {
		return r.stop(err)
	}
	consecutive := 0
	for first := true; ; first = false {
		if !first {
			if err := sleep(ctx, a.Interval); err != nil {
				return r.stop(fault.Infra(fmt.Errorf("analysis of %s interrupted: %w", s.Name, err)))
			}
		}
		at := now()
		v, err := Check(ctx, c, instant, vars, at)
		var unavailable *UnavailableError
		switch {
		case err != nil && ctx.Err() != nil:
			return r.stop(fault.Infra(fmt.Errorf("analysis of %s interrupted: %w", s.Name, ctx.Err())))
		case errors.As(err, &unavailable):
			r.Errors++
			consecutive++
			r.Measurements = append(r.Measurements, Measurement{Time: at, Phase: Error, Error: err.Error()})
			if consecutive > errorLimit {
				r.Message = fmt.Sprintf("consecutiveErrors (%d) > consecutiveErrorLimit (%d)", consecutive, errorLimit)
				return r.stop(fault.Infra(fmt.Errorf("analysis of %s: %s: %w", s.Name, r.Message, err)))
			}
			continue
		case err != nil:
			r.Errors++
			r.Measurements = append(r.Measurements, Measurement{Time: at, Phase: Error, Error: err.Error()})
			return r.stop(err)
		}
		consecutive = 0
		m := Measurement{Time: at, Verdict: v}
		switch v.Status {
		case Breach:
			m.Phase = Failed
			r.Failed++
		case NoData:
			m.Phase = Inconclusive
			r.Inconclusive++
		default:
			m.Phase = Successful
			r.Successful++
		}
		r.Measurements = append(r.Measurements, m)
		switch {
		case r.Failed > a.FailureLimit:
			r.Phase = Failed
			r.Message = fmt.Sprintf("failed (%d) > failureLimit (%d): %s", r.Failed, a.FailureLimit, v.Reason)
			return r, nil
		case r.Inconclusive > a.InconclusiveLimit:
			r.Phase = Inconclusive
			r.Message = fmt.Sprintf("inconclusive (%d) > inconclusiveLimit (%d): %s", r.Inconclusive, a.InconclusiveLimit, v.Reason)
			return r, nil
		case r.Successful+r.Failed+r.Inconclusive >= a.Count && r.Successful == 0:
			// Argo would pass here; a pass needs one measurement in bounds.
			r.Phase = Inconclusive
			if r.Failed > 0 {
				r.Phase = Failed
			}
			r.Message = fmt.Sprintf("count (%d) reached without a successful measurement: %d failed, %d inconclusive", a.Count, r.Failed, r.Inconclusive)
			return r, nil
		case r.Successful+r.Failed+r.Inconclusive >= a.Count:
			r.Phase = Successful
			r.Message = fmt.Sprintf("count (%d) reached: %d successful, %d failed, %d inconclusive", a.Count, r.Successful, r.Failed, r.Inconclusive)
			return r, nil
		}
	}
}

// stop ends an analysis in Error with err.
func (r AnalysisResult) stop(err error) (AnalysisResult, error) {
	r.Phase = Error
	if r.Message == "" {
		r.Message = err.Error()
	}
	return r, err
}
