package exec

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// stepProcAttr puts a step in a process group of its own, and kills it
// when the thread that started it exits: callers start it from a goroutine
// locked to its thread for the step's life.
func stepProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// supervisorProcAttr puts a supervisor in a process group of its own, and
// asks it to end its step (SIGTERM) when the thread that started it exits.
// Not SIGKILL: a supervisor killed outright could not end the step's own
// children. The lifeline stands for this where there is no such signal.
func supervisorProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// prSetChildSubreaper is prctl's PR_SET_CHILD_SUBREAPER (linux/prctl.h).
const prSetChildSubreaper = 36

// becomeSubreaper makes the orphans among this process's descendants its
// children rather than init's, so that none escapes the supervisor.
func becomeSubreaper() {
	syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
}

// children lists the processes whose parent is this one, from /proc.
func children() []int {
	self := os.Getpid()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := bytes.Fields(b[i+1:])
		if len(f) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(string(f[1])); ppid == self {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			out = append(out, pid)
		}
	}
	return out
}
