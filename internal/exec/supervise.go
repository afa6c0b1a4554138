package exec

import (
	"errors"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

// A local step never outlives ctgit, nor leaves processes behind when it
// ends. ctgit does not start the step itself but a supervisor: its own
// binary again, in the mode Supervise implements, which starts the step
// and stays its parent. Why a process of its own rather than a signal on
// the step alone:
//
//   - A parent-death signal (Linux's Pdeathsig) reaches only the direct
//     child, and is tied to the OS thread that started it; the step's own
//     children (a shell's, PyTorch's data loader workers) would survive a
//     SIGKILL of ctgit as orphans, and a process that left the group
//     (setsid) escapes a group kill.
//   - ctgit itself cannot act once it is SIGKILLed. The supervisor can: it
//     holds the read end of a pipe (the lifeline) whose only write end is
//     ctgit's; when ctgit dies, however it dies, the kernel closes that end
//     and the supervisor reads EOF. This needs no signal and no thread.
//   - On Linux the supervisor is a child subreaper, so every descendant the
//     step orphans (double forks, daemons, setsid) is re-parented to it
//     rather than to init, where it can still find and kill them.
//
// So: the step runs in its own process group with the supervisor as its
// parent (and a parent-death SIGKILL from the supervisor's locked thread,
// for a supervisor that is itself killed). When the step's main process
// exits, or ctgit is gone, or ctgit asks (SIGTERM), the supervisor ends
// the group and every remaining descendant, then exits with the step's
// status.

// supervisorEnv marks a process started as a step's supervisor; its value
// is the grace between SIGTERM and SIGKILL.
const supervisorEnv = "CTGIT_STEP_SUPERVISOR"

// lifelineFD is the supervisor's descriptor of the lifeline's read end.
const lifelineFD = 3

// Supervising reports whether this process was started as a step's
// supervisor. A program whose Local executor sets Supervisor calls it
// before doing anything else, and when it is true exits with Supervise's
// status.
func Supervising() bool { return os.Getenv(supervisorEnv) != "" }

// Supervise runs a step as its supervisor: os.Args[1] is the program's
// path, os.Args[2] its argv[0], the rest its arguments; the environment
// (less the supervisor's mark), working directory, stdout and stderr are
// the step's. It returns the step's exit status, or dies of the signal
// that killed the step.
func Supervise() int {
	// The step's parent-death signal fires when the thread that started
	// it exits: this goroutine keeps its thread for the process's life.
	runtime.LockOSThread()
	grace, err := time.ParseDuration(os.Getenv(supervisorEnv))
	os.Unsetenv(supervisorEnv)
	if err != nil || len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "ctgit: step supervisor started without a step")
		return 125
	}
	syscall.CloseOnExec(lifelineFD) // the step has no business with it
	lifeline := os.NewFile(lifelineFD, "lifeline")
	becomeSubreaper()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	cmd := osexec.Command(os.Args[1], os.Args[3:]...)
	cmd.Args[0] = os.Args[2]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = stepProcAttr()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "starting %s: %v\n", os.Args[2], err)
		return 127
	}
	pgid := cmd.Process.Pid
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	lost := make(chan struct{})
	go func() { io.Copy(io.Discard, lifeline); close(lost) }()

	select {
	case <-exited:
	case <-lost:
		terminate(pgid, grace, exited)
	case <-sigs:
		terminate(pgid, grace, exited)
	}
	killDescendants(pgid)

	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		// Die of the same signal, so that ctgit sees what the step saw.
		signal.Reset(ws.Signal())
		syscall.Kill(os.Getpid(), ws.Signal())
		time.Sleep(time.Second)
		return 128 + int(ws.Signal())
	}
	return cmd.ProcessState.ExitCode()
}

// terminate asks the step's group and every other descendant to stop,
// and waits up to grace for the main process to exit.
func terminate(pgid int, grace time.Duration, exited <-chan struct{}) {
	syscall.Kill(-pgid, syscall.SIGTERM)
	for _, pid := range children() {
		syscall.Kill(pid, syscall.SIGTERM)
	}
	select {
	case <-exited:
	case <-time.After(grace):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-exited
	}
}

// killDescendants kills the step's process group and every process left
// under the supervisor, and reaps them: killing a process re-parents its
// own children to the supervisor (a subreaper), so it repeats until none
// is left, for at most a few seconds.
func killDescendants(pgid int) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		syscall.Kill(-pgid, syscall.SIGKILL)
		kids := children()
		for _, pid := range kids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if pid <= 0 || errors.Is(err, syscall.ECHILD) {
				break
			}
		}
		if len(kids) == 0 || time.Now().After(deadline) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
