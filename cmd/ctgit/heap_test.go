package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// noMemoryLimit is GOMEMLIMIT's value when unset.
const noMemoryLimit = math.MaxInt64

// gcSettings reads GOGC's and GOMEMLIMIT's current values.
func gcSettings() (percent int, limit int64) {
	percent = debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	return percent, debug.SetMemoryLimit(-1)
}

func TestDeferFirstGC(t *testing.T) {
	percent, limit := gcSettings()
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	})
	if p, l := gcSettings(); p < 0 || l != noMemoryLimit {
		t.Skipf("the test process runs with GOGC=%d, GOMEMLIMIT=%d", p, l)
	}

	if done := deferFirstGC(environment{getenv: func(name string) string { return map[string]string{"GOGC": "200"}[name] }}, 1<<20); done != nil {
		t.Error("changed the collector's settings although GOGC is set")
	}

	done := deferFirstGC(environment{getenv: func(string) string { return "" }}, 8<<20)
	if p, l := gcSettings(); p != -1 || l != 8<<20 {
		t.Errorf("while deferred: GOGC %d, GOMEMLIMIT %d; want -1 (off) and %d", p, l, 8<<20)
	}
	var keep [][]byte
	for range 32 {
		keep = append(keep, make([]byte, 1<<20)) // past the limit: a collection runs
	}
	runtime.KeepAlive(keep)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		runtime.GC()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the settings were not restored after a collection")
		}
	}
	if p, l := gcSettings(); p != percent || l != noMemoryLimit {
		t.Errorf("after the first collection: GOGC %d, GOMEMLIMIT %d; want %d and no limit", p, l, percent)
	}
}
