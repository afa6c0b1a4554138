package exec

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ctgit/ctgit/internal/fault"
)

// readSLIs reads the SLIs of trigger.onSLIBreach on the deployed version
// and notes the ones that breached: training then runs as on drift, under
// the same guardrails. SLIs that cannot be read stop the run before any
// step: the trigger the pipeline declares cannot be kept.
func (r *pipelineRun) readSLIs(ctx context.Context) error {
	p := r.pp.Pipeline
	if r.opt.ReadSLIs == nil {
		return fault.Input(errors.New("trigger.onSLIBreach reads SLIs from Prometheus, and settings.prometheus names no server"))
	}
	readings, err := r.opt.ReadSLIs(ctx, p)
	if err != nil {
		return fmt.Errorf("trigger.onSLIBreach: %w", err)
	}
	r.rec.SLIs = readings
	var breached []string
	for _, rd := range readings {
		if rd.Status == "breach" {
			breached = append(breached, fmt.Sprintf("%s (%s)", rd.Name, rd.Reason))
		}
		r.emit(Event{Kind: EventNote, Message: fmt.Sprintf("SLI %s on %s: %s: %s", rd.Name, rd.Version, rd.Status, rd.Reason)})
	}
	r.sliBreach = strings.Join(breached, ", ")
	return nil
}
