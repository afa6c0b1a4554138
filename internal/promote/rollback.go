package promote

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/gitops"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/report"
)

// RollbackRequest asks to return a model to an earlier version.
type RollbackRequest struct {
	Pipeline *config.Pipeline
	// To is the version to return to; "" picks the previous one.
	To string
	// Reason says why, in the requester's words; it goes into the body.
	Reason string
	// RequestedBy is who asked (a login, or "" for nobody in particular).
	RequestedBy string
	// Channel is the stage to roll back ("" for the model's own target).
	Channel string
	// Evidence is what `ctgit watch` saw, for the body.
	Evidence []report.SLIEvidence
}

// RollbackBranch is the branch a rollback of channel uses: the model's
// rollback branch, with the channel after a dash.
func RollbackBranch(pp *config.Pipeline, channel string) string {
	if channel == "" {
		return pp.RollbackBranch()
	}
	return pp.RollbackBranch() + "-" + channel
}

// HistoryRev is the revision whose history rollback and status read: the
// local base branch, else its remote-tracking branch, else HEAD.
func HistoryRev(root, remote, base string) string {
	repo, err := git.PlainOpenWithOptions(root, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return "HEAD"
	}
	names := []plumbing.ReferenceName{plumbing.NewBranchReferenceName(base)}
	if remote != "" {
		names = append(names, plumbing.NewRemoteReferenceName(remote, base))
	}
	for _, n := range names {
		if _, err := repo.Reference(n, true); err == nil {
			return n.String()
		}
	}
	return "HEAD"
}

// Rollback opens a pull request that returns the model's target to an
// earlier value from the history of the base branch (the previous one by
// default), restoring the artifact field from the same commit when the
// target has one. The body says why (report.RollbackPullRequest).
func (p *Promoter) Rollback(ctx context.Context, req RollbackRequest) (*Outcome, error) {
	pp := req.Pipeline
	st, err := StageOf(pp, req.Channel)
	if err != nil {
		return nil, err
	}
	t := st.Target
	rev := HistoryRev(p.Root, p.Remote, p.Base)
	versions, err := gitops.History(p.Root, rev, t.File, t.Path)
	if err != nil {
		return nil, err
	}
	cur := versions[0]
	var to *gitops.Version
	switch {
	case req.To == "" && len(versions) < 2:
		return nil, fault.Input(fmt.Errorf("no earlier version of %s to roll back to: %s %s has held %s since commit %s (%s) in the history of %s; a shallow clone shows less history (fetch with fetch-depth: 0)",
			pp.Model.Name, t.File, t.Path, cur.Value, cur.Commit[:12], cur.Subject, shortRev(rev)))
	case req.To == "":
		to = &versions[1]
	case req.To == cur.Value:
		return nil, fault.Input(fmt.Errorf("%s already holds %s on %s; nothing to roll back", t.File, req.To, shortRev(rev)))
	default:
		for i := 1; i < len(versions); i++ {
			if versions[i].Value == req.To {
				to = &versions[i]
				break
			}
		}
		if to == nil {
			var known []string
			for _, v := range versions[1:] {
				known = append(known, v.Value)
			}
			if len(known) == 0 {
				known = []string{"none"}
			}
			return nil, fault.Input(fmt.Errorf("%s never held %s in the history of %s; earlier versions, newest first: %s",
				t.File, req.To, shortRev(rev), strings.Join(known, ", ")))
		}
	}

	edits := []gitops.Edit{{File: t.File, Field: t.Path, Value: to.Value}}
	rb := report.Rollback{Pipeline: pp.Name, Model: pp.Model.Name, From: cur.Value, To: to.Value, Reason: req.Reason, RequestedBy: req.RequestedBy,
		Channel: req.Channel, Evidence: req.Evidence,
		Introduced: &report.Introduced{Commit: cur.Commit, Subject: cur.Subject, Author: cur.Author, Time: cur.Time}}
	if runs := cur.Trailers[gitops.TrailerRun]; len(runs) > 0 {
		rb.Introduced.RunID = runs[0]
	}
	if t.Artifact != "" {
		// The artifact the version had is the one of the same commit.
		if a, err := gitops.FieldAt(p.Root, to.Commit, t.File, t.Artifact); err == nil {
			if err := p.checkStored(ctx, pp, to.Value, a); err != nil {
				return nil, err
			}
			rb.ToArtifact = a
			edits = append(edits, gitops.Edit{File: t.File, Field: t.Artifact, Value: a})
		}
	}
	if runs := to.Trailers[gitops.TrailerRun]; len(runs) > 0 {
		rb.ToRunID = runs[0]
	}
	var body bytes.Buffer
	if err := report.RollbackPullRequest(&body, rb, p.Links); err != nil {
		return nil, fmt.Errorf("rendering the rollback body: %w", err)
	}
	prom := &record.Promotion{Channel: req.Channel, From: cur.Value, To: to.Value, Branch: RollbackBranch(pp, req.Channel)}
	commitBody := fmt.Sprintf("Roll %s back from %s to %s, the value of commit %s.", pp.Model.Name, cur.Value, to.Value, to.Commit[:12])
	if req.Reason != "" {
		commitBody += "\n\nReason: " + strings.Join(strings.Fields(req.Reason), " ")
	}
	prov := gitops.Provenance{Pipeline: pp.Name, Run: rb.ToRunID, Artifact: rb.ToArtifact, Rollback: cur.Value}
	return p.open(ctx, prom, edits, report.RollbackTitle(rb), body.String(), commitBody, prov, pp)
}

// checkStored refuses a rollback whose restored artifact is no longer in
// the artifact store, before anything is written: a target pointing at a
// model that cannot be pulled is an outage, not a rollback. A value that is
// no reference ("none", "") has nothing to check. A reference into another
// store than settings.artifacts cannot be checked, so it is refused too.
// "Not there" is bad input (exit 2: pick another --to); a store that cannot
// be asked is an infrastructure failure (exit 3).
func (p *Promoter) checkStored(ctx context.Context, pp *config.Pipeline, version, ref string) error {
	if !strings.Contains(ref, "://") && !strings.Contains(ref, "@sha256:") {
		return nil
	}
	if p.Store == nil {
		return fault.Input(fmt.Errorf("rolling %s back to %s restores artifact %s, and no artifact store is open to check it is still there", pp.Model.Name, version, ref))
	}
	key := p.Store.KeyOf(ref)
	if key == "" {
		return fault.Input(fmt.Errorf("rolling %s back to %s restores artifact %s, which is not in the artifact store %s (settings.artifacts), so ctgit cannot check it is still there; roll back by hand, or to a version stored there",
			pp.Model.Name, version, ref, p.Store))
	}
	ok, err := p.Store.Exists(ctx, key)
	if err != nil {
		return fault.Infra(fmt.Errorf("checking that the artifact of %s %s is still stored: %w", pp.Model.Name, version, err))
	}
	if !ok {
		return fault.Input(fmt.Errorf("cannot roll %s back to %s: its artifact %s is no longer in the artifact store %s; pick another version with --to",
			pp.Model.Name, version, ref, p.Store))
	}
	return nil
}

func shortRev(rev string) string {
	return strings.TrimPrefix(strings.TrimPrefix(rev, "refs/heads/"), "refs/remotes/")
}
