package promote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	artifactref "github.com/ctgit/ctgit/internal/artifact"
	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/gitops"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/report"
	"github.com/ctgit/ctgit/internal/rewrite"
	"github.com/ctgit/ctgit/internal/semver"
)

// ManualRequest is a promotion asked for by hand (`ctgit promote`).
type ManualRequest struct {
	Pipeline *config.Pipeline
	// Channel is the promotion stage ("" for the model's own target).
	Channel string
	// Version is the version to promote; "" with a Channel takes the
	// version the previous stage's target holds.
	Version string
	// Analysis is the canary analysis the channel required, as it passed,
	// for the pull request body.
	Analysis []report.AnalysisEvidence
	// Artifact is "URI@sha256:HEX"; "" takes the previous stage's artifact
	// (with a Channel) or the candidate of the run record that produced
	// Version, and leaves the artifact field alone when neither is known.
	Artifact string
}

// Stage is where a promotion writes and where its version comes from.
type Stage struct {
	// Channel is the stage's name ("" for the model's own target).
	Channel string
	// Target is the field the promotion rewrites.
	Target config.Target
	// From is the previous stage's target, whose value a channel
	// promotion carries forward (nil without a channel).
	From *config.Target
	// Branch is the promotion branch.
	Branch string
}

// StageOf resolves a channel of a pipeline: its target, the target it
// promotes from (the previous channel's, or the model's own for the first)
// and its branch. An unknown channel is bad input.
func StageOf(pp *config.Pipeline, channel string) (Stage, error) {
	if channel == "" {
		return Stage{Target: pp.Model.Target, Branch: pp.PromotionBranch("")}, nil
	}
	var names []string
	for i, c := range pp.Promote.Channels {
		names = append(names, strconv.Quote(c.Name))
		if c.Name != channel {
			continue
		}
		from := pp.Model.Target
		if i > 0 {
			from = pp.Promote.Channels[i-1].Target
		}
		return Stage{Channel: channel, Target: c.Target, From: &from, Branch: pp.PromotionBranch(channel)}, nil
	}
	if len(names) == 0 {
		return Stage{}, fault.Input(fmt.Errorf("pipeline %q has no promote.channels, so --channel %q means nothing (declared at %s)", pp.Name, channel, pp.Promote.Pos))
	}
	return Stage{}, fault.Input(fmt.Errorf("pipeline %q has no channel %q; its channels are %s", pp.Name, channel, strings.Join(names, ", ")))
}

// ReadField reads a target's field from the file in the work tree under
// root. A missing file or field is bad input naming the file (and, for a
// field, its line and column).
func ReadField(root, file, field string) (string, error) {
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
	if err != nil {
		return "", fault.Input(fmt.Errorf("reading the promotion target: %w", err))
	}
	v, err := rewrite.Get(file, src, field)
	if err != nil {
		return "", fault.Input(err)
	}
	return v, nil
}

// checkVersion reports whether v is a version pipeline pp's scheme allows
// (semver.Check); what it is not is bad input.
func checkVersion(pp *config.Pipeline, v string) error {
	if err := semver.Check(v, pp.Promote.Scheme); err != nil {
		return fault.Input(fmt.Errorf("%w (pipeline %q has promote.scheme %q)", err, pp.Name, pp.Promote.Scheme))
	}
	return nil
}

var artifactRE = regexp.MustCompile(`^(\S+)@(sha256:[0-9a-f]{64})$`)

// ParseArtifact splits "URI@sha256:HEX" into its URI and digest; an
// oci:// URI must be a well-formed OCI repository (artifact.CheckURI).
func ParseArtifact(s string) (uri, digest string, err error) {
	m := artifactRE.FindStringSubmatch(s)
	if m == nil {
		return "", "", fault.Input(fmt.Errorf("artifact %q: want URI@sha256:<64 lowercase hex digits>", s))
	}
	if err := artifactref.CheckURI(m[1]); err != nil {
		return "", "", fault.Input(err)
	}
	return m[1], m[2], nil
}

