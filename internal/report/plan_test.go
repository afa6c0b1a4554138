package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ctgit/ctgit/internal/plan"
)

// planFixtures are plans of the quickstart as `ctgit plan --format json`
// printed them: before any run, with every step cached, and with training
// skipped on a cached no-drift result; and the lakehouse example's first
// plan, whose datasets are windows over a bucket; and a graph of steps of
// its own, part of it cached.
var planFixtures = []string{"first", "cached", "skip", "lakehouse", "graph"}

// TestPlanGolden pins every view of the plan: text, markdown and the JSON
// shape, which is public (the JSON must read back to the same bytes).
func TestPlanGolden(t *testing.T) {
	for _, name := range planFixtures {
		src, err := os.ReadFile(filepath.Join("testdata", "plan", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var p plan.Plan
		if err := json.Unmarshal(src, &p); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, tc := range []struct{ format, ext string }{
			{FormatText, "txt"},
			{FormatMarkdown, "md"},
			{FormatJSON, "json"},
		} {
			t.Run(name+"/"+tc.format, func(t *testing.T) {
				var buf bytes.Buffer
				if err := Plan(&buf, &p, tc.format); err != nil {
					t.Fatal(err)
				}
				if tc.format == FormatJSON {
					if !bytes.Equal(buf.Bytes(), src) {
						t.Errorf("the plan's JSON does not read back to the same bytes:\n%s", buf.String())
					}
					return
				}
				golden(t, "plan/"+name+"."+tc.ext, buf.Bytes())
			})
		}
	}
}
