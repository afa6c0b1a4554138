package exec

import (
	"testing"

	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
)

// TestEveryPromotionStatusDerivesAnOutcome checks that each status a
// promoter can answer maps to an outcome: none falls to the
// unknown-status branch that fails the run as an infrastructure error.
func TestEveryPromotionStatusDerivesAnOutcome(t *testing.T) {
	for _, s := range record.PromotionStatuses {
		t.Run(string(s), func(t *testing.T) {
			r := &pipelineRun{rec: &record.Run{}}
			pr := &record.Promotion{Status: s, From: "1.0.0", To: "1.1.0", Branch: "ctgit/m", Reason: "the promoter's reason"}
			out := r.promoted(&plan.Step{ID: "m/promote"}, pr)
			if out.outcome == record.OutcomeFailed {
				t.Errorf("promotion %s derives outcome %s (%v)", s, out.outcome, out.err)
			}
		})
	}
}
