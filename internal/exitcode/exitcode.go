// Package exitcode carries ctgit's process exit codes on errors, so that the
// package that knows why something failed decides the code and cmd/ctgit only
// reads it.
//
// The codes are a contract with scripts and CI (see DESIGN.md):
//
//	0 success
//	1 the work ran and a check said no (a failed gate, drift with --fail-on-drift)
//	2 bad input or usage (invalid CUE, unreadable data, bad flags)
//	3 an infrastructure failure (engine unreachable, push rejected after retries)
package exitcode

import "errors"

// The exit codes ctgit returns.
const (
	OK    = 0
	Check = 1
	Input = 2
	Infra = 3
)

// Error attaches an exit code to an error.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ExitCode returns the code the error carries.
func (e *Error) ExitCode() int { return e.Code }

// Coder is implemented by errors that know their own exit code, such as a
// list of diagnostics (always bad input).
type Coder interface {
	error
	ExitCode() int
}

// Wrap returns err carrying code; a nil err stays nil.
func Wrap(code int, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// InputErr marks err as bad input (exit 2).
func InputErr(err error) error { return Wrap(Input, err) }

// InfraErr marks err as an infrastructure failure (exit 3).
func InfraErr(err error) error { return Wrap(Infra, err) }

// CheckErr marks err as a check that said no (exit 1).
func CheckErr(err error) error { return Wrap(Check, err) }

// Of returns the exit code for err: 0 for nil, the code of the outermost
// Coder in its chain, and Infra for anything else, because an error nobody
// classified is most often the environment failing, not the user.
func Of(err error) int {
	if err == nil {
		return OK
	}
	var c Coder
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return Infra
}
