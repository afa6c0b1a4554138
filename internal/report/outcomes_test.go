package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctgit/ctgit/internal/record"
)

// TestEveryOutcomeInEveryView renders a run of each outcome ctgit can record
// in each view a person reads: the terminal summary, the pull request body,
// the step summary and its one-line title. None may fall back to the
// unknown-outcome mark or leave the verdict out.
func TestEveryOutcomeInEveryView(t *testing.T) {
	for _, o := range record.Outcomes {
		t.Run(string(o), func(t *testing.T) {
			r := loadRecord(t, "promotion")
			r.Outcome, r.Reason = o, "reason for "+string(o)
			if icon(o) == "❔" {
				t.Errorf("no icon for %s", o)
			}
			v := Verdict(o)
			if v == "" {
				t.Fatalf("no verdict word for %s", o)
			}
			for name, out := range renderEveryView(t, r) {
				if strings.Contains(out, "❔") {
					t.Errorf("%s view of %s shows the unknown mark", name, o)
				}
				if !strings.Contains(strings.ToLower(out), strings.ToLower(v)) {
					t.Errorf("%s view of %s does not say %q:\n%s", name, o, v, out)
				}
			}
		})
	}
}

// TestEveryPromotionStatusInEveryView renders a run whose promotion ended
// in each status ctgit can record, in each view a person reads: every view
// must name the status, and none may fall back to the unknown mark.
func TestEveryPromotionStatusInEveryView(t *testing.T) {
	for _, s := range record.PromotionStatuses {
		t.Run(string(s), func(t *testing.T) {
			r := loadRecord(t, "promotion")
			r.Promotion.Status, r.Promotion.Reason = s, "the promoter's reason"
			for name, out := range renderEveryView(t, r) {
				if strings.Contains(out, "❔") {
					t.Errorf("%s view of promotion %s shows the unknown mark", name, s)
				}
				if !strings.Contains(out, string(s)) {
					t.Errorf("%s view of promotion %s does not name it:\n%s", name, s, out)
				}
			}
		})
	}
}

// renderEveryView renders r in each view a person reads: the terminal
// summary, the pull request body and the step summary, by view name.
func renderEveryView(t *testing.T, r *record.Run) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range []struct{ name, format string }{{"text", FormatText}, {"markdown", FormatMarkdown}} {
		var b bytes.Buffer
		if err := Run(&b, r, f.format, nil, Links{}); err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		out[f.name] = b.String()
	}
	path := filepath.Join(t.TempDir(), "summary.md")
	if err := writeStepSummary(path, r, nil, Links{}); err != nil {
		t.Fatalf("summary: %v", err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out["summary"] = string(got)
	return out
}
