package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/ctgit/ctgit/internal/exec"
	"github.com/ctgit/ctgit/internal/ghactions"
	"github.com/ctgit/ctgit/internal/record"
)

// progress prints a run's events: one timestamped line per step event, and
// the steps' output with --verbose (or the tail of a failed step's output).
// On a terminal outside CI a status line below them shows the running steps
// with a spinner and their elapsed time.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	quiet   bool
	verbose bool
	// groups, when set, receives GitHub Actions' ::group:: commands
	// around each step.
	groups io.Writer
	logs   map[string][]string // recent output per step, shown when it fails

	// live is set on a terminal: running steps and when they started.
	live    bool
	running map[string]time.Time
	frame   int
	stop    chan struct{}
	done    chan struct{}
	closing sync.Once
}

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func newProgress(w io.Writer, quiet, verbose bool, env environment) *progress {
	p := &progress{w: w, quiet: quiet, verbose: verbose, logs: map[string][]string{}, running: map[string]time.Time{}}
	if f, ok := w.(*os.File); ok && !quiet && isatty.IsTerminal(f.Fd()) && env.get("CI") == "" && env.get("TERM") != "dumb" {
		p.live = true
		p.stop, p.done = make(chan struct{}), make(chan struct{})
		go p.tick()
	}
	return p
}

// tick redraws the status line while steps run.
func (p *progress) tick() {
	defer close(p.done)
	t := time.NewTicker(120 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			p.mu.Lock()
			p.clearStatus()
			p.mu.Unlock()
			return
		case <-t.C:
			p.mu.Lock()
			p.frame++
			p.drawStatus()
			p.mu.Unlock()
		}
	}
}

// close stops the status line; call it when the run is over (more calls
// do nothing).
func (p *progress) close() {
	if p.live {
		p.closing.Do(func() {
			close(p.stop)
			<-p.done
		})
	}
}

func (p *progress) clearStatus() { fmt.Fprint(p.w, "\r\033[K") }

func (p *progress) drawStatus() {
	p.clearStatus()
	if len(p.running) == 0 {
		return
	}
	ids := make([]string, 0, len(p.running))
	for id := range p.running {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%s %s", id, time.Since(p.running[id]).Round(100*time.Millisecond))
	}
	fmt.Fprintf(p.w, "%s %s", spinner[p.frame%len(spinner)], strings.Join(parts, " · "))
}

// println writes one line above the status line.
func (p *progress) println(format string, args ...any) {
	if p.live {
		p.clearStatus()
	}
	fmt.Fprintf(p.w, format+"\n", args...)
	if p.live {
		p.drawStatus()
	}
}

func (p *progress) observe(e exec.Event) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := e.Time.Format("15:04:05")
	id := e.Pipeline + "/" + e.Step
	switch e.Kind {
	case exec.EventPipelineStart:
		p.println("%s %s: %s", ts, e.Pipeline, e.Message)
	case exec.EventStepStart:
		if p.groups != nil {
			ghactions.Group(p.groups, id)
		}
		p.running[id] = time.Now()
		if !p.live {
			p.println("%s %-16s started", ts, id)
		}
	case exec.EventLog:
		if p.verbose {
			p.println("%s %-16s | %s", ts, id, e.Message)
			return
		}
		l := append(p.logs[id], e.Message)
		if len(l) > 20 {
			l = l[len(l)-20:]
		}
		p.logs[id] = l
	case exec.EventNote:
		p.println("%s %-16s %s", ts, id, e.Message)
	case exec.EventStepDone:
		delete(p.running, id)
		d := ""
		if e.Duration > 0 {
			d = fmt.Sprintf(" (%s)", e.Duration.Round(time.Millisecond))
		}
		p.println("%s %-16s %s%s: %s", ts, id, e.Status, d, e.Message)
		if p.groups != nil && e.Status != record.StepCached && e.Status != record.StepSkipped {
			ghactions.EndGroup(p.groups)
		}
		if e.Status == record.StepFailed && !p.verbose {
			for _, line := range p.logs[id] {
				p.println("    | %s", line)
			}
		}
		delete(p.logs, id)
	case exec.EventPipelineDone:
		p.println("%s %s: %s", ts, e.Pipeline, e.Outcome)
	}
}
