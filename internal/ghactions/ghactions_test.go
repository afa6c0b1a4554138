package ghactions

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
	must(AnnotateAll(&buf, []Annotation{{Level: "error", File: "dir,a:b.cue", Line: 3, Title: "t", Message: "m\nn"}}))
	want := "::group::train: attempt 1\n::endgroup::\n::add-mask::s3cr%25t\n::add-mask::line2\n" +
		"::warning::no place\n::error title=t,file=dir%2Ca%3Ab.cue,line=3::m%0An\n"
	if d := cmp.Diff(want, buf.String()); d != "" {
		t.Error(d)
	}
}

// TestAppendStepSummary checks a second summary is appended, not written
// over the first, that render is told the room left, and that a summary
// that would pass the limit is refused rather than written.
func TestAppendStepSummary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.md")
	if err := os.WriteFile(path, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var rooms []int
	for range 2 {
		if err := AppendStepSummary(path, func(room int) (string, bool) {
			rooms = append(rooms, room)
			return "summary\n", true
		}); err != nil {
			t.Fatal(err)
		}
	}
	if d := cmp.Diff([]int{MaxStepSummary - 1 - 13, MaxStepSummary - 1 - 21}, rooms); d != "" {
		t.Errorf("room told to render (-want +got):\n%s", d)
	}
	if b, _ := os.ReadFile(path); string(b) != "earlier step\nsummary\nsummary\n" {
		t.Errorf("summary was not appended twice:\n%s", b)
	}
	for name, render := range map[string]func(int) (string, bool){
		"no room":  func(int) (string, bool) { return "", false },
		"too long": func(room int) (string, bool) { return strings.Repeat("x", room+1), true },
	} {
		if err := AppendStepSummary(path, render); err == nil || !strings.Contains(err.Error(), "1 MiB") {
			t.Errorf("%s: want a refusal naming the limit, got %v", name, err)
		}
	}
	if b, _ := os.ReadFile(path); string(b) != "earlier step\nsummary\nsummary\n" {
		t.Errorf("a refused summary was written:\n%s", b)
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
