package exec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/rewrite"
	"github.com/ctgit/ctgit/internal/semver"
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

// deployedRef is the deployed model's artifact: its URI and digest, and
// where ctgit read them.
type deployedRef struct {
	URI, Digest, Where string
}

// deployedArtifact is the deployed model's artifact: the target's artifact
// field when the pipeline declares one and it holds URI@DIGEST (what Git
// says is deployed), else the run record that promoted the deployed
// version. The zero value when neither knows.
func (r *pipelineRun) deployedArtifact(base *record.Baseline) deployedRef {
	t := r.pp.Pipeline.Model.Target
	if t.Artifact != "" {
		src, err := os.ReadFile(r.abs(t.File))
		if err == nil {
			if v, err := rewrite.Get(t.File, src, t.Artifact); err == nil {
				if i := strings.LastIndex(v, "@"); i >= 0 && strings.HasPrefix(v[i+1:], digest.Prefix) {
					return deployedRef{v[:i], v[i+1:], t.File + " " + t.Artifact}
				}
			}
		}
	}
	if i := strings.LastIndex(base.Artifact, "@"); i >= 0 {
		return deployedRef{base.Artifact[:i], base.Artifact[i+1:], "run record " + base.RunID}
	}
	return deployedRef{}
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
		for _, st := range rec.Steps {
			for k, v := range numericMetrics(st.Metrics) {
				b.Metrics[st.Name+"."+k] = v
			}
		}
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

// handedBaseline is what the training step was given in
// CTGIT_BASELINE_DIR: the deployed artifact's digest, or why nothing.
type handedBaseline struct {
	Dir    string
	Digest string
	// Note says why no artifact was handed, when a version is deployed.
	Note string
}

// baselineDir fetches the deployed model's artifact into a directory for
// CTGIT_BASELINE_DIR, so that the training step can score it on the
// candidate's evaluation rows. It fails closed: when the artifact is one
// this store made (its URI is the store's) and the pipeline has gates
// relative to it, an artifact that cannot be fetched, or whose bytes are
// not its digest, is an infrastructure error before training; the gates
// would otherwise compare with numbers from another holdout without
// anyone noticing. An artifact the store cannot know (another store, a
// hand-written reference, no artifact recorded at all) is not an error:
// the handed baseline says why, and the record keeps it.
func (r *pipelineRun) baselineDir(ctx context.Context) (handedBaseline, func(), error) {
	nothing := func() {}
	p := r.pp.Pipeline
	base, err := r.findBaseline(ctx)
	if err != nil {
		return handedBaseline{}, nothing, err
	}
	if semver.NoVersionYet(base.Version) {
		return handedBaseline{}, nothing, nil
	}
	ref := r.deployedArtifact(base)
	switch {
	case ref.Digest == "":
		return handedBaseline{Note: fmt.Sprintf("no artifact of %s %s is known (%s names none, and no run record promoted it with one)",
			p.Model.Name, base.Version, p.Model.Target.File)}, nothing, nil
	case r.opt.Artifacts == nil:
		return handedBaseline{Note: "no artifact store is configured"}, nothing, nil
	}
	key := r.opt.Artifacts.KeyOf(ref.URI + "@" + ref.Digest)
	if key == "" {
		return handedBaseline{Note: fmt.Sprintf("its artifact %s (%s) is not in the artifact store %s", ref.URI, ref.Where, r.opt.Artifacts)}, nothing, nil
	}
	dir, err := r.opt.Cache.TempDir("baseline-")
	if err != nil {
		return handedBaseline{}, nothing, fault.Infra(err)
	}
	if err := r.opt.Artifacts.Fetch(ctx, key, ref.Digest, filepath.Join(dir, filepath.Base(p.Train.Model))); err != nil {
		os.RemoveAll(dir)
		msg := fmt.Sprintf("the deployed model %s %s (%s, %s) cannot be fetched from the artifact store: %v",
			p.Model.Name, base.Version, ref.Where, digest.Short(ref.Digest), err)
		if hasRelativeGates(p) {
			return handedBaseline{}, nothing, fault.Infra(fmt.Errorf("%s; its relative gates need it to score the deployed model on the same rows", msg))
		}
		r.emit(Event{Kind: EventNote, Step: "train", Message: msg})
		return handedBaseline{Note: msg}, nothing, nil
	}
	return handedBaseline{Dir: dir, Digest: ref.Digest}, func() { os.RemoveAll(dir) }, nil
}

// hasRelativeGates says whether a gate compares with the deployed model.
func hasRelativeGates(p *config.Pipeline) bool {
	if p.Evaluate == nil {
		return false
	}
	for _, g := range p.Evaluate.Gates {
		if g.Relative() {
			return true
		}
	}
	return false
}
