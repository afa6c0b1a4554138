package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/record"
)

// TestEscape follows @actions/core's command.ts: data escapes %, CR and LF;
// properties also ':' and ','. % goes first so escapes are not escaped twice.
func TestEscape(t *testing.T) {
	for _, tc := range []struct{ in, data, prop string }{
		{"plain", "plain", "plain"},
		{"50% done", "50%25 done", "50%25 done"},
		{"a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"x:1,y", "x:1,y", "x%3A1%2Cy"},
		{"%0A", "%250A", "%250A"},
		{"::stop-commands::", "::stop-commands::", "%3A%3Astop-commands%3A%3A"},
	} {
		if got := EscapeData(tc.in); got != tc.data {
			t.Errorf("EscapeData(%q) = %q, want %q", tc.in, got, tc.data)
		}
		if got := EscapeProperty(tc.in); got != tc.prop {
			t.Errorf("EscapeProperty(%q) = %q, want %q", tc.in, got, tc.prop)
		}
	}
}

func TestCommands(t *testing.T) {
	var buf bytes.Buffer
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(Group(&buf, "train: attempt 1"))
	must(EndGroup(&buf))
	must(AddMask(&buf, "s3cr%t\r\nline2\n\n"))
	must(Annotate(&buf, Annotation{Level: "warning", Message: "no place"}))
	must(Annotate(&buf, Annotation{Level: "error", File: "dir,a:b.cue", Line: 3, Title: "t", Message: "m\nn"}))
	want := "::group::train: attempt 1\n::endgroup::\n::add-mask::s3cr%25t\n::add-mask::line2\n" +
		"::warning::no place\n::error title=t,file=dir%2Ca%3Ab.cue,line=3::m%0An\n"
	if d := cmp.Diff(want, buf.String()); d != "" {
		t.Error(d)
	}
}

func TestSplitPosition(t *testing.T) {
	for _, tc := range []struct {
		in        string
		file      string
		line, col int
	}{
		{"pipelines/fraud.cue:42:3", "pipelines/fraud.cue", 42, 3},
		{"pipelines/fraud.cue:42", "pipelines/fraud.cue", 42, 0},
		{"pipelines/fraud.cue", "pipelines/fraud.cue", 0, 0},
		{`C:\x.cue:1:2`, `C:\x.cue`, 1, 2},
		{"", "", 0, 0},
	} {
		f, l, c := splitPosition(tc.in)
		if f != tc.file || l != tc.line || c != tc.col {
			t.Errorf("splitPosition(%q) = %q %d %d, want %q %d %d", tc.in, f, l, c, tc.file, tc.line, tc.col)
		}
	}
}

func TestVetAnnotationsGolden(t *testing.T) {
	ds := config.Diagnostics{
		{File: "pipelines/fraud.cue", Line: 12, Column: 9, Path: "pipelines.fraud.train.timeout", Message: `invalid duration "10 minutes"`},
		{File: "pipelines/fraud.cue", Line: 30, Column: 3, Message: "gate auc: min 1.5 is out of range 0..1, 50% sure"},
		{Message: "no pipelines found under pipelines/"},
	}
	var buf bytes.Buffer
	if err := VetAnnotations(&buf, ds); err != nil {
		t.Fatal(err)
	}
	golden(t, "actions/vet.annotations", buf.Bytes())
}

func TestRunActionsGolden(t *testing.T) {
	history := loadHistory(t)
	defer func(old func() (string, error)) { newDelimiter = old }(newDelimiter)
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			r := loadRecord(t, name)
			var ann bytes.Buffer
			if err := RunAnnotations(&ann, r); err != nil {
				t.Fatal(err)
			}
			golden(t, "actions/"+name+".annotations", ann.Bytes())

			dir := t.TempDir()
			summary := filepath.Join(dir, "summary.md")
			if err := StepSummary(summary, r, history, testLinks); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(summary)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "actions/"+name+".summary.md", got)

			n := 0
			newDelimiter = func() (string, error) { n++; return fmt.Sprintf("ghadelimiter_%d", n), nil }
			out := filepath.Join(dir, "output")
			if err := WriteOutputs(out, RunOutputs(r)); err != nil {
				t.Fatal(err)
			}
			got, err = os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "actions/"+name+".output", got)
		})
	}
}

// TestStepSummaryAppends checks a second summary is appended, not written
// over the first, and that a full file is refused rather than overrun.
func TestStepSummaryAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.md")
	if err := os.WriteFile(path, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := loadRecord(t, "gates_failed")
	for range 2 {
		if err := StepSummary(path, r, nil, Links{}); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), "earlier step\n") || strings.Count(string(b), "### ❌ Gates") != 2 {
		t.Errorf("summary was not appended twice:\n%s", b)
	}
	if err := os.WriteFile(path, bytes.Repeat([]byte("x"), MaxStepSummary-100), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := StepSummary(path, r, nil, Links{}); err == nil || !strings.Contains(err.Error(), "1 MiB") {
		t.Errorf("want a refusal naming the limit, got %v", err)
	}
	big := hugeRecord(t, 40000, 40000)
	path2 := filepath.Join(t.TempDir(), "summary.md")
	if err := StepSummary(path2, big, nil, Links{}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path2); fi.Size() >= MaxStepSummary {
		t.Errorf("summary is %d bytes, want < %d", fi.Size(), MaxStepSummary)
	}
}

// TestWriteOutputsMultiline checks a value with newlines survives in the
// delimiter form, and that names that would break the file are refused.
func TestWriteOutputsMultiline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "output")
	if err := WriteOutputs(path, []Output{{"reason", "line 1\nline 2"}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	lines := strings.Split(string(b), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "reason<<ghadelimiter_") || lines[1] != "line 1" ||
		lines[2] != "line 2" || lines[3] != strings.TrimPrefix(lines[0], "reason<<") {
		t.Errorf("unexpected output file:\n%s", b)
	}
	for _, name := range []string{"", "a\nb", "a<<b"} {
		if err := WriteOutputs(path, []Output{{name, "v"}}); err == nil {
			t.Errorf("name %q: want an error", name)
		}
	}
}

func TestRunOutputs(t *testing.T) {
	for name, want := range map[string][]Output{
		"promotion":    {{"drifted", "true"}, {"promoted", "true"}, {"version", "1.3.0"}, {"pr-url", "https://github.com/acme/models/pull/42"}},
		"gates_failed": {{"drifted", "true"}, {"promoted", "false"}, {"version", "1.3.0"}, {"pr-url", ""}},
		"no_drift":     {{"drifted", "false"}, {"promoted", "false"}, {"version", "1.3.0"}, {"pr-url", ""}},
	} {
		if d := cmp.Diff(want, RunOutputs(loadRecord(t, name))); d != "" {
			t.Errorf("%s:\n%s", name, d)
		}
	}
	if d := cmp.Diff([]Output{{"drifted", "false"}, {"promoted", "false"}, {"version", ""}, {"pr-url", ""}},
		RunOutputs(&record.Run{Outcome: record.OutcomeFailed})); d != "" {
		t.Error(d)
	}
}
