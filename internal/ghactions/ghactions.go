// Package ghactions writes GitHub Actions' workflow-command protocol:
// commands on standard output (annotations, log groups, masks), the step
// summary file and the step outputs file. It knows the protocol's escaping,
// delimiters and limits, and nothing of what ctgit reports: the content
// comes from internal/report. The caller decides when the protocol applies
// (GITHUB_ACTIONS=true) and passes the writers and paths
// ($GITHUB_STEP_SUMMARY, $GITHUB_OUTPUT).
package ghactions

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// MaxStepSummary is the most a step may write to its summary (1 MiB).
const MaxStepSummary = 1 << 20

// EscapeData escapes a workflow command's message as GitHub's toolkit does
// (@actions/core escapeData): %, CR and LF.
func EscapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// EscapeProperty escapes a workflow command's property value as GitHub's
// toolkit does (@actions/core escapeProperty): %, CR, LF, ':' and ','.
func EscapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// Property is one key=value of a workflow command.
type Property struct{ Key, Value string }

// Command writes the workflow command ::name k=v,…::message. Properties with
// empty values are left out, as the toolkit does.
func Command(w io.Writer, name string, props []Property, message string) error {
	var b strings.Builder
	b.WriteString("::" + name)
	first := true
	for _, p := range props {
		if p.Value == "" {
			continue
		}
		if first {
			b.WriteString(" ")
			first = false
		} else {
			b.WriteString(",")
		}
		b.WriteString(p.Key + "=" + EscapeProperty(p.Value))
	}
	b.WriteString("::" + EscapeData(message) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// Annotation is an error, warning or notice shown on a file's line in the
// pull request's diff and the run's summary.
type Annotation struct {
	// Level is "error", "warning" or "notice".
	Level string
	// File is relative to the repository root; Line and Col are 1-based, 0
	// when unknown.
	File      string
	Line, Col int
	Title     string
	Message   string
}

// Annotate writes one annotation command.
func Annotate(w io.Writer, a Annotation) error {
	itoa := func(n int) string {
		if n <= 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	return Command(w, a.Level, []Property{
		{"title", a.Title}, {"file", a.File}, {"line", itoa(a.Line)}, {"col", itoa(a.Col)},
	}, a.Message)
}

// AnnotateAll writes one annotation command for each of as, in order.
func AnnotateAll(w io.Writer, as []Annotation) error {
	for _, a := range as {
		if err := Annotate(w, a); err != nil {
			return err
		}
	}
	return nil
}

// Group starts a collapsible group of log lines; EndGroup ends it.
func Group(w io.Writer, title string) error { return Command(w, "group", nil, title) }

// EndGroup ends the group Group started.
func EndGroup(w io.Writer) error { return Command(w, "endgroup", nil, "") }

// AddMask tells the runner to replace secret with *** in every later log
// line. Each line of a multi-line secret is masked on its own, because the
// runner masks line by line.
func AddMask(w io.Writer, secret string) error {
	for _, line := range strings.Split(strings.ReplaceAll(secret, "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if err := Command(w, "add-mask", nil, line); err != nil {
			return err
		}
	}
	return nil
}

// AppendStepSummary appends markdown to the step summary file at path
// ($GITHUB_STEP_SUMMARY), keeping the file under GitHub's 1 MiB limit.
// render receives the room left (in bytes) and returns markdown of at most
// that length, or false when nothing useful fits; then the summary is
// refused rather than overrun.
func AppendStepSummary(path string, render func(room int) (markdown string, ok bool)) error {
	used := 0
	if fi, err := os.Stat(path); err == nil {
		used = int(fi.Size())
	}
	room := MaxStepSummary - 1 - used
	md, ok := render(room)
	if !ok || len(md) > room {
		return fmt.Errorf("step summary %s: already %d bytes, no room under GitHub's 1 MiB limit", path, used)
	}
	return appendFile(path, md)
}

// appendFile appends data to path in one write, as the runner expects of
// its file commands.
func appendFile(path string, data string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("opening %s: %w", path, err)
	}
	if _, err := f.WriteString(data); err != nil {
		f.Close()
		return fmt.Errorf("appending to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", path, err)
	}
	return nil
}

// Output is one step output.
type Output struct{ Name, Value string }

// newDelimiter makes the random heredoc delimiter of a step output.
func newDelimiter() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "ghadelimiter_" + hex.EncodeToString(b), nil
}

// WriteOutputs appends outputs to the file at path ($GITHUB_OUTPUT) in the
// multi-line-safe form the toolkit writes: name<<DELIMITER, value,
// DELIMITER, with a random delimiter that neither name nor value contains.
func WriteOutputs(path string, outs []Output) error {
	var b strings.Builder
	for _, o := range outs {
		if o.Name == "" || strings.ContainsAny(o.Name, "\r\n") || strings.Contains(o.Name, "<<") {
			return fmt.Errorf("step output name %q: must be non-empty, on one line, without <<", o.Name)
		}
		delim, err := newDelimiter()
		if err != nil {
			return fmt.Errorf("step output %s: %w", o.Name, err)
		}
		if strings.Contains(o.Name, delim) || strings.Contains(o.Value, delim) {
			return errors.New("step output " + o.Name + ": contains its delimiter")
		}
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", o.Name, delim, o.Value, delim)
	}
	return appendFile(path, b.String())
}
