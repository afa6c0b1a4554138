package exec

import (
	"fmt"
	"math"

	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/semver"
)

// sameDataKey is the metrics file's section for the deployed model scored
// on the candidate's evaluation rows:
//
//	{"auc": 0.91, "rows": 412, "baseline": {"auc": 0.90, "rows": 412}}
const sameDataKey = "baseline"

// sameDataSection reads the metrics file's "baseline" section. It is nil
// when the file has none. A section that does not say how many rows it
// scored, or scored a different number of rows than the candidate, is not
// the same data and is refused: comparing with it would be the noise this
// section exists to remove.
func sameDataSection(metrics map[string]any, file string) (*record.SameData, error) {
	raw, ok := metrics[sameDataKey]
	if !ok {
		return nil, nil
	}
	sec, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: %q is %s: it must be an object with the deployed model's metrics on the same rows, e.g. {\"auc\": 0.9, \"rows\": 412}",
			file, sameDataKey, describeJSON(raw))
	}
	rows, err := rowCount(sec, "rows", file, sameDataKey+".rows")
	if err != nil {
		return nil, err
	}
	candRows, err := rowCount(metrics, "rows", file, "rows")
	if err != nil {
		return nil, fmt.Errorf("%w: a %q section is compared row for row with the candidate, which must say how many rows it was scored on", err, sameDataKey)
	}
	if rows != candRows {
		return nil, fmt.Errorf("%s: the deployed model was scored on %d rows (%s.rows) and the candidate on %d (rows): not the same rows; score both models on the same evaluation rows",
			file, rows, sameDataKey, candRows)
	}
	m := numericMetrics(sec)
	delete(m, "rows")
	return &record.SameData{Rows: rows, Metrics: m}, nil
}

// rowCount reads a positive whole number of rows at m[key], which the
// file calls path.
func rowCount(m map[string]any, key, file, path string) (int, error) {
	v, ok := m[key]
	if !ok {
		return 0, fmt.Errorf("%s has no %q", file, path)
	}
	f, ok := v.(float64)
	if !ok || f < 1 || f != math.Trunc(f) || f > math.MaxInt32 {
		return 0, fmt.Errorf("%s: %q is %v, not a number of rows", file, path, v)
	}
	return int(f), nil
}

// sameData attaches to base the deployed model's metrics on the candidate's
// rows, when the training step was handed the deployed artifact and wrote
// them; otherwise it records why not. The section counts only when the
// artifact the step was handed is the one deployed now: a training result
// reused from the step cache may have scored another model.
func (r *pipelineRun) sameData(base *record.Baseline) error {
	p := r.pp.Pipeline
	sec, err := sameDataSection(r.metrics, p.Evaluate.Metrics)
	if err != nil {
		return err
	}
	base.SameData, base.Unscored = nil, ""
	if semver.NoVersionYet(base.Version) {
		return nil
	}
	deployed := r.deployedArtifact(base).Digest
	switch {
	case r.handed.Digest == "" && r.handed.Note != "":
		base.Unscored = r.handed.Note
	case r.handed.Digest == "":
		base.Unscored = "the training result was reused from the step cache, from a run that was handed no deployed model"
	case r.handed.Digest != deployed:
		base.Unscored = fmt.Sprintf("the training result was reused from the step cache, from a run that scored %s, not the deployed %s",
			digest.Short(r.handed.Digest), digest.Short(deployed))
	case sec == nil:
		base.Unscored = fmt.Sprintf("the training step was handed the deployed model in $%s but wrote no %q section in %s",
			EnvBaselineDir, sameDataKey, p.Evaluate.Metrics)
	default:
		sec.Digest = r.handed.Digest
		base.SameData = sec
	}
	return nil
}