// PromoteManual promotes a version by hand, as `ctgit run` would after
// its gates passed: same branch, commit and pull request. The body comes
// from the newest run record (Promoter.History) whose candidate is this
// artifact or version; without one it says the version was promoted by
// hand and that there are no gates to show. Bad input (unknown channel,
// missing target file or field, a version the scheme does not allow, a
// malformed artifact) fails before anything is fetched or written.
func (p *Promoter) PromoteManual(ctx context.Context, req ManualRequest) (*Outcome, error) {
	pp := req.Pipeline
	st, err := StageOf(pp, req.Channel)
	if err != nil {
		return nil, err
	}
	current, err := ReadField(p.Root, st.Target.File, st.Target.Path)
	if err != nil {
		return nil, err
	}
	version, artifact := req.Version, req.Artifact
	if st.From != nil {
		if version == "" {
			if version, err = ReadField(p.Root, st.From.File, st.From.Path); err != nil {
				return nil, err
			}
		}
		if artifact == "" && st.From.Artifact != "" && st.Target.Artifact != "" {
			if artifact, err = ReadField(p.Root, st.From.File, st.From.Artifact); err != nil {
				return nil, err
			}
		}
	}
	if version == "" {
		return nil, fault.Input(errors.New("--version is required (it may be left out only with --channel, which carries the previous stage's version)"))
	}
	if err := checkVersion(pp, version); err != nil {
		return nil, err
	}
	digest := ""
	if req.Artifact != "" {
		if _, digest, err = ParseArtifact(req.Artifact); err != nil {
			return nil, err
		}
	}
	if req.Artifact != "" && st.Target.Artifact == "" {
		return nil, fault.Input(fmt.Errorf("--artifact given, but the target %s of pipeline %q has no artifact field (set target.artifact, declared at %s)", st.Target.File, pp.Name, st.Target.Pos))
	}
	if st.Target.Artifact != "" {
		// The artifact field must exist too, before anything is written.
		if _, err := ReadField(p.Root, st.Target.File, st.Target.Artifact); err != nil {
			return nil, err
		}
	}

	var history []*record.Run
	if p.History != nil {
		history = p.History(ctx, pp.Name)
	}
	rec := matchingRecord(history, pp.Model.Name, version, digest)
	if artifact == "" && rec != nil && st.Target.Artifact != "" {
		artifact = rec.Candidate.URI + "@" + rec.Candidate.Digest
	}

	prom := &record.Promotion{Channel: st.Channel, From: current, To: version, Branch: st.Branch}
	edits := []gitops.Edit{{File: st.Target.File, Field: st.Target.Path, Value: version}}
	if artifact != "" && st.Target.Artifact != "" {
		value := artifact
		if uri, dg, err := ParseArtifact(artifact); err == nil {
			// In the form this target's consumer reads.
			value = artifactref.Reference(uri, dg, st.Target.ArtifactFormat)
		}
		edits = append(edits, gitops.Edit{File: st.Target.File, Field: st.Target.Artifact, Value: value})
	}

	now := p.now()
	where := ""
	if st.Channel != "" {
		where = fmt.Sprintf(" to channel %s", st.Channel)
	}
	var view record.Run
	prov := gitops.Provenance{Pipeline: pp.Name, Artifact: artifact}
	if rec != nil {
		view = *rec
		view.Reason = fmt.Sprintf("Promoted by hand%s with `ctgit promote`, from run %s (%s: %s)", where, rec.ID, rec.Outcome, rec.Reason)
		prov.Run, prov.SourceCommit = rec.ID, rec.SourceCommit
		prov.Executor, prov.Image, prov.Command = rec.TrainingExecutor(), rec.TrainingImage(), rec.TrainingProgram()
		prov.Data = dataTrailers(rec.Data)
	} else {
		view = *record.New("none (promoted by hand)", pp.Name, pp.Model.Name, now)
		view.Pos, view.FinishedAt, view.Executor = pp.Pos, now, "no"
		view.Trigger = record.Trigger{Kind: "manual", Detail: "ctgit promote", At: now}
		view.SourceCommit = gitops.HeadCommit(p.Root)
		view.Reason = fmt.Sprintf("Promoted by hand%s with `ctgit promote`; no run record of pipeline %s has this candidate, so there are no gates, drift or metrics to show", where, pp.Name)
		if artifact != "" {
			view.Reason += "; artifact " + artifact
		}
		prov.SourceCommit = view.SourceCommit
	}
	view.Outcome = record.OutcomePromoted
	view.Promotion = prom
	var body bytes.Buffer
	if err := report.PullRequest(&body, &view, history, p.Links); err != nil {
		return nil, fmt.Errorf("rendering the pull request body: %w", err)
	}
	if err := report.AnalysisMarkdown(&body, st.Channel, req.Analysis); err != nil {
		return nil, err
	}
	title := report.PullRequestTitle(&view)
	if st.Channel != "" {
		title += " (" + st.Channel + ")"
	}
	return p.open(ctx, prom, edits, title, body.String(), bumpMessage(pp.Model.Name, prom), prov, pp)
}

// matchingRecord returns the newest record of model whose candidate is the
// artifact with digest (when given) or was promoted as version.
func matchingRecord(history []*record.Run, model, version, digest string) *record.Run {
	for i := len(history) - 1; i >= 0; i-- {
		r := history[i]
		if r == nil || r.Model != model || r.Candidate == nil {
			continue
		}
		if digest != "" {
			if r.Candidate.Digest == digest {
				return r
			}
			continue
		}
		if r.Candidate.Version == version || (r.Promotion != nil && r.Promotion.To == version) {
			return r
		}
	}
	return nil
}
