// Package promote turns a candidate that passed its gates into a promotion:
// the target field rewritten in place on branch ctgit/<model> (internal/
// gitops), and one pull request for that branch (internal/forge) whose body
// internal/report renders from the run record. `ctgit run` reaches it
// through exec.Promoter, which cmd/ctgit wires to it (promote does not
// import exec); `ctgit promote` and `ctgit rollback` call it directly.
package promote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ctgit/ctgit/internal/artifact"
	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/forge"
	"github.com/ctgit/ctgit/internal/gitops"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/report"
)

// Promoter opens promotions in one repository.
type Promoter struct {
	// Root is the repository's work tree (never modified).
	Root string
	// Remote is the remote to push to ("" keeps the branch local).
	Remote string
	// Base is the branch promotions target.
	Base  string
	Forge forge.Forge
	// Token authenticates pushes over HTTPS ("" for none).
	Token string
	Bot   gitops.Identity
	// Links point the pull request body at the CI run.
	Links report.Links
	// History returns earlier run records of a pipeline, for the body's
	// metric chart (nil: none).
	History func(ctx context.Context, pipeline string) []*record.Run
	// Store is the artifact store (settings.artifacts): a rollback checks
	// that the artifact it restores is still there (nil: a rollback that
	// restores an artifact reference is refused).
	Store artifact.Store
	// Reopen reopens a pull request a human closed.
	Reopen bool
	// DryRun computes everything and writes nothing.
	DryRun bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	preflight    sync.Once
	preflightErr error
}

// Promote promotes run, a run of pipeline pl whose gates passed, to
// version over current, the version the target holds: the promotion
// `ctgit run` asks for through exec.Promoter.
func (p *Promoter) Promote(ctx context.Context, pl *plan.PipelinePlan, run *record.Run, version, current string) (*record.Promotion, error) {
	pp := pl.Pipeline
	target := pp.Model.Target
	edits := []gitops.Edit{{File: target.File, Field: target.Path, Value: version}}
	if target.Artifact != "" && run.Candidate != nil {
		edits = append(edits, gitops.Edit{File: target.File, Field: target.Artifact, Value: artifact.Reference(run.Candidate.URI, run.Candidate.Digest, target.ArtifactFormat)})
	}
	prom := &record.Promotion{From: current, To: version, Branch: pp.PromotionBranch("")}

	// The body describes the run as promoted: render it from a copy of the
	// record that says so, since the promotion is what this call makes.
	view := *run
	view.Outcome = record.OutcomePromoted
	view.Promotion = prom
	var history []*record.Run
	if p.History != nil {
		history = p.History(ctx, run.Pipeline)
	}
	var body bytes.Buffer
	if err := report.PullRequest(&body, &view, history, p.Links); err != nil {
		return nil, fmt.Errorf("rendering the pull request body: %w", err)
	}
	title := report.PullRequestTitle(&view)

	prov := gitops.Provenance{
		Run:          run.ID,
		Pipeline:     run.Pipeline,
		SourceCommit: run.SourceCommit,
		Executor:     run.TrainingExecutor(),
		Image:        run.TrainingImage(),
		Command:      run.TrainingProgram(),
	}
	prov.Data = dataTrailers(run.Data)
	if run.Candidate != nil {
		prov.Artifact = run.Candidate.URI + "@" + run.Candidate.Digest
	}
	out, err := p.open(ctx, prom, edits, title, body.String(), bumpMessage(pp.Model.Name, prom), prov, pp)
	if err != nil {
		return nil, err
	}
	return out.Promotion, nil
}

// Outcome is what a promotion or a rollback did, and what a dry run would
// do.
type Outcome struct {
	// Promotion is the result, as run records keep it.
	Promotion *record.Promotion
	// Title and Body are the pull request's text.
	Title, Body string
	// Files are the changes against the base branch (none when the base
	// already holds the values).
	Files []gitops.FileChange
}

func bumpMessage(model string, prom *record.Promotion) string {
	if prom.From == "" {
		return fmt.Sprintf("Set %s to %s.", model, prom.To)
	}
	return fmt.Sprintf("Bump %s from %s to %s.", model, prom.From, prom.To)
}

