package exec

import (
	"context"
	"errors"
	"fmt"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
)

// stepOutcome is what a step handler decided.
type stepOutcome struct {
	status record.StepStatus
	reason string
	// stop ends the pipeline after this step: the remaining steps are
	// skipped with skipReason, and the run ends with outcome.
	stop       bool
	outcome    record.Outcome
	skipReason string
	// err is returned from the run (its exit code counts).
	err error
}

// joinReason appends a verdict to a reason ("unchanged since …; 3 gates
// passed").
func joinReason(reason, verdict string) string {
	if reason == "" {
		return verdict
	}
	return reason + "; " + verdict
}

// located is an error whose message already names the CUE line at fault
// (a gate, a field), so a step failure need not add its declaration's.
type located interface {
	error
	Located() string
}

// locatedError is bad input found while a step ran, at the CUE line of the
// field it concerns.
type locatedError struct {
	pos string
	err error
}

func (e *locatedError) Error() string   { return e.pos + ": " + e.err.Error() }
func (e *locatedError) Unwrap() error   { return e.err }
func (e *locatedError) Located() string { return e.pos }

func inputFailure(s *plan.Step, err error) stepOutcome {
	where := fmt.Sprintf("%s (declared at %s)", s.ID, s.Pos)
	var l located
	if errors.As(err, &l) {
		where = s.ID // the error already names the line to look at
	}
	return stepOutcome{status: record.StepFailed, reason: err.Error(), stop: true, outcome: record.OutcomeFailed,
		skipReason: "an earlier step failed; the current model is kept", err: fault.Input(fmt.Errorf("%s: %w", where, err))}
}

// failure is a step that failed with err, whose exit code it keeps.
func failure(s *plan.Step, err error) stepOutcome {
	return stepOutcome{status: record.StepFailed, reason: err.Error(), stop: true, outcome: record.OutcomeFailed,
		skipReason: "an earlier step failed; the current model is kept", err: fault.As(fault.KindOf(err), fmt.Errorf("%s: %w", s.ID, err))}
}

func infraFailure(s *plan.Step, err error) stepOutcome {
	return stepOutcome{status: record.StepFailed, reason: err.Error(), stop: true, outcome: record.OutcomeFailed,
		skipReason: "an earlier step failed; the current model is kept", err: fault.Infra(fmt.Errorf("%s: %w", s.ID, err))}
}

func canceled(s *plan.Step) stepOutcome {
	return stepOutcome{status: record.StepCanceled, reason: "interrupted", stop: true, outcome: record.OutcomeCanceled,
		skipReason: "run interrupted", err: fault.Infra(fmt.Errorf("%s: interrupted", s.ID))}
}

func joinSemi(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "; "
		}
		out += x
	}
	return out
}

// dataFailure is the outcome of a step that could not read its data: the
// user's to fix (a missing file, parts that disagree, a pointer without
// its object), or the infrastructure's (a store that cannot be reached).
func dataFailure(ctx context.Context, s *plan.Step, err error) stepOutcome {
	switch {
	case ctx.Err() != nil:
		return canceled(s)
	case isInfra(err):
		return infraFailure(s, err)
	}
	return inputFailure(s, err)
}

// isInfra reports whether err is marked as an infrastructure failure; an
// unmarked error (a table.InputError) is not.
func isInfra(err error) bool {
	k, ok := fault.Marked(err)
	return ok && k == fault.Infrastructure
}
