package main

import (
	"runtime"
	"runtime/debug"
)

// startHeap is how much memory `ctgit vet` may take before its first
// garbage collection. vet on a few pipelines (run by editors and
// pre-commit hooks) allocates about 10 MB, mostly in CUE's evaluation;
// under Go's default of a collection each time the heap doubles from 4 MB
// it spent a quarter or more of its CPU time collecting garbage it was
// about to drop by exiting.
const startHeap = 32 << 20

// deferFirstGC turns the garbage collector off until the process holds
// limit bytes (GOMEMLIMIT's accounting), then restores the settings it
// found: a short command ends before collecting at all, a long one
// collects as usual once past limit. GOGC or GOMEMLIMIT in env, set by the
// user, are left to rule alone. The channel is closed once the settings
// are back (nil when nothing was changed).
//
// Only for a command that does not tune the collector itself: the restore
// would undo its settings (drift, for one, lowers GOGC to hold less).
func deferFirstGC(env environment, limit int64) <-chan struct{} {
	if env.get("GOGC") != "" || env.get("GOMEMLIMIT") != "" {
		return nil
	}
	percent := debug.SetGCPercent(-1)
	memLimit := debug.SetMemoryLimit(limit)
	restored := make(chan struct{})
	// The first collection, which the limit forces, finds the sentinel
	// unreachable and runs the cleanup.
	sentinel := new([2]*int)
	runtime.AddCleanup(sentinel, func(struct{}) {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(memLimit)
		close(restored)
	}, struct{}{})
	return restored
}