func (p *Promoter) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// open publishes the branch and its pull request; shared by promotions and
// rollbacks.
func (p *Promoter) open(ctx context.Context, prom *record.Promotion, edits []gitops.Edit, title, body, commitBody string, prov gitops.Provenance, pp *config.Pipeline) (*Outcome, error) {
	out := &Outcome{Promotion: prom, Title: title, Body: body}
	if err := p.Preflight(ctx); err != nil {
		return nil, err
	}
	res, err := gitops.Promote(ctx, gitops.Request{
		Dir:        p.Root,
		Remote:     p.Remote,
		Base:       p.Base,
		Branch:     prom.Branch,
		Edits:      edits,
		Subject:    title,
		Body:       commitBody,
		Provenance: prov,
		Author:     p.Bot,
		Committer:  p.Bot,
		Auth:       gitops.Auth{Token: p.Token},
		Time:       p.now(),
		DryRun:     p.DryRun,
	})
	if res != nil {
		out.Files = res.Files
	}
	file := edits[0].File
	switch {
	case errors.Is(err, gitops.ErrNoChanges):
		prom.Status, prom.Reason = record.PromotionUnchanged, fmt.Sprintf("%s already holds %s on %s", file, prom.To, p.Base)
		return out, nil
	case errors.Is(err, gitops.ErrForeignCommits):
		prom.Status, prom.Reason = record.PromotionRefused, fmt.Sprintf("branch %s has commits ctgit did not write; it and its pull request are left alone", prom.Branch)
		return out, nil
	case errors.Is(err, gitops.ErrSuperseded):
		prom.Status, prom.Reason = record.PromotionSuperseded, "another promotion updated the branch first"
		return out, nil
	case err != nil:
		return nil, err
	}
	prom.Commit = res.Commit
	if p.DryRun {
		prom.Status, prom.Reason = record.PromotionDryRun, "nothing written"
		return out, nil
	}
	pr, err := p.Forge.Open(ctx, forge.Request{
		Branch: prom.Branch, Base: p.Base, Title: title, Body: body,
		Labels: pp.Promote.Labels, Reviewers: pp.Promote.Reviewers, Reopen: p.Reopen,
	})
	if err != nil {
		// No pull request: take back what this call pushed, so that no
		// branch is left without one.
		undone := p.undo(ctx, prom.Branch, res)
		if errors.Is(err, forge.ErrClosed) {
			prom.Status, prom.Reason, prom.Commit = record.PromotionRefused, err.Error()+"; "+undone, ""
			return out, nil
		}
		return nil, fmt.Errorf("%w; %s", err, undone)
	}
	prom.URL = pr.URL
	opened := p.now()
	prom.OpenedAt = &opened
	prom.Status = record.PromotionUpdated
	if pr.Created {
		prom.Status = record.PromotionOpened
	}
	return out, nil
}

// undo takes back the push of res after its pull request could not be
// opened, and says what became of the branch.
func (p *Promoter) undo(ctx context.Context, branch string, res *gitops.Result) string {
	where := "on " + p.Remote
	if p.Remote == "" {
		where = "in this repository"
	}
	if !res.Pushed {
		return fmt.Sprintf("branch %s %s already held this commit and was left as it was", branch, where)
	}
	// Undo even when ctx was canceled (Ctrl-C during the pull request
	// call), but bounded.
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	err := gitops.Undo(uctx, gitops.UndoRequest{Dir: p.Root, Remote: p.Remote, Branch: branch, Auth: gitops.Auth{Token: p.Token},
		Pushed: res.Commit, Previous: res.Previous})
	switch {
	case err != nil && res.Previous == "":
		return fmt.Sprintf("ctgit pushed branch %s %s and could not delete it again (%v): delete it by hand (git push %s --delete %s)", branch, where, err, orDot(p.Remote), branch)
	case err != nil:
		return fmt.Sprintf("ctgit moved branch %s %s to %s and could not move it back to %s (%v): reset it by hand", branch, where, gitops.ShortCommit(res.Commit), gitops.ShortCommit(res.Previous), err)
	case res.Previous == "":
		return fmt.Sprintf("ctgit deleted branch %s %s again, which it had just pushed: nothing is left behind", branch, where)
	}
	return fmt.Sprintf("ctgit moved branch %s %s back to %s, where it was before", branch, where, gitops.ShortCommit(res.Previous))
}

func orDot(remote string) string {
	if remote == "" {
		return "."
	}
	return remote
}

// Preflight asks the remote and the forge, without writing anything,
// whether a promotion could be pushed and its pull request opened
// (gitops.CheckRemote, forge.Forge.Check). `ctgit run` calls it before any
// step runs; every promotion and rollback calls it before writing, so
// `ctgit promote` and `ctgit rollback` check after their input and before
// their push. It runs once per Promoter. A dry run is not checked: it
// pushes nothing and opens nothing.
func (p *Promoter) Preflight(ctx context.Context) error {
	p.preflight.Do(func() {
		if p.DryRun {
			return
		}
		if p.Remote != "" {
			p.preflightErr = gitops.CheckRemote(ctx, gitops.RemoteCheck{Dir: p.Root, Remote: p.Remote, Base: p.Base, Auth: gitops.Auth{Token: p.Token}})
			if p.preflightErr != nil {
				return
			}
		}
		p.preflightErr = p.Forge.Check(ctx)
	})
	return p.preflightErr
}

// dataTrailers are the Ctgit-Data trailers of a run's data: "ROLE
// PATH@DIGEST", reference first. The role is named because two datasets
// may read one location through different windows (this week and the week
// before, both s3://bucket/prefix/), where the path alone cannot tell the
// digests apart.
func dataTrailers(d record.Data) []string {
	var out []string
	for _, ds := range []struct {
		role string
		d    record.Dataset
	}{{"reference", d.Reference}, {"current", d.Current}} {
		if ds.d.Digest != "" {
			out = append(out, ds.role+" "+ds.d.Path+"@"+ds.d.Digest)
		}
	}
	return out
}
