package drift

import (
	"runtime"
	"testing"
)

// TestSplitUsesIdleCores checks that a kernel splits its work only among
// the cores that drift's other goroutines leave idle, and gives them back.
func TestSplitUsesIdleCores(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	if got := len(split(10 * minPart)); got != 4 {
		t.Fatalf("no other work: %d parts, want 4", got)
	}
	if busy.Load() != 3 {
		t.Fatalf("busy = %d after split, want 3", busy.Load())
	}
	busy.Store(0)
	done := claimCores(3) // three workers, one per column
	parts := split(10 * minPart)
	if len(parts) != 2 {
		t.Fatalf("three busy workers on four cores: %d parts, want 2", len(parts))
	}
	if len(split(10*minPart)) != 1 {
		t.Fatal("every core busy: the kernel should run alone")
	}
	release(parts)
	done()
	if busy.Load() != 0 {
		t.Fatalf("busy = %d after release, want 0", busy.Load())
	}
	if got := len(split(minPart)); got != 1 {
		t.Fatalf("%d values: %d parts, want 1 (too few to share)", minPart, got)
	}
	parts = split(3*minPart - 1)
	if got := len(parts); got != 2 {
		t.Fatalf("%d values: %d parts, want 2 (at least minPart each)", 3*minPart-1, got)
	}
	release(parts)
}
