package config

import (
	stderrors "errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/ctgit/ctgit/internal/fault"
)

// Diagnostic is one problem found in the pipelines, located in a file of the
// repository.
type Diagnostic struct {
	// File is relative to the repository root ("" when the problem has no
	// place, such as an empty pipelines directory).
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	// Path is the CUE path of the value concerned, e.g.
	// "pipelines.fraud.train.timeout".
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// Position returns file:line:col, or file, or "".
func (d Diagnostic) Position() string { return d.Pos().String() }

// Pos returns where the diagnostic is.
func (d Diagnostic) Pos() Pos { return Pos{File: d.File, Line: d.Line, Col: d.Column} }

func (d Diagnostic) String() string {
	var b strings.Builder
	if p := d.Position(); p != "" {
		b.WriteString(p)
		b.WriteString(": ")
	}
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	return b.String()
}

// Diagnostics is a list of problems; as an error it is bad input (exit 2).
type Diagnostics []Diagnostic

func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Fault makes Diagnostics bad input.
func (ds Diagnostics) Fault() fault.Kind { return fault.BadInput }

// sortAndDedupe orders diagnostics by file, line and column, and drops
// exact repeats (CUE reports a conflict once per conjunct).
func (ds Diagnostics) sortAndDedupe() Diagnostics {
	ds = ds.dropDisjunctionNoise()
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Message < b.Message
	})
	// A value that matches no branch of a disjunction (a number where a
	// location or {from, window} goes) conflicts with each branch: the
	// first conflict says enough.
	conflict := func(d Diagnostic) bool { return strings.HasPrefix(d.Message, "conflicting values") }
	out := ds[:0]
	for i, d := range ds {
		if i > 0 && (d == ds[i-1] || conflict(d) && conflict(ds[i-1]) && d.File == ds[i-1].File && d.Path == ds[i-1].Path &&
			d.Line == ds[i-1].Line && d.Column == ds[i-1].Column) {
			continue
		}
		out = append(out, d)
	}
	return out
}

// dropDisjunctionNoise removes the by-products of CUE's defaults: a value
// that breaks a bound on a field with a default (`*0 | int & >=0`) is
// reported as "N errors in empty disjunction", as a conflict with the
// default, and as the broken bound. Only the last says what is wrong.
func (ds Diagnostics) dropDisjunctionNoise() Diagnostics {
	type at struct {
		file, path string
		line, col  int
	}
	conflict := func(d Diagnostic) bool { return strings.HasPrefix(d.Message, "conflicting values") }
	noise := func(d Diagnostic) bool { return strings.Contains(d.Message, "errors in empty disjunction") }
	explained := map[at]bool{}
	for _, d := range ds {
		if !conflict(d) && !noise(d) {
			explained[at{d.File, d.Path, d.Line, d.Column}] = true
		}
	}
	out := ds[:0]
	for _, d := range ds {
		if noise(d) || conflict(d) && explained[at{d.File, d.Path, d.Line, d.Column}] {
			continue
		}
		out = append(out, d)
	}
	return out
}

// positioner turns CUE positions into repository-relative ones, and
// locates by path what CUE reports without a position.
type positioner struct {
	root   string
	fields fieldPositions
}

func (p positioner) rel(filename string) string {
	if filename == "" {
		return ""
	}
	if filepath.IsAbs(filename) {
		if r, err := filepath.Rel(p.root, filename); err == nil {
			filename = r
		}
	}
	return filepath.ToSlash(filename)
}

// pos makes a CUE position repository-relative; the zero Pos when invalid.
func (p positioner) pos(tp token.Pos) Pos {
	if !tp.IsValid() || tp.Filename() == "" {
		return Pos{}
	}
	return Pos{File: p.rel(tp.Filename()), Line: tp.Line(), Col: tp.Column()}
}

// diag makes a Diagnostic at a CUE position.
func (p positioner) diag(tp token.Pos, path, format string, args ...any) Diagnostic {
	d := Diagnostic{Path: path, Message: fmt.Sprintf(format, args...)}
	if tp.IsValid() {
		d.File = p.rel(tp.Filename())
		d.Line = tp.Line()
		d.Column = tp.Column()
	}
	return d
}

// diagAt makes a Diagnostic at pos.
func diagAt(pos Pos, path, format string, args ...any) Diagnostic {
	return Diagnostic{File: pos.File, Line: pos.Line, Column: pos.Col, Path: path, Message: fmt.Sprintf(format, args...)}
}

// fromCUE converts a CUE error (possibly a list) into diagnostics, located
// at the user's files rather than at the schema where both are known.
func (p positioner) fromCUE(err error) Diagnostics {
	var ds Diagnostics
	for _, e := range errors.Errors(err) {
		d := Diagnostic{
			Path:    strings.Join(e.Path(), "."),
			Message: message(e),
		}
		if tp := p.userPos(e); tp.IsValid() && tp.Filename() != "" && !isSchemaFile(tp.Filename()) {
			d.File = p.rel(tp.Filename())
			d.Line, d.Column = tp.Line(), tp.Column()
		} else if pos := p.fields.at(cuePathKey(e.Path())...); !pos.IsZero() {
			// An incomplete value (`name: string`) has no position of its
			// own, and a pattern's constraint (a pipeline's name, from its
			// key) has only the schema's: locate it at the field the user
			// declared.
			d.File, d.Line, d.Column = pos.File, pos.Line, pos.Col
		} else if tp.IsValid() {
			d.File = p.rel(tp.Filename())
			d.Line, d.Column = tp.Line(), tp.Column()
		}
		ds = append(ds, d)
	}
	return ds
}

// message renders a CUE error with the causes it wraps: "import failed"
// alone names neither the import nor why. An import is named from the
// source at the error's position.
func message(e errors.Error) string {
	format, args := e.Msg()
	msg := fmt.Sprintf(format, args...)
	if msg == "" || strings.Contains(msg, "%!") {
		msg = e.Error()
	}
	if format == "import failed" {
		if path := importAt(e.Position()); path != "" {
			msg = fmt.Sprintf("import %s failed", path)
		}
	}
	for w := stderrors.Unwrap(e); w != nil; w = stderrors.Unwrap(w) {
		cause := w.Error()
		if ce, ok := w.(errors.Error); ok {
			f, a := ce.Msg()
			cause = fmt.Sprintf(f, a...)
		}
		if cause != "" && !strings.Contains(msg, cause) {
			msg += ": " + cause
		}
	}
	return msg
}

// importAt reads the quoted import path at tp in its file, or "".
func importAt(tp token.Pos) string {
	if !tp.IsValid() || tp.Filename() == "" {
		return ""
	}
	src, err := os.ReadFile(tp.Filename())
	if err != nil {
		return ""
	}
	lines := strings.Split(string(src), "\n")
	if tp.Line() < 1 || tp.Line() > len(lines) || tp.Column() < 1 || tp.Column() > len(lines[tp.Line()-1]) {
		return ""
	}
	q, err := strconv.QuotedPrefix(lines[tp.Line()-1][tp.Column()-1:])
	if err != nil {
		return ""
	}
	return q
}

// userPos picks the most useful position of a CUE error: the first one in a
// user's file, else the error's own position.
func (p positioner) userPos(e errors.Error) token.Pos {
	cands := append([]token.Pos{e.Position()}, e.InputPositions()...)
	for _, tp := range cands {
		if tp.IsValid() && tp.Filename() != "" && !isSchemaFile(tp.Filename()) {
			return tp
		}
	}
	return e.Position()
}
