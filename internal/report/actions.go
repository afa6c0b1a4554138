package report

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/record"
)

// This file writes GitHub Actions' surfaces: workflow commands on standard
// output (annotations, log groups, masks), the step summary and step
// outputs. The caller decides when they apply (GITHUB_ACTIONS=true) and
// passes the writers and paths ($GITHUB_STEP_SUMMARY, $GITHUB_OUTPUT).

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

// atPos fills an annotation's place from a file:line:col string.
func atPos(a Annotation, pos string) Annotation {
	a.File, a.Line, a.Col = splitPosition(pos)
	return a
}

// splitPosition parses file:line:col, file:line or file; a file name may
// itself hold colons.
func splitPosition(pos string) (file string, line, col int) {
	file = pos
	for range 2 {
		i := strings.LastIndexByte(file, ':')
		if i < 0 {
			break
		}
		n, err := strconv.Atoi(file[i+1:])
		if err != nil {
			break
		}
		line, col = n, line
		file = file[:i]
	}
	if col != 0 && line == 0 {
		line, col = col, 0
	}
	return file, line, col
}

// VetAnnotations writes an error annotation for each problem ctgit vet
// found, on the line of the CUE file at fault.
func VetAnnotations(w io.Writer, ds config.Diagnostics) error {
	for _, d := range ds {
		msg := d.Message
		if d.Path != "" {
			msg = d.Path + ": " + msg
		}
		if err := Annotate(w, Annotation{Level: "error", File: d.File, Line: d.Line, Col: d.Column,
			Title: "ctgit vet", Message: msg}); err != nil {
			return err
		}
	}
	return nil
}

// RunAnnotations writes an error annotation for each failed step, failed
// data check and failed gate of a run, at the CUE line that declared it.
func RunAnnotations(w io.Writer, r *record.Run) error {
	var as []Annotation
	for _, s := range r.Steps {
		if s.Status != record.StepFailed {
			continue
		}
		msg := s.Reason
		if msg == "" {
			msg = "the step failed"
		}
		if s.ExitCode != nil {
			msg += fmt.Sprintf(" (exit code %d after %d attempts)", *s.ExitCode, s.Attempts)
		}
		as = append(as, atPos(Annotation{Level: "error", Title: fmt.Sprintf("ctgit %s: step %s failed", r.Pipeline, s.Name),
			Message: msg}, s.Pos))
	}
	for _, c := range r.Checks {
		if !c.Passed {
			as = append(as, atPos(Annotation{Level: "error", Title: fmt.Sprintf("ctgit %s: data check %s failed", r.Pipeline, checkName(c)),
				Message: c.Detail}, c.Pos))
		}
	}
	for _, g := range r.Gates {
		if !g.Passed && !g.Skipped {
			as = append(as, atPos(Annotation{Level: "error", Title: fmt.Sprintf("ctgit %s: gate %s failed", r.Pipeline, gateName(g)),
				Message: g.Reason}, g.Pos))
		}
	}
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

// StepSummary appends a run's summary (its pull request body, with a link to
// the pull request) to the file at path ($GITHUB_STEP_SUMMARY), keeping the
// file under GitHub's 1 MiB limit.
func StepSummary(path string, r *record.Run, history []*record.Run, links Links) error {
	var head string
	if p := r.Promotion; p != nil && p.URL != "" {
		head = fmt.Sprintf("**Pull request:** %s (%s)\n\n", p.URL, p.Status)
	}
	used := 0
	if fi, err := os.Stat(path); err == nil {
		used = int(fi.Size())
	}
	room := MaxStepSummary - 1 - used - len(head) - 2
	if room <= len(truncatedNote) {
		return fmt.Errorf("step summary %s: already %d bytes, no room under GitHub's 1 MiB limit", path, used)
	}
	return appendFile(path, head+fitBody(r, history, links, true, room)+"\n")
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

// RunOutputs are the step outputs of a run: drifted, promoted, version
// (the candidate's, else the kept model's) and pr-url.
func RunOutputs(r *record.Run) []Output {
	from, to := versions(r)
	version := to
	if r.Outcome != record.OutcomePromoted || version == "" {
		version = from
	}
	var prURL string
	if r.Promotion != nil {
		prURL = r.Promotion.URL
	}
	return []Output{
		{"drifted", strconv.FormatBool(r.Drift != nil && r.Drift.Drifted)},
		{"promoted", strconv.FormatBool(r.Outcome == record.OutcomePromoted)},
		{"version", version},
		{"pr-url", prURL},
	}
}

// newDelimiter makes the heredoc delimiter of a step output; tests replace
// it to get fixed output.
var newDelimiter = func() (string, error) {
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
