// Package version says which ctgit is running, and which apiVersion the
// JSON documents it writes carry.
package version

import "runtime/debug"

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
