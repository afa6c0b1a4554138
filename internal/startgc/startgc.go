// Package startgc holds ctgit's garbage collector off from package
// initialisation until the process holds Limit bytes, so that a short
// command (`ctgit version`, `ctgit vet` in an editor's save hook) ends
// without collecting at all.
//
// Initialisation allocates about 3 MB that is garbage by the time main
// runs, and `ctgit vet` on a few pipelines about 10 MB more in CUE's
// evaluation: under Go's default of a collection each time the heap
// doubles from 4 MB, vet collected once or twice, a quarter or more of its
// CPU time, on memory it was about to drop by exiting.
//
// Go initialises a package as soon as its imports are, in import path
// order, so this one runs before most of what allocates (halfway through
// ctgit's packages, after 1.3 MB). The first collection, forced by the
// memory limit, restores Go's settings, so a long command collects as
// usual from then on. A user's GOGC or GOMEMLIMIT rules alone.
package startgc

import (
	"os"
	"runtime"
	"runtime/debug"
	"sync"
)

// Limit is how much memory (GOMEMLIMIT's accounting) the process may
// take before its first collection.
const Limit = 32 << 20

var (
	restore  sync.Once
	restored = make(chan struct{})
	percent  int
	memLimit int64
)

func init() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		restore.Do(func() { close(restored) })
		return
	}
	percent = debug.SetGCPercent(-1)
	memLimit = debug.SetMemoryLimit(Limit)
	// The first collection finds the sentinel unreachable and runs the
	// cleanup.
	sentinel := new([2]*int)
	runtime.AddCleanup(sentinel, func(struct{}) { Release() }, struct{}{})
}

// Release restores the collector's settings now, as they were before
// initialisation, unless the first collection already did. A command that
// tunes the collector itself calls it first, so that the restore cannot
// undo its settings later. Later calls do nothing.
func Release() {
	restore.Do(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(memLimit)
		close(restored)
	})
}

// Released is closed once the settings are restored.
func Released() <-chan struct{} { return restored }
