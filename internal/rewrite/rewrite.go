// Package rewrite reads and sets one scalar field in a CUE, YAML or JSON
// file without disturbing anything else in it.
//
// A promotion changes one value (a model version, an artifact URI) in a file
// that people also edit by hand. Re-printing the whole file would reorder,
// re-indent or drop comments (Flux's setters were bitten by exactly that), so
// rewrite parses the file only to locate the value's byte span, splices the
// new value's bytes into the original source there, and re-parses the result
// to check that the field now holds the new value. Everything outside the span
// is byte-identical by construction.
//
// A field is addressed by a dotted path, "model.version" or
// "spec.predictor.model.storageUri", with "[N]" after a segment to index a
// list ("spec.containers[0].image"); a key holding dots is written in double
// quotes (metadata.annotations."ctgit.dev/version"). A path ending in ":tag"
// addresses the tag of the image reference the field holds
// ("spec.containers[0].image:tag" reads 1.4.0 in registry.example/fraud:1.4.0
// and rewrites only those bytes). The value must be a literal ctgit can
// rewrite safely: in CUE a single-line string or a number literal; in YAML a
// single-line scalar that is neither anchored nor explicitly tagged; in JSON a
// string or a number. Anything else (a missing field, a struct, a reference,
// an interpolation, a disjunction or default, a field declared twice, an
// image without a tag or pinned by a digest) is an *Error naming
// file:line:col.
package rewrite

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ctgit/ctgit/internal/fault"
)

// Format is the syntax of a file rewrite understands.
type Format int

// The formats rewrite understands.
const (
	CUE Format = iota + 1
	YAML
	JSON
)

func (f Format) String() string {
	switch f {
	case CUE:
		return "CUE"
	case YAML:
		return "YAML"
	case JSON:
		return "JSON"
	}
	return "unknown"
}

// FormatOf picks the format from filename's extension: .cue, .yaml, .yml or
// .json.
func FormatOf(filename string) (Format, error) {
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".cue":
		return CUE, nil
	case ".yaml", ".yml":
		return YAML, nil
	case ".json":
		return JSON, nil
	}
	return 0, fault.Input(fmt.Errorf("%s: cannot rewrite a field in this file: want a .cue, .yaml, .yml or .json file", filename))
}

// Kind says what kind of scalar a field holds.
type Kind int

// The kinds of scalar rewrite reads and writes.
const (
	String Kind = iota + 1
	Number
)

func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Number:
		return "number"
	}
	return "unknown"
}

// Field is the located scalar a path names.
type Field struct {
	// Value is the scalar's value, unquoted and unescaped.
	Value string
	// Kind is what the file's syntax makes of the value.
	Kind Kind
	// Line and Col are the 1-based position of the value's first byte
	// (Col counts bytes).
	Line, Col int

	// start and end delimit the value's source bytes, quotes included.
	start, end int
	// quote renders a new value in the same style as the old one.
	quote func(value string) (string, error)
}

// Error is a rewrite failure at a position in the file being rewritten.
type Error struct {
	Filename  string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.Filename, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.Filename, e.Line, e.Col, e.Msg)
}

