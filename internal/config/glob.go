package config

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
)

// PathGlob is one entry of trigger.paths, compiled with the semantics of
// GitHub Actions' path filters (the "filter pattern cheat sheet"):
//
//   - `*` matches any characters except `/`;
//   - `**` matches any characters including `/`; as a whole path element
//     followed by `/` it may also match nothing, so `**/README.md` matches
//     `README.md`;
//   - `?` makes the preceding character (or `[...]` class) optional, so
//     `*.jsx?` matches `page.js` and `page.jsx`;
//   - `[...]` matches one listed character or one in a range of a-z, A-Z, 0-9;
//   - `\` makes the next character literal;
//   - a leading `!` turns the entry into an exclusion (see PathFilter).
//
// Matching is delegated to doublestar, whose `**` spans directories only as a
// whole path element and whose `?` is any one character; Compile translates
// a GitHub pattern into the doublestar patterns that together match the same
// paths. GitHub's `+` (one or more of the preceding character) has no
// doublestar equivalent and is rejected rather than matched differently.
type PathGlob struct {
	// Raw is the entry as written, "!" included.
	Raw string
	// Negate is true for an exclusion ("!" first).
	Negate bool
	// alts are doublestar patterns; a path matches when any of them does.
	alts []string
}

// maxInnerDoubleStars bounds the `**` inside path elements (as in `**.sql`):
// each doubles the number of doublestar patterns a glob becomes.
const maxInnerDoubleStars = 4

// CompilePathGlob translates one trigger.paths entry. Errors say what is
// wrong and at which character of the pattern.
func CompilePathGlob(raw string) (PathGlob, error) {
	g := PathGlob{Raw: raw}
	pat := raw
	if strings.HasPrefix(pat, "!") {
		g.Negate, pat = true, pat[1:]
	}
	if pat == "" {
		return g, fmt.Errorf("empty pattern")
	}
	if strings.HasPrefix(pat, "/") {
		return g, fmt.Errorf("is absolute: patterns match paths relative to the repository root, which never start with /")
	}
	elems := strings.Split(pat, "/")
	alts := []string{""}
	inner := 0
	for i, e := range elems {
		if e == "" {
			return g, fmt.Errorf("empty path element (trailing or doubled /)")
		}
		if e == "." || e == ".." {
			return g, fmt.Errorf("%q element: patterns match paths inside the repository, which have no . or .. elements", e)
		}
		sep := "/"
		if i == 0 {
			sep = ""
		}
		if e == "**" {
			piece := "**"
			if i == len(elems)-1 && len(elems) > 1 {
				// doublestar's "docs/**" also matches the path "docs";
				// GitHub's matches only what lies under docs/.
				piece = "**/*"
			}
			for j := range alts {
				alts[j] += sep + piece
			}
			continue
		}
		parts, err := translateElem(e)
		if err != nil {
			return g, err
		}
		// parts are the element's pieces between inner `**`: each `**`
		// becomes either `*` (no / crossed) or `*/**/*` (one or more).
		inner += len(parts) - 1
		if inner > maxInnerDoubleStars {
			return g, fmt.Errorf("more than %d `**` inside path elements", maxInnerDoubleStars)
		}
		variants := []string{parts[0]}
		for _, p := range parts[1:] {
			next := make([]string, 0, 2*len(variants))
			// Stars next to the ones added here add nothing, and
			// doubled they would turn into doublestar's `**`.
			p = strings.TrimLeft(p, "*")
			for _, v := range variants {
				v = trimStar(v)
				next = append(next, v+"*"+p, v+"*/**/*"+p)
			}
			variants = next
		}
		grown := make([]string, 0, len(alts)*len(variants))
		for _, a := range alts {
			for _, v := range variants {
				grown = append(grown, a+sep+v)
			}
		}
		alts = grown
	}
	for _, a := range alts {
		if !doublestar.ValidatePattern(a) {
			return g, fmt.Errorf("cannot be matched (translated to %q, which doublestar rejects)", a)
		}
	}
	g.alts = alts
	return g, nil
}

