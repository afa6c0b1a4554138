// Package fault classifies ctgit's errors by what went wrong: bad input, a
// check that said no, or an infrastructure failure. The package that knows
// why something failed says which; cmd/ctgit alone turns the class into a
// process exit code, so no other package knows the codes.
package fault

import "errors"

// Kind is the class of a failure.
type Kind int

// The kinds, from harmless to most severe when runs are combined.
const (
	// None is no failure at all.
	None Kind = iota
	// CheckFailed: the work ran and a check said no (a data check, a gate,
	// a refused promotion, drift with --fail-on-drift, a failed training).
	CheckFailed
	// BadInput: invalid configuration, data or usage, found before any
	// step it would spoil.
	BadInput
	// Infrastructure: the environment failed (engine, registry, bucket,
	// forge, git remote), or the run was interrupted.
	Infrastructure
)

func (k Kind) String() string {
	switch k {
	case None:
		return "none"
	case CheckFailed:
		return "check failed"
	case BadInput:
		return "bad input"
	case Infrastructure:
		return "infrastructure"
	}
	return "unknown"
}

// Error attaches a kind to an error.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Fault returns the kind the error carries.
func (e *Error) Fault() Kind { return e.Kind }

// Classified is implemented by errors that know their own kind, such as a
// list of diagnostics (always bad input).
type Classified interface {
	error
	Fault() Kind
}

// As returns err carrying kind; a nil err stays nil.
func As(kind Kind, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: kind, Err: err}
}

// Input marks err as bad input.
func Input(err error) error { return As(BadInput, err) }

// Infra marks err as an infrastructure failure.
func Infra(err error) error { return As(Infrastructure, err) }

// Check marks err as a check that said no.
func Check(err error) error { return As(CheckFailed, err) }

// Marked returns the kind of the outermost Classified error in err's
// chain; ok is false when nothing in it was classified.
func Marked(err error) (k Kind, ok bool) {
	var c Classified
	if errors.As(err, &c) {
		return c.Fault(), true
	}
	return None, false
}

// KindOf returns the kind of err: None for nil, the kind of the outermost
// Classified error in its chain, and Infrastructure for anything else,
// because an error nobody classified is most often the environment failing,
// not the user.
func KindOf(err error) Kind {
	if err == nil {
		return None
	}
	if k, ok := Marked(err); ok {
		return k
	}
	return Infrastructure
}