// errorf returns an *Error at line:col marked as bad input (exit 2): a file
// ctgit cannot rewrite safely is something the user has to change.
func errorf(filename string, line, col int, format string, args ...any) error {
	return fault.Input(&Error{Filename: filename, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// Lookup finds the scalar at path in src, which was read from filename.
func Lookup(filename string, src []byte, path string) (Field, error) {
	addr, err := parsePath(path)
	if err != nil {
		return Field{}, err
	}
	f, err := FormatOf(filename)
	if err != nil {
		return Field{}, err
	}
	var fl Field
	switch f {
	case CUE:
		fl, err = lookupCUE(filename, src, path, addr.segs)
	case YAML:
		fl, err = lookupYAML(filename, src, path, addr.segs)
	case JSON:
		fl, err = lookupJSON(filename, src, path, addr.segs)
	}
	if err != nil || !addr.tag {
		return fl, err
	}
	return imageTag(filename, path, fl)
}

// Get returns the value of the scalar at path in src.
func Get(filename string, src []byte, path string) (string, error) {
	fl, err := Lookup(filename, src, path)
	return fl.Value, err
}

// Set returns src with the scalar at path set to value, and the value it
// held before. Only the value's bytes change; a new string keeps the old
// quoting style where it can represent the value and is quoted where the
// syntax requires it. When the field already holds value, out is src.
func Set(filename string, src []byte, path string, value string) (out []byte, old string, err error) {
	fl, err := Lookup(filename, src, path)
	if err != nil {
		return nil, "", err
	}
	if fl.Value == value {
		return src, fl.Value, nil
	}
	repl, err := fl.quote(value)
	if err != nil {
		return nil, fl.Value, errorf(filename, fl.Line, fl.Col, "cannot set %s to %q: %v", path, value, err)
	}
	out = make([]byte, 0, len(src)-(fl.end-fl.start)+len(repl))
	out = append(out, src[:fl.start]...)
	out = append(out, repl...)
	out = append(out, src[fl.end:]...)

	// The splice is only correct if the new text parses back to the value
	// at the same path; check rather than trust the quoting rules.
	after, err := Lookup(filename, out, path)
	if err != nil {
		return nil, fl.Value, fmt.Errorf("%s: setting %s to %q would break the file: %w", filename, path, value, err)
	}
	if after.Value != value || after.Kind != fl.Kind {
		return nil, fl.Value, fmt.Errorf("%s: setting %s to %q would read back as %s %q", filename, path, value, after.Kind, after.Value)
	}
	return out, fl.Value, nil
}

// segment is one step of a path: a key, then zero or more list indexes.
type segment struct {
	key     string
	indexes []int
}

// address is a parsed field path.
type address struct {
	segs []segment
	// tag: the path ends in ":tag", and addresses the tag of the image
	// reference the field holds.
	tag bool
}

// tagSuffix ends a path that addresses an image reference's tag.
const tagSuffix = ":tag"

func parsePath(path string) (address, error) {
	bad := func(why string) (address, error) {
		return address{}, fault.Input(fmt.Errorf("invalid field path %q: %s", path, why))
	}
	if path == "" {
		return bad("empty")
	}
	var segs []segment
	rest := path
	for {
		var s segment
		if strings.HasPrefix(rest, `"`) {
			// A quoted key holds dots: metadata.annotations."ctgit.dev/version".
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return bad("unterminated quoted key")
			}
			s.key, _ = strconv.Unquote(q)
			rest = rest[len(q):]
		} else {
			end := strings.IndexAny(rest, ".[:")
			if end < 0 {
				end = len(rest)
			}
			s.key, rest = rest[:end], rest[end:]
		}
		if s.key == "" {
			return bad("empty key")
		}
		for strings.HasPrefix(rest, "[") {
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return bad("missing ]")
			}
			digits := rest[1:end]
			n, err := strconv.Atoi(digits)
			if err != nil || n < 0 || strings.HasPrefix(digits, "+") {
				return bad(fmt.Sprintf("index %q is not a non-negative integer", digits))
			}
			s.indexes = append(s.indexes, n)
			rest = rest[end+1:]
		}
		segs = append(segs, s)
		if rest == "" || rest == tagSuffix {
			return address{segs: segs, tag: rest == tagSuffix}, nil
		}
		if rest[0] == ':' {
			return bad(fmt.Sprintf("%q after key %q: the one suffix a path may end with is %q", rest, s.key, tagSuffix))
		}
		if rest[0] != '.' {
			return bad(fmt.Sprintf("unexpected %q after key %q", rest[:1], s.key))
		}
		rest = rest[1:]
	}
}

// pathString prints segs[:n] as a path, for messages.
func pathString(segs []segment, n int) string {
	var b strings.Builder
	for i, s := range segs[:n] {
		if i > 0 {
			b.WriteByte('.')
		}
		if strings.ContainsAny(s.key, ".[]\"") {
			b.WriteString(strconv.Quote(s.key))
		} else {
			b.WriteString(s.key)
		}
		for _, ix := range s.indexes {
			fmt.Fprintf(&b, "[%d]", ix)
		}
	}
	return b.String()
}

// IsPositional reports whether err is an *Error carrying a file position.
func IsPositional(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Line > 0
}

// WholeField returns the path of the field that path rewrites: path itself,
// or without its ":tag" suffix. Two paths with the same WholeField rewrite
// the same bytes.
func WholeField(path string) string {
	if addr, err := parsePath(path); err == nil && addr.tag {
		return strings.TrimSuffix(path, tagSuffix)
	}
	return path
}
