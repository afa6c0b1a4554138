package plan

import (
	"encoding/json"

	"github.com/ctgit/ctgit/internal/drift"
)

// DriftResult is what the drift step stores in the step cache under its
// key: the drift report. The executor writes it and derives the step's
// result from it, live or cached; the plan reads its verdict back to say
// whether training runs. Both decode it as this one type, so what the step
// stores and what the plan expects cannot drift apart.
type DriftResult = drift.Report

// readDriftResult decodes a drift step's cached result; false when it
// cannot be read.
func readDriftResult(result json.RawMessage) (*DriftResult, bool) {
	var r DriftResult
	if json.Unmarshal(result, &r) != nil {
		return nil, false
	}
	return &r, true
}
