// Package pos is a position in a file the user wrote: file:line:col. The
// configuration declares positions, the plan and the run records carry them,
// and the reports point annotations at them; each reads and writes them
// through this one type.
package pos

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Pos is where something is declared: a file relative to the repository
// root, and a line and column in it (both 0 when only the file is known).
// The zero Pos is "unknown". Its text and JSON form is file:line:col (or
// file alone), the form editors and GitHub annotations read.
type Pos struct {
	File      string
	Line, Col int
}

// String returns file:line:col, or file, or "" for the zero Pos.
func (p Pos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// IsZero reports whether p is unknown.
func (p Pos) IsZero() bool { return p == Pos{} }

// Parse reads the form String writes. A string without a line and
// column is a file alone.
func Parse(s string) Pos {
	parts := strings.Split(s, ":")
	n := len(parts)
	if n < 3 {
		return Pos{File: s}
	}
	l, err1 := strconv.Atoi(parts[n-2])
	c, err2 := strconv.Atoi(parts[n-1])
	if err1 != nil || err2 != nil {
		return Pos{File: s}
	}
	return Pos{File: strings.Join(parts[:n-2], ":"), Line: l, Col: c}
}

// MarshalJSON writes p as the string String returns.
func (p Pos) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// UnmarshalJSON reads the string MarshalJSON writes.
func (p *Pos) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*p = Parse(s)
	return nil
}
