package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"dagger.io/dagger"
	"dagger.io/dagger/engineconn"
)

// closeTimeout bounds closing the engine session. The SDK waits up to
// 300 s for its `dagger session` child, which, when the engine is gone,
// keeps retrying it for up to 10 minutes and ignores SIGTERM.
const closeTimeout = 10 * time.Second

// engineProbeTimeout bounds asking the engine whether it still answers.
const engineProbeTimeout = 5 * time.Second

// sessionConn is the SDK's own engine connection with a bounded Close:
// past closeTimeout the `dagger session` child the SDK started is killed.
type sessionConn struct {
	engineconn.EngineConn
	// child is the `dagger session` process the SDK started (0 when it
	// cannot be told, off linux or when the SDK used an existing session).
	child int
	once  sync.Once
	err   error
}

// connect starts an engine session through the SDK's own connection
// logic (an explicit CLI, else the one it downloads), and notes which
// child process it started for it.
func connect(ctx context.Context, runnerHost string, logw io.Writer) (*dagger.Client, *sessionConn, error) {
	before := children()
	conn, err := engineconn.Get(ctx, &engineconn.Config{LogOutput: logw, RunnerHost: runnerHost})
	if err != nil {
		return nil, nil, err
	}
	sc := &sessionConn{EngineConn: conn, child: newSessionChild(before)}
	c, err := dagger.Connect(ctx, dagger.WithConn(sc), dagger.WithLogOutput(logw))
	if err != nil {
		sc.Close()
		return nil, nil, err
	}
	return c, sc, nil
}

// newSessionChild is the `dagger session` process among this process's
// children that was not there before; 0 when there is none, or several.
func newSessionChild(before []int) int {
	var found []int
	for _, pid := range children() {
		if slices.Contains(before, pid) {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", fmt.Sprint(pid), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if len(args) > 1 && args[1] == "session" {
			found = append(found, pid)
		}
	}
	if len(found) != 1 {
		return 0
	}
	return found[0]
}

// Close closes the SDK's connection, waiting at most closeTimeout before
// killing the session's process.
func (c *sessionConn) Close() error { return c.close(closeTimeout) }

// close closes the connection, waiting at most wait before killing the
// session's process; 0 when the engine is known gone and the session
// has nothing left to drain.
func (c *sessionConn) close(wait time.Duration) error {
	c.once.Do(func() {
		done := make(chan error, 1)
		go func() { done <- c.EngineConn.Close() }()
		select {
		case c.err = <-done:
		case <-time.After(wait):
			if c.child == 0 {
				c.err = fmt.Errorf("the Dagger engine session did not end within %s", wait)
				return
			}
			syscall.Kill(c.child, syscall.SIGKILL)
			select {
			case <-done:
			case <-time.After(closeTimeout):
			}
			c.err = fmt.Errorf("the Dagger engine session did not end within %s, and was killed", wait)
		}
	})
	return c.err
}

// errEngineLost marks a step that failed because the engine went away.
var errEngineLost = errors.New("the Dagger engine stopped answering")

// engineLost tells, after a failure other than the exec's own, whether
// the engine is gone: its socket refuses, or it does not answer a trivial
// query within engineProbeTimeout. Once lost, it stays lost for the run:
// no later step is sent to it.
func (d *Dagger) engineLost(ctx context.Context) bool {
	if d.lost.Load() {
		return true
	}
	if ctx.Err() != nil {
		return false // cancelled or timed out: the engine may be fine
	}
	lost := probeEngine(d.host) != nil
	if !lost {
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), engineProbeTimeout)
		_, err := d.client.Version(qctx)
		cancel()
		lost = err != nil
	}
	if lost {
		d.lost.Store(true)
	}
	return lost
}

// lostError is the infrastructure error of a step whose engine is gone:
// no retry can help, and the run ends with exit 3.
func (d *Dagger) lostError(what string) *StepError {
	return &StepError{ExitCode: -1, Infra: true, Retryable: false,
		Err: fmt.Errorf("%s: %w at %s (killed, crashed or unreachable); steps that were running on it are lost", what, errEngineLost, d.runnerHost)}
}
