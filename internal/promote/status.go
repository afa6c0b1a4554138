package promote

import (
	"context"
	"fmt"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/forge"
	"github.com/ctgit/ctgit/internal/gitops"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/version"
)

// ReadStatus reads the status of the pipelines' targets from the history
// of rev in the repository at root, and their open pull requests from f
// (nil: none listed).
func ReadStatus(ctx context.Context, root, rev, base string, pipelines []*config.Pipeline, f forge.Forge) (*record.Status, error) {
	st := &record.Status{APIVersion: version.APIVersion, Kind: record.StatusKind, Revision: rev, Base: base, Models: []record.ModelStatus{}}
	var open []forge.PullRequest
	if f != nil {
		var err error
		if open, err = f.List(ctx, ""); err != nil {
			return nil, fmt.Errorf("listing open pull requests: %w", err)
		}
	}
	for _, pp := range pipelines {
		stages := []Stage{{Target: pp.Model.Target, Branch: pp.PromotionBranch("")}}
		for _, c := range pp.Promote.Channels {
			stages = append(stages, Stage{Channel: c.Name, Target: c.Target, Branch: pp.PromotionBranch(c.Name)})
		}
		for _, sg := range stages {
			m := record.ModelStatus{Pipeline: pp.Name, Model: pp.Model.Name, Channel: sg.Channel, File: sg.Target.File, Field: sg.Target.Path, Branch: sg.Branch}
			// A channel is rolled back on its own branch (watch's, or
			// rollback's of that channel).
			m.RollbackBranch = RollbackBranch(pp, sg.Channel)
			if vs, err := gitops.History(root, rev, sg.Target.File, sg.Target.Path); err != nil {
				m.Error = err.Error()
			} else {
				v := vs[0]
				at := v.Time.UTC()
				m.Version, m.PromotedAt, m.Commit, m.Subject = v.Value, &at, v.Commit, v.Subject
				if runs := v.Trailers[gitops.TrailerRun]; len(runs) > 0 {
					m.Run = runs[0]
				}
			}
			for _, pr := range open {
				req := &record.OpenRequest{Number: pr.Number, URL: pr.URL, Title: pr.Title}
				switch {
				case pr.Branch == sg.Branch:
					m.PullRequest = req
				case m.RollbackBranch != "" && pr.Branch == m.RollbackBranch:
					m.Rollback = req
				}
			}
			st.Models = append(st.Models, m)
		}
	}
	return st, nil
}
