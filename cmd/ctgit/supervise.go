package main

import (
	"fmt"
	"os"

	"github.com/ctgit/ctgit/internal/exec"
)

// A local step runs under a supervisor that is this very binary, started
// again by the local executor (see internal/exec/supervise.go). The check
// is an init function, before anything else of ctgit runs, so that the
// supervisor is the same in the ctgit binary and in this package's test
// binary, which tests start as ctgit.
func init() {
	if exec.Supervising() {
		os.Exit(exec.Supervise())
	}
}

// newLocal returns the local executor, its steps supervised by this
// binary. A step that could outlive ctgit is not started at all.
func newLocal(env environment) (exec.Executor, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("local executor: finding ctgit's own binary, which supervises each step: %w", err)
	}
	return &exec.Local{Supervisor: self, Environ: env.environ}, nil
}
