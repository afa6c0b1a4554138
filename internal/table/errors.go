package table

import "fmt"

// InputError is bad input, located as precisely as is known: the file, the
// line (0 when unknown or not line-based) and the column (empty when the
// whole file is concerned).
type InputError struct {
	File   string
	Line   int
	Column string
	Err    error
}

func (e *InputError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
	}
	if e.Column != "" {
		return fmt.Sprintf("%s: column %q: %v", loc, e.Column, e.Err)
	}
	return fmt.Sprintf("%s: %v", loc, e.Err)
}

func (e *InputError) Unwrap() error { return e.Err }
