package plan

import (
	"fmt"
	"time"

	"github.com/ctgit/ctgit/internal/config"
)

// SelectDue keeps selected only the pipelines whose trigger.schedule has a
// slot at or before now that no run has served yet. lastScheduled returns
// when a pipeline's latest scheduled run started (zero when never). A
// pipeline without a schedule is not run on a schedule trigger.
func SelectDue(p *Plan, now time.Time, lastScheduled func(pipeline string) time.Time) {
	for _, pp := range p.Pipelines {
		if !pp.Selected {
			continue
		}
		expr := pp.Pipeline.Trigger.Schedule
		if expr == "" {
			pp.Selected, pp.Reason, pp.Steps = false, "no trigger.schedule", nil
			continue
		}
		s, err := config.CompileSchedule(expr)
		if err != nil {
			pp.Selected, pp.Reason, pp.Steps = false, err.Error(), nil
			continue
		}
		slot := s.Prev(now)
		if slot.IsZero() {
			pp.Selected, pp.Reason, pp.Steps = false, fmt.Sprintf("schedule %q has no slot in the past year", expr), nil
			continue
		}
		if last := lastScheduled(pp.Name); !last.Before(slot) {
			pp.Selected, pp.Reason, pp.Steps = false, fmt.Sprintf("schedule %q: the slot at %s already ran (%s)", expr, slot.Format(time.RFC3339), last.UTC().Format(time.RFC3339)), nil
			continue
		}
		pp.Reason = fmt.Sprintf("schedule %q is due (slot %s)", expr, slot.Format(time.RFC3339))
	}
}