// translateElem turns one path element (no `/`, not exactly `**`) into
// doublestar syntax, split at each `**` it holds.
func translateElem(e string) ([]string, error) {
	var parts []string
	var b strings.Builder
	// last is the doublestar text of the preceding atom that `?` may make
	// optional ("" when there is none, or it is a wildcard).
	last, lastAt := "", -1
	emit := func(atom string, optional bool) {
		b.WriteString(atom)
		if optional {
			last, lastAt = atom, b.Len()-len(atom)
		} else {
			last, lastAt = "", -1
		}
	}
	for i := 0; i < len(e); i++ {
		c := e[i]
		switch c {
		case '*':
			if i+1 < len(e) && e[i+1] == '*' {
				parts = append(parts, b.String())
				b.Reset()
				last, lastAt = "", -1
				i++
				// A third `*` adds nothing: `**` already spans it.
				for i+1 < len(e) && e[i+1] == '*' {
					i++
				}
				continue
			}
			if s := b.String(); s != trimStar(s) {
				continue // `*?*`: a second star adds nothing
			}
			emit("*", false)
		case '?':
			switch {
			case lastAt >= 0:
				s := b.String()
				b.Reset()
				b.WriteString(s[:lastAt] + "{" + last + ",}")
				last, lastAt = "", -1
			case i > 0 && e[i-1] == '*':
				// `*?` is `*`: the star already matches nothing.
			default:
				return nil, fmt.Errorf("`?` at %q makes the preceding character optional and there is none here: write \\? for a literal question mark", e[:i+1])
			}
		case '+':
			return nil, fmt.Errorf("`+` (one or more of the preceding character) is not supported in trigger.paths: write \\+ for a literal plus, or use `*`")
		case '[':
			end, class, err := translateClass(e, i)
			if err != nil {
				return nil, err
			}
			emit(class, true)
			i = end
		case ']':
			return nil, fmt.Errorf("`]` without `[` in %q: write \\] for a literal bracket", e)
		case '\\':
			if i+1 >= len(e) {
				return nil, fmt.Errorf("`\\` at the end of %q escapes nothing", e)
			}
			_, n := utf8.DecodeRuneInString(e[i+1:])
			emit(literal(e[i+1:i+1+n]), true)
			i += n
		default:
			_, n := utf8.DecodeRuneInString(e[i:])
			emit(literal(e[i:i+n]), true)
			i += n - 1
		}
	}
	return append(parts, b.String()), nil
}

// translateClass reads the `[...]` starting at e[start] and returns the
// index of its `]` and its doublestar form.
func translateClass(e string, start int) (int, string, error) {
	var b strings.Builder
	b.WriteByte('[')
	i := start + 1
	if i < len(e) && (e[i] == '!' || e[i] == '^') {
		return 0, "", fmt.Errorf("`[%c` in %q: GitHub's filter patterns have no negated classes; list the characters wanted, or use a `!` pattern", e[i], e)
	}
	n := 0
	for ; i < len(e) && e[i] != ']'; i++ {
		c := e[i]
		switch {
		case c == '-' && n > 0 && i+1 < len(e) && e[i+1] != ']':
			lo, hi := e[i-1], e[i+1]
			if !sameRange(lo, hi) || lo > hi {
				return 0, "", fmt.Errorf("range %c-%c in %q: ranges go from a-z, A-Z or 0-9 upwards", lo, hi, e)
			}
			b.WriteByte('-')
		case strings.IndexByte(`\\[{},`, c) >= 0:
			// Escaped also inside braces, where translateElem may put
			// the class.
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
		n++
	}
	if i >= len(e) {
		return 0, "", fmt.Errorf("`[` without `]` in %q", e)
	}
	if n == 0 {
		return 0, "", fmt.Errorf("empty `[]` in %q matches nothing", e)
	}
	b.WriteByte(']')
	return i, b.String(), nil
}

// trimStar removes a trailing star of the doublestar text s that is a
// wildcard (not escaped).
func trimStar(s string) string {
	if !strings.HasSuffix(s, "*") {
		return s
	}
	slashes := len(s) - 1 - len(strings.TrimRight(s[:len(s)-1], `\`))
	if slashes%2 == 1 {
		return s
	}
	return s[:len(s)-1]
}

func sameRange(lo, hi byte) bool {
	in := func(a, z byte) bool { return lo >= a && hi <= z }
	return in('a', 'z') || in('A', 'Z') || in('0', '9')
}

// literal escapes one character (its UTF-8 bytes) where doublestar would
// read it as syntax.
func literal(c string) string {
	if len(c) == 1 && strings.ContainsAny(c, `*?[]{},\\`) {
		return `\` + c
	}
	return c
}

// Match reports whether the slash-separated repository path name matches
// the pattern (ignoring Negate).
func (g PathGlob) Match(name string) bool {
	for _, a := range g.alts {
		if doublestar.MatchUnvalidated(a, name) {
			return true
		}
	}
	return false
}

// PathFilter is a compiled trigger.paths list. As in GitHub Actions, the
// entries are evaluated in order and the last one that matches a path
// decides: a path is selected when that entry is not an exclusion.
type PathFilter []PathGlob

// CompilePathFilter compiles every entry of globs; it is for globs already
// checked by Load, and returns the first error otherwise.
func CompilePathFilter(globs []string) (PathFilter, error) {
	f := make(PathFilter, 0, len(globs))
	for _, raw := range globs {
		g, err := CompilePathGlob(raw)
		if err != nil {
			return nil, fmt.Errorf("trigger.paths %q: %w", raw, err)
		}
		f = append(f, g)
	}
	return f, nil
}

// Match returns the entry that selects name, or "" when none does (no
// entry matches, or an exclusion matched last).
func (f PathFilter) Match(name string) string {
	by := ""
	for _, g := range f {
		if g.Match(name) {
			if g.Negate {
				by = ""
			} else {
				by = g.Raw
			}
		}
	}
	return by
}
