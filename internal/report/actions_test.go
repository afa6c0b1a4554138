package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/ghactions"
	"github.com/ctgit/ctgit/internal/record"
)

// writeStepSummary appends r's step summary to the file at path, as ctgit
// does in Actions.
func writeStepSummary(path string, r *record.Run, history []*record.Run, links Links) error {
	return ghactions.AppendStepSummary(path, func(room int) (string, bool) {
		return StepSummary(r, history, links, room)
	})
}

// fixedDelimiters replaces each random heredoc delimiter of a step outputs
// file with ghadelimiter_N, numbered in order of appearance, so that the
// file can be compared with a golden one.
func fixedDelimiters(b []byte) []byte {
	seen := map[string]string{}
	return regexp.MustCompile(`ghadelimiter_[0-9a-f]{32}`).ReplaceAllFunc(b, func(d []byte) []byte {
		if _, ok := seen[string(d)]; !ok {
			seen[string(d)] = fmt.Sprintf("ghadelimiter_%d", len(seen)+1)
		}
		return []byte(seen[string(d)])
	})
}

func TestVetAnnotationsGolden(t *testing.T) {
	ds := config.Diagnostics{
		{File: "pipelines/fraud.cue", Line: 12, Column: 9, Path: "pipelines.fraud.train.timeout", Message: `invalid duration "10 minutes"`},
		{File: "pipelines/fraud.cue", Line: 30, Column: 3, Message: "gate auc: min 1.5 is out of range 0..1, 50% sure"},
		{Message: "no pipelines found under pipelines/"},
	}
	var buf bytes.Buffer
	if err := ghactions.AnnotateAll(&buf, VetAnnotations(ds)); err != nil {
		t.Fatal(err)
	}
	golden(t, "actions/vet.annotations", buf.Bytes())
}

func TestRunActionsGolden(t *testing.T) {
	history := loadHistory(t)
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			r := loadRecord(t, name)
			var ann bytes.Buffer
			if err := ghactions.AnnotateAll(&ann, RunAnnotations(r)); err != nil {
				t.Fatal(err)
			}
			golden(t, "actions/"+name+".annotations", ann.Bytes())

			dir := t.TempDir()
			summary := filepath.Join(dir, "summary.md")
			if err := writeStepSummary(summary, r, history, testLinks); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(summary)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "actions/"+name+".summary.md", got)

			out := filepath.Join(dir, "output")
			if err := ghactions.WriteOutputs(out, RunOutputs(r)); err != nil {
				t.Fatal(err)
			}
			got, err = os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "actions/"+name+".output", fixedDelimiters(got))
		})
	}
}

// TestStepSummaryAppends checks a second summary is appended, not written
// over the first, that a full file is refused rather than overrun, and that
// a huge run is cut to fit.
func TestStepSummaryAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.md")
	if err := os.WriteFile(path, []byte("earlier step\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := loadRecord(t, "gates_failed")
	for range 2 {
		if err := writeStepSummary(path, r, nil, Links{}); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), "earlier step\n") || strings.Count(string(b), "### ❌ Gates") != 2 {
		t.Errorf("summary was not appended twice:\n%s", b)
	}
	if err := os.WriteFile(path, bytes.Repeat([]byte("x"), ghactions.MaxStepSummary-100), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeStepSummary(path, r, nil, Links{}); err == nil || !strings.Contains(err.Error(), "1 MiB") {
		t.Errorf("want a refusal naming the limit, got %v", err)
	}
	big := hugeRecord(t, 40000, 40000)
	path2 := filepath.Join(t.TempDir(), "summary.md")
	if err := writeStepSummary(path2, big, nil, Links{}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path2); fi.Size() >= ghactions.MaxStepSummary {
		t.Errorf("summary is %d bytes, want < %d", fi.Size(), ghactions.MaxStepSummary)
	}
}

func TestRunOutputs(t *testing.T) {
	out := func(outcome, drifted, promoted, version, prURL string) []ghactions.Output {
		return []ghactions.Output{{Name: "outcome", Value: outcome}, {Name: "drifted", Value: drifted}, {Name: "promoted", Value: promoted},
			{Name: "version", Value: version}, {Name: "pr-url", Value: prURL}}
	}
	for name, want := range map[string][]ghactions.Output{
		"promotion":    out("promoted", "true", "true", "1.3.0", "https://github.com/acme/models/pull/42"),
		"gates_failed": out("gates-failed", "true", "false", "1.3.0", ""),
		"no_drift":     out("no-drift", "false", "false", "1.3.0", ""),
	} {
		if d := cmp.Diff(want, RunOutputs(loadRecord(t, name))); d != "" {
			t.Errorf("%s:\n%s", name, d)
		}
	}
	if d := cmp.Diff(out("failed", "false", "false", "", ""), RunOutputs(&record.Run{Outcome: record.OutcomeFailed})); d != "" {
		t.Error(d)
	}
}
