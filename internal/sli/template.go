package sli

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/ctgit/ctgit/internal/fault"
)

// Vars are the values of a query's template variables, by name.
type Vars map[string]string

// The template variables a query may name, as {{model}}.
const (
	// VarModel is the model's name.
	VarModel = "model"
	// VarVersion is the version under judgement (the canary's, in a
	// comparison).
	VarVersion = "version"
	// VarChannel is the channel it serves in ("canary", "staging").
	VarChannel = "channel"
	// VarStableVersion is the version it is compared with.
	VarStableVersion = "stable_version"
	// VarStableChannel is the channel that version serves in ("stable",
	// "prod").
	VarStableChannel = "stable_channel"
)

// Known lists the template variables, in the order the docs name them.
var Known = []string{VarModel, VarVersion, VarChannel, VarStableVersion, VarStableChannel}

// Var is one template variable where a query names it.
type Var struct {
	// Name is the variable's name ("model").
	Name string
	// Offset is the byte offset of its "{{" in the query, so that a caller
	// holding the query's position (a CUE string) can point at it.
	Offset int
}

// TemplateError is a template variable a query cannot use: unknown, with
// no value, or with a value that cannot stand where it is. It is bad
// input.
type TemplateError struct {
	// Var is the variable, with its offset in the query.
	Var
	// Problem says what is wrong, in words.
	Problem string
}

func (e *TemplateError) Error() string {
	return fmt.Sprintf("{{%s}} at offset %d: %s", e.Name, e.Offset, e.Problem)
}

// Fault says a template error is bad input.
func (e *TemplateError) Fault() fault.Kind { return fault.BadInput }

var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_.\-]*)\s*\}\}`)

// Variables returns the variables q names, in order, each time it names
// them.
func Variables(q string) []Var {
	var out []Var
	for _, m := range placeholder.FindAllStringSubmatchIndex(q, -1) {
		out = append(out, Var{Name: q[m[2]:m[3]], Offset: m[0]})
	}
	return out
}

// Validate returns a *TemplateError for the first variable of q that is
// not Known, for a check before any value is at hand.
func Validate(q string) error {
	for _, v := range Variables(q) {
		if !known(v.Name) {
			return &TemplateError{Var: v, Problem: unknownProblem()}
		}
	}
	return nil
}

func known(name string) bool {
	for _, k := range Known {
		if k == name {
			return true
		}
	}
	return false
}

func unknownProblem() string {
	return "unknown variable; the variables are {{" + strings.Join(Known, "}}, {{") + "}}"
}

var identifier = regexp.MustCompile(`^[A-Za-z_:][A-Za-z0-9_:]*$`)

// Render replaces q's variables with their values from vars. A value
// inside a PromQL string literal is escaped for that literal ("…", '…');
// one in a raw string (`…`) may not hold a backquote; one outside any
// string must be a PromQL identifier. Values are not escaped for regular
// expressions: in a =~ matcher "1.2.0" matches "1x2y0" too. An unknown
// variable, or a known one missing from vars, is a *TemplateError.
func Render(q string, vars Vars) (string, error) {
	var b strings.Builder
	last := 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(q, -1) {
		v := Var{Name: q[m[2]:m[3]], Offset: m[0]}
		if !known(v.Name) {
			return "", &TemplateError{Var: v, Problem: unknownProblem()}
		}
		value, ok := vars[v.Name]
		if !ok {
			return "", &TemplateError{Var: v, Problem: "no value for it here"}
		}
		quote := quoteAt(q, m[0])
		text, problem := escape(value, quote)
		if problem != "" {
			return "", &TemplateError{Var: v, Problem: problem}
		}
		b.WriteString(q[last:m[0]])
		b.WriteString(text)
		last = m[1]
	}
	b.WriteString(q[last:])
	return b.String(), nil
}

// quoteAt returns the quote character of the string literal that holds
// offset in q, or 0 outside any string (a comment counts as outside).
func quoteAt(q string, offset int) byte {
	var open byte
	for i := 0; i < offset; i++ {
		c := q[i]
		switch {
		case open == 0 && (c == '"' || c == '\'' || c == '`'):
			open = c
		case open == 0 && c == '#':
			for i < offset && q[i] != '\n' {
				i++
			}
		case open != 0 && open != '`' && c == '\\':
			i++
		case open != 0 && c == open:
			open = 0
		}
	}
	return open
}

// escape writes value for a place inside a literal opened by quote (0:
// outside any literal), or says why it cannot stand there.
func escape(value string, quote byte) (string, string) {
	switch quote {
	case 0:
		if !identifier.MatchString(value) {
			return "", fmt.Sprintf("the value %q is outside a string literal and is not a PromQL identifier; quote it, as in label=\"{{...}}\"", value)
		}
		return value, ""
	case '`':
		if strings.ContainsRune(value, '`') {
			return "", fmt.Sprintf("the value %q holds a backquote, which a raw string cannot; use \"…\"", value)
		}
		return value, ""
	}
	var b strings.Builder
	for _, r := range value {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(quote):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String(), ""
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
