// Package config loads and checks a repository's pipelines: the CUE files
// under its pipelines directory, unified with ctgit's embedded schema.
//
// A Config is what those files declare, decoded into plain Go values that
// hold no CUE (so they are safe across goroutines and serialise as JSON):
// the repository's Settings and its Pipelines, each with the position of
// every field the user wrote, so that a failure found later — a missing
// data file, a failed gate — still points at the line that declared it.
// A Config exists only once it has passed every check this package makes,
// including what only the files of the repository can tell (paths, targets,
// the versions they hold, branch names, globs, schedules and durations);
// otherwise Load returns Diagnostics, each at a file:line:col, and they are
// bad input (exit 2).
package config
