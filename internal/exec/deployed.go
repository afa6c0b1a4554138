package exec

import "github.com/ctgit/ctgit/internal/record"

// noteDeployed records the version the target holds when no step did (a
// run that stopped before evaluate: no drift, a guardrail, invalid data),
// so that every view of the run names the model it kept. A target that
// holds no version, or cannot be read, leaves the record without a
// baseline: "no version yet" is then what is true.
func (r *pipelineRun) noteDeployed() {
	if r.rec.Baseline != nil {
		return
	}
	if v, err := r.currentVersion(); err == nil && v != "" {
		r.rec.Baseline = &record.Baseline{Version: v}
	}
}
