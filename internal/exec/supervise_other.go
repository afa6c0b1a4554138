//go:build !linux

package exec

import "syscall"

// stepProcAttr puts a step in a process group of its own. There is no
// parent-death signal here: the supervisor's lifeline stands for it.
func stepProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// supervisorProcAttr puts a supervisor in a process group of its own.
func supervisorProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// becomeSubreaper does nothing where there are no subreapers: the step's
// process group is what the supervisor ends.
func becomeSubreaper() {}

// children is unknown here; the process group is killed instead.
func children() []int { return nil }
