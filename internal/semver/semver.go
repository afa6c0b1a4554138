// Package semver parses, compares and bumps Semantic Versioning 2.0.0
// versions, the scheme ctgit uses for model versions when a pipeline asks for
// semver bumps. It also holds the arithmetic of both promote.schemes
// (NextVersion, CheckVersion, Check: "semver" and "integer"), so that what
// `ctgit vet` accepts is exactly what a run can bump, and what `ctgit
// promote` writes is a version of the scheme.
//
// It is strict: "1.4", "v1.4.0" or "01.4.0" are rejected, because a version
// written into a deployment manifest must round-trip exactly. A leading "v" is
// accepted only by ParseLoose, for reading tags.
package semver

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Version is one parsed semantic version. The zero value is 0.0.0.
type Version struct {
	Major, Minor, Patch uint64
	// Pre holds the dot-separated pre-release identifiers ("rc", "1"), nil
	// for a release.
	Pre []string
	// Build holds the dot-separated build metadata identifiers; it is kept
	// for printing but ignored by Compare, as the specification says.
	Build []string
}

// Part names which component Bump increments.
type Part string

// The parts a pipeline may bump.
const (
	Major Part = "major"
	Minor Part = "minor"
	Patch Part = "patch"
)

// ParsePart reads a bump kind as written in a pipeline or a flag.
func ParsePart(s string) (Part, error) {
	switch p := Part(strings.ToLower(s)); p {
	case Major, Minor, Patch:
		return p, nil
	}
	return "", fmt.Errorf("unknown version bump %q: want major, minor or patch", s)
}

// Parse reads s as a strict semantic version (no leading "v").
func Parse(s string) (Version, error) {
	var v Version
	rest := s
	if i := strings.IndexByte(rest, '+'); i >= 0 {
		b, err := identifiers(rest[i+1:], false)
		if err != nil {
			return Version{}, fmt.Errorf("version %q is not semver: build metadata: %w", s, err)
		}
		v.Build, rest = b, rest[:i]
	}
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		p, err := identifiers(rest[i+1:], true)
		if err != nil {
			return Version{}, fmt.Errorf("version %q is not semver: pre-release: %w", s, err)
		}
		v.Pre, rest = p, rest[:i]
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 3 {
		return Version{}, fmt.Errorf("version %q is not semver: want MAJOR.MINOR.PATCH", s)
	}
	for i, dst := range []*uint64{&v.Major, &v.Minor, &v.Patch} {
		n, err := numeric(parts[i])
		if err != nil {
			return Version{}, fmt.Errorf("version %q is not semver: %s: %w", s, []string{"major", "minor", "patch"}[i], err)
		}
		*dst = n
	}
	return v, nil
}

// ParseLoose is Parse that also accepts a leading "v", as in git tags.
func ParseLoose(s string) (Version, error) {
	return Parse(strings.TrimPrefix(s, "v"))
}

// MustParse is Parse for constants in tests and tables; it panics on error.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

func numeric(s string) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty number")
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, fmt.Errorf("%q has a leading zero", s)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a number", s)
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n, nil
}

func identifiers(s string, pre bool) ([]string, error) {
	ids := strings.Split(s, ".")
	for _, id := range ids {
		if id == "" {
			return nil, fmt.Errorf("empty identifier")
		}
		allDigits := true
		for _, c := range id {
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				allDigits = false
			default:
				return nil, fmt.Errorf("identifier %q has %q; only [0-9A-Za-z-] are allowed", id, c)
			}
		}
		if pre && allDigits && len(id) > 1 && id[0] == '0' {
			return nil, fmt.Errorf("numeric identifier %q has a leading zero", id)
		}
	}
	return ids, nil
}

// String prints v in canonical form.
func (v Version) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d.%d.%d", v.Major, v.Minor, v.Patch)
	if len(v.Pre) > 0 {
		b.WriteByte('-')
		b.WriteString(strings.Join(v.Pre, "."))
	}
	if len(v.Build) > 0 {
		b.WriteByte('+')
		b.WriteString(strings.Join(v.Build, "."))
	}
	return b.String()
}

// Bump returns the next version for part: the parts below it reset to zero,
// and pre-release and build metadata are dropped. Bumping a pre-release
// releases it where the spec's precedence allows it: 1.5.0-rc.1 bumped by
// patch or minor becomes 1.5.0, since 1.5.0 is already greater.
func (v Version) Bump(p Part) (Version, error) {
	pre := len(v.Pre) > 0
	if (p == Major && v.Major == math.MaxUint64) || (p == Minor && v.Minor == math.MaxUint64) || (p == Patch && v.Patch == math.MaxUint64) {
		return Version{}, fmt.Errorf("cannot bump %s of %s: it would overflow", string(p), v)
	}
	out := Version{Major: v.Major, Minor: v.Minor, Patch: v.Patch}
	switch p {
	case Major:
		if !(pre && v.Minor == 0 && v.Patch == 0) {
			out.Major, out.Minor, out.Patch = v.Major+1, 0, 0
		}
	case Minor:
		if !(pre && v.Patch == 0) {
			out.Minor, out.Patch = v.Minor+1, 0
		}
	case Patch:
		if !pre {
			out.Patch = v.Patch + 1
		}
	default:
		return Version{}, fmt.Errorf("unknown version bump %q: want major, minor or patch", string(p))
	}
	return out, nil
}

// Compare orders a and b by semver precedence: -1, 0 or +1. Build metadata
// is ignored.
func Compare(a, b Version) int {
	for _, d := range [][2]uint64{{a.Major, b.Major}, {a.Minor, b.Minor}, {a.Patch, b.Patch}} {
		if d[0] != d[1] {
			if d[0] < d[1] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a.Pre) == 0 && len(b.Pre) == 0:
		return 0
	case len(a.Pre) == 0:
		return 1
	case len(b.Pre) == 0:
		return -1
	}
	for i := 0; i < len(a.Pre) && i < len(b.Pre); i++ {
		if c := compareIdent(a.Pre[i], b.Pre[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(a.Pre) < len(b.Pre):
		return -1
	case len(a.Pre) > len(b.Pre):
		return 1
	}
	return 0
}

func compareIdent(a, b string) int {
	an, aerr := strconv.ParseUint(a, 10, 64)
	bn, berr := strconv.ParseUint(b, 10, 64)
	switch {
	case aerr == nil && berr == nil:
		switch {
		case an < bn:
			return -1
		case an > bn:
			return 1
		}
		return 0
	case aerr == nil:
		return -1 // numeric identifiers sort before alphanumeric ones
	case berr == nil:
		return 1
	}
	return strings.Compare(a, b)
}
