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
			views := map[string]func(*bytes.Buffer) error{
				"text":     func(b *bytes.Buffer) error { return Run(b, r, FormatText, nil, Links{}) },
				"markdown": func(b *bytes.Buffer) error { return Run(b, r, FormatMarkdown, nil, Links{}) },
				"summary": func(b *bytes.Buffer) error {
					path := filepath.Join(t.TempDir(), "summary.md")
					if err := writeStepSummary(path, r, nil, Links{}); err != nil {
						return err
					}
					got, err := os.ReadFile(path)
					b.Write(got)
					return err
				},
			}
			for name, render := range views {
				var b bytes.Buffer
				if err := render(&b); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				out := b.String()
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
			views := map[string]func(*bytes.Buffer) error{
				"text":     func(b *bytes.Buffer) error { return Run(b, r, FormatText, nil, Links{}) },
				"markdown": func(b *bytes.Buffer) error { return Run(b, r, FormatMarkdown, nil, Links{}) },
				"summary": func(b *bytes.Buffer) error {
					path := filepath.Join(t.TempDir(), "summary.md")
					if err := writeStepSummary(path, r, nil, Links{}); err != nil {
						return err
					}
					got, err := os.ReadFile(path)
					b.Write(got)
					return err
				},
			}
			for name, render := range views {
				var b bytes.Buffer
				if err := render(&b); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				out := b.String()
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
