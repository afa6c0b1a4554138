package exec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/rewrite"
)

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

// currentVersion reads the version the target file holds now.
func (r *pipelineRun) currentVersion() (string, error) {
	t := r.pp.Pipeline.Model.Target
	src, err := os.ReadFile(r.abs(t.File))
	if err != nil {
		return "", err
	}
	return rewrite.Get(t.File, src, t.Path)
}

// deployedDigest is the digest of the deployed model's artifact and where
// it was read: the target's artifact field when the pipeline declares one
// (what Git says is deployed), else the run record that promoted the
// deployed version. "" when neither knows.
func (r *pipelineRun) deployedDigest(base *record.Baseline) (string, string) {
	t := r.pp.Pipeline.Model.Target
	if t.Artifact != "" {
		src, err := os.ReadFile(r.abs(t.File))
		if err == nil {
			if v, err := rewrite.Get(t.File, src, t.Artifact); err == nil {
				if i := strings.LastIndex(v, "@"); i >= 0 && strings.HasPrefix(v[i+1:], digest.Prefix) {
					return v[i+1:], t.File + " " + t.Artifact
				}
			}
		}
	}
	if i := strings.LastIndex(base.Artifact, "@"); i >= 0 {
		return base.Artifact[i+1:], "run record " + base.RunID
	}
	return "", ""
}

// findBaseline returns the current model, as the target file says, with the
// metrics its run recorded. It fails when the target cannot be read, or
// the run records cannot.
func (r *pipelineRun) findBaseline(ctx context.Context) (*record.Baseline, error) {
	if r.baseline != nil {
		return r.baseline, nil
	}
	cur, err := r.currentVersion()
	if err != nil {
		return nil, fault.Input(fmt.Errorf("reading the current version from %s: %w", r.pp.Pipeline.Model.Target.File, err))
	}
	r.curVer = cur
	b := &record.Baseline{Version: cur}
	recs, err := r.records(ctx)
	if err != nil {
		return nil, err
	}
	for i := len(recs) - 1; i >= 0; i-- {
		rec := recs[i]
		if rec.Promotion == nil || rec.Promotion.To != cur || rec.Training == nil || rec.Model != r.pp.Model {
			continue
		}
		b.RunID = rec.ID
		b.Metrics = numericMetrics(rec.Training.Metrics)
		if rec.Candidate != nil {
			b.Artifact = rec.Candidate.URI + "@" + rec.Candidate.Digest
		}
		break
	}
	r.baseline = b
	return b, nil
}

// records returns the pipeline's run records from the artifact store,
// reading them once per run. A history that cannot be read whole is an
// error: the guardrails and the baseline rest on it, and a hole in it would
// silently loosen them.
func (r *pipelineRun) records(ctx context.Context) ([]*record.Run, error) {
	if r.history == nil && r.opt.Artifacts != nil {
		recs, err := r.opt.Artifacts.Records(ctx, r.pp.Name)
		if err != nil {
			return nil, fault.Infra(fmt.Errorf("reading the run records of pipeline %s: %w", r.pp.Name, err))
		}
		r.history = append([]*record.Run{}, recs...)
	}
	return r.history, nil
}

// baselineDir fetches the current model's artifact, when the run records
// know it, into a directory for CTGIT_BASELINE_DIR.
func (r *pipelineRun) baselineDir(ctx context.Context) (string, func()) {
	nothing := func() {}
	if r.opt.Artifacts == nil {
		return "", nothing
	}
	base, err := r.findBaseline(ctx)
	if err != nil || base.Artifact == "" {
		return "", nothing
	}
	key := r.opt.Artifacts.KeyOf(base.Artifact)
	if key == "" {
		return "", nothing
	}
	dir, err := r.opt.Cache.TempDir("baseline-")
	if err != nil {
		return "", nothing
	}
	_, dg, _ := strings.Cut(base.Artifact, "@")
	if err := r.opt.Artifacts.Fetch(ctx, key, dg, filepath.Join(dir, filepath.Base(r.pp.Pipeline.Train.Model))); err != nil {
		r.emit(Event{Kind: EventNote, Step: "train", Message: "current model's artifact not available: " + err.Error()})
		os.RemoveAll(dir)
		return "", nothing
	}
	return dir, func() { os.RemoveAll(dir) }
}
