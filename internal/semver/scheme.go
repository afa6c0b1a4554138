package semver

import (
	"fmt"
	"math"
	"strconv"
)

// NoVersionYet reports whether a target's version means that no model is
// deployed yet: "", or the zero of either scheme.
func NoVersionYet(version string) bool {
	return version == "" || version == "0.0.0" || version == "0"
}

// NextVersion is the version a promotion writes over current under a
// pipeline's promote.scheme and promote.bump. A target that holds no
// version yet (NoVersionYet) is bumped from the scheme's zero. It fails,
// rather than wrap around, when the bumped number would not fit: an integer
// version above math.MaxInt64, a semver part above math.MaxUint64.
func NextVersion(current, scheme, bump string) (string, error) {
	if err := CheckVersion(current, scheme); err != nil {
		return "", err
	}
	if scheme == "integer" {
		if NoVersionYet(current) {
			return "1", nil
		}
		n, _ := strconv.ParseInt(current, 10, 64)
		if n == math.MaxInt64 {
			return "", fmt.Errorf("holds %q, the largest integer version: bumping it would overflow (promote.scheme: \"integer\")", current)
		}
		return strconv.FormatInt(n+1, 10), nil
	}
	part, err := ParsePart(bump)
	if err != nil {
		return "", err
	}
	v := Version{}
	if !NoVersionYet(current) {
		v, _ = Parse(current)
	}
	nv, err := v.Bump(part)
	if err != nil {
		return "", fmt.Errorf("holds %q: %w (promote.scheme: \"semver\", promote.bump: %q)", current, err, bump)
	}
	return nv.String(), nil
}

// CheckVersion reports whether a target may hold current under scheme:
// no version yet, or a version of the scheme (Check).
func CheckVersion(current, scheme string) error {
	if NoVersionYet(current) {
		return nil
	}
	err := Check(current, scheme)
	if err == nil {
		return nil
	}
	switch scheme {
	case "integer":
		return fmt.Errorf("holds %q, not a non-negative integer up to %d (promote.scheme: \"integer\")", current, int64(math.MaxInt64))
	case "semver", "":
		return fmt.Errorf("holds %q: %w (promote.scheme: \"semver\")", current, err)
	}
	return err
}

// Check reports whether v is a version of scheme: a strict semantic
// version, or a canonical non-negative integer that fits in 64 bits. It
// makes no exception for "no version yet": "0" is no semantic version.
func Check(v, scheme string) error {
	switch scheme {
	case "integer":
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || strconv.FormatInt(n, 10) != v {
			return fmt.Errorf("version %q is not a non-negative integer up to %d", v, int64(math.MaxInt64))
		}
	case "semver", "":
		if _, err := Parse(v); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown promote.scheme %q: want semver or integer", scheme)
	}
	return nil
}
