// Package version says which ctgit is running, and which apiVersion the
// JSON documents it writes carry.
package version

import (
	"regexp"
	"runtime/debug"
)

// Version is set at release build time with
// -ldflags "-X github.com/ctgit/ctgit/internal/version.Version=v1.2.3".
var Version = ""

// String returns the release version, or the module version recorded by
// `go install`, or "devel".
func String() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// APIVersion is the "apiVersion" of every JSON document ctgit writes or
// reads back (plans, run records, cache entries, drift reports, views).
// It changes only when one of those shapes changes incompatibly.
const APIVersion = "ctgit/v1"

// release matches a release tag: vMAJOR.MINOR.PATCH with an optional
// pre-release (v1.2.0-rc.1), and nothing after it (no "+dirty").
var release = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$`)

// pseudo matches the tail of a Go pseudo-version (v0.0.0-20261130101500-
// 0123456789ab), which names a commit, not a release.
var pseudo = regexp.MustCompile(`[.-][0-9]{14}-[0-9a-f]{12}$`)

// Release returns the release tag this ctgit was built from ("v1.2.3"),
// or "" for a development build: "devel", a Go pseudo-version (go install
// of a branch or commit), or a build from a modified work tree. Only a
// release has a tag that a workflow can pin.
func Release() string {
	return releaseOf(String())
}

func releaseOf(v string) string {
	if !release.MatchString(v) || pseudo.MatchString(v) {
		return ""
	}
	return v
}
