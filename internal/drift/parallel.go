package drift

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// busy counts the goroutines running drift's work beyond one: the
// workers of compareColumns (see claimCores) and the helpers of the
// kernels. A kernel splits its work only among the cores this leaves
// idle, so one column on two cores uses both, and eight columns on two
// cores run one kernel per core, as before.
var busy atomic.Int64

// minPart is the fewest values worth handing to another core.
const minPart = 1 << 16

// claimCores counts n goroutines about to run drift's work (n >= 1, the
// caller's own included) as busy, until the returned function is called.
// compareColumns calls it around its workers so that the kernels do not
// start more goroutines than there are cores.
func claimCores(n int) (release func()) {
	busy.Add(int64(n - 1))
	return func() { busy.Add(-int64(n - 1)) }
}

// split cuts n values into parts, one for the caller and one for each
// core that is idle now and would get at least minPart values: [from, to)
// pairs. The cores it takes stay busy until release(parts).
func split(n int) [][2]int {
	p := 1
	if n >= 2*minPart {
		most := min(int64(runtime.GOMAXPROCS(0))-1, int64(n/minPart)-1)
		for int64(p) <= most {
			if busy.Add(1) > int64(runtime.GOMAXPROCS(0))-1 {
				busy.Add(-1)
				break
			}
			p++
		}
	}
	parts := make([][2]int, p)
	for i := range parts {
		parts[i] = [2]int{n * i / p, n * (i + 1) / p}
	}
	return parts
}

// release gives back the cores split took for parts.
func release(parts [][2]int) { busy.Add(-int64(len(parts) - 1)) }

// run calls f(0) … f(n-1) at once, all but the last on new goroutines,
// and waits for them.
func run(n int, f func(int)) {
	var wg sync.WaitGroup
	for i := range n - 1 {
		wg.Go(func() { f(i) })
	}
	f(n - 1)
	wg.Wait()
}
