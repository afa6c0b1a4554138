package exec

import (
	"bytes"
	"strings"
	"sync"
	"time"

	"github.com/ctgit/ctgit/internal/record"
)

// EventKind says what an Event reports.
type EventKind int

// Kinds of progress events.
const (
	EventPipelineStart EventKind = iota
	EventStepStart
	// EventLog is one line of a step's output.
	EventLog
	EventStepDone
	EventPipelineDone
	// EventNote is something the user should know ("local executor: images
	// are not used").
	EventNote
)

// Event is progress of a run, for live display.
type Event struct {
	Time     time.Time
	Kind     EventKind
	Pipeline string
	Step     string
	Status   record.StepStatus
	Outcome  record.Outcome
	Message  string
	Duration time.Duration
}

// lineWriter turns a step's output into one log event per line, with the
// values of secrets masked.
type lineWriter struct {
	mu      sync.Mutex
	buf     []byte
	emit    func(line string)
	secrets []string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.emit(w.mask(string(bytes.TrimRight(w.buf[:i], "\r"))))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

// Flush emits an unterminated last line.
func (w *lineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(w.mask(string(w.buf)))
		w.buf = nil
	}
}

func (w *lineWriter) mask(s string) string {
	return maskSecrets(s, w.secrets)
}

// maskSecrets replaces every secret value in s with "***".
func maskSecrets(s string, secrets []string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "***")
		}
	}
	return s
}
