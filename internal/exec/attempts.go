package exec

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
)

// attemptFailure words a container step's final failure: failed takes
// the number of attempts made.
type attemptFailure struct {
	failed     string
	skipReason string
}

// attempts runs a container step through the executor: each attempt in a
// fresh scratch directory and an emptied output directory, ended at the
// step's timeout, retried with backoff while a retry can help. field is
// the step's place in the pipeline ("train", "steps.features"), for
// messages. It returns the last attempt's result, or the step's outcome
// when every attempt failed.
func (r *pipelineRun) attempts(ctx context.Context, s *plan.Step, rs *record.Step, req StepRequest, field string, words attemptFailure) (*StepResult, *stepOutcome) {
	c := req.Container
	secretValues := slices.Collect(maps.Values(req.Secrets))
	fail := func(o stepOutcome) (*StepResult, *stepOutcome) { return nil, &o }
	n := 1 + c.Retries
	for a := 1; a <= n; a++ {
		rs.Attempts = a
		if err := resetDir(req.OutputDir); err != nil {
			return fail(infraFailure(s, err))
		}
		work, err := r.opt.Cache.TempDir("step-work-")
		if err != nil {
			return fail(infraFailure(s, err))
		}
		actx, cancel := context.WithTimeout(ctx, c.TimeoutDuration)
		req.Attempt, req.WorkDir = a, work
		began := time.Now()
		res, err := r.opt.Executor.Run(actx, req)
		measureAttempt(rs, r.opt.Executor, c, time.Since(began), res, err)
		timedOut := errors.Is(actx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
		cancel()
		if f, ok := req.Log.(interface{ Flush() }); ok {
			f.Flush()
		}
		os.RemoveAll(work)
		if err == nil {
			return res, nil
		}
		if ctx.Err() != nil {
			return fail(canceled(s))
		}
		var se *StepError
		if !errors.As(err, &se) {
			se = &StepError{ExitCode: -1, Retryable: true, Err: err}
		}
		code := se.ExitCode
		if code >= 0 {
			rs.ExitCode = &code
		}
		rs.Stderr = maskSecrets(se.Stderr, secretValues)
		msg := err.Error()
		if timedOut {
			msg = fmt.Sprintf("attempt %d timed out after %s (%s.timeout)", a, c.Timeout, field)
		}
		if !se.Retryable || a == n {
			failure := stepOutcome{status: record.StepFailed, stop: true, outcome: record.OutcomeFailed, skipReason: words.skipReason}
			failure.reason = msg + "; " + fmt.Sprintf(words.failed, a)
			switch {
			case se.Infra:
				failure.err = fault.Infra(fmt.Errorf("%s: %s", s.ID, msg))
			case !se.Retryable:
				failure.err = fault.Input(fmt.Errorf("%s (declared at %s): %s", s.ID, s.Pos, msg))
			default:
				failure.err = fault.Check(fmt.Errorf("%s (declared at %s): %s", s.ID, s.Pos, msg))
			}
			return fail(failure)
		}
		wait := r.backoff(a)
		r.emit(Event{Kind: EventNote, Step: string(s.Name), Message: fmt.Sprintf("%s; retrying in %s (attempt %d of %d)", msg, wait, a+1, n)})
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fail(canceled(s))
		}
	}
	panic("unreachable: the last attempt returns")
}
