package startgc

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// settings reads GOGC's and GOMEMLIMIT's current values.
func settings() (percent int, limit int64) {
	percent = debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	return percent, debug.SetMemoryLimit(-1)
}

// TestHeldUntilFirstCollection checks, in a test process that initialised
// this package, that the collector is off with the limit as its backstop
// until a collection runs, and back to Go's defaults after it.
func TestHeldUntilFirstCollection(t *testing.T) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOGC or GOMEMLIMIT is set: the package holds nothing")
	}
	select {
	case <-Released():
		t.Skip("a collection already ran in this process")
	default:
	}
	if p, l := settings(); p != -1 || l != Limit {
		t.Errorf("before the first collection: GOGC %d, GOMEMLIMIT %d; want -1 (off) and %d", p, l, Limit)
	}
	var keep [][]byte
	for range 2 * Limit >> 20 {
		keep = append(keep, make([]byte, 1<<20)) // past the limit: a collection runs
	}
	runtime.KeepAlive(keep)
	select {
	case <-Released():
	case <-time.After(10 * time.Second):
		t.Fatal("the settings were not restored after the first collection")
	}
	if p, l := settings(); p != 100 || l != math.MaxInt64 {
		t.Errorf("after the first collection: GOGC %d, GOMEMLIMIT %d; want Go's defaults, 100 and no limit", p, l)
	}
	Release() // does nothing now
	if p, l := settings(); p != 100 || l != math.MaxInt64 {
		t.Errorf("after Release: GOGC %d, GOMEMLIMIT %d", p, l)
	}
}
