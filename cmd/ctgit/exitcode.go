package main

import "github.com/ctgit/ctgit/internal/fault"

// The exit codes ctgit returns, a contract with scripts and CI:
//
//	0 success (including "no drift", "already deployed")
//	1 the work ran and a check said no (a data check, a gate, a refused
//	  promotion, --fail-on-drift)
//	2 bad input or usage, found before any step runs
//	3 an infrastructure failure, or the run was interrupted
const (
	exitOK    = 0
	exitCheck = 1
	exitInput = 2
	exitInfra = 3
)

// exitCode is the one place an error becomes an exit code: by the kind of
// failure the package that failed classified it as (internal/fault), never
// by its text.
func exitCode(err error) int {
	switch fault.KindOf(err) {
	case fault.None:
		return exitOK
	case fault.CheckFailed:
		return exitCheck
	case fault.BadInput:
		return exitInput
	}
	return exitInfra
}
