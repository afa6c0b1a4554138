package promote

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ctgit/ctgit/internal/forge"
	"github.com/ctgit/ctgit/internal/gitops"
	"github.com/ctgit/ctgit/internal/plan"
	"github.com/ctgit/ctgit/internal/record"
)

// StatusKind is the "kind" of `ctgit status --format json`.
const StatusKind = "Status"

// Status is where every model stands: the version each target holds on
// the base branch, when it got there, and the open promotion pull requests.
type Status struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Revision is where the history was read ("refs/heads/main").
	Revision string `json:"revision"`
	// Base is the branch promotions target.
	Base   string        `json:"base"`
	Models []ModelStatus `json:"models"`
}

// ModelStatus is one target of one pipeline: the model's own, or one
// channel's.
type ModelStatus struct {
	Pipeline string `json:"pipeline"`
	Model    string `json:"model"`
	Channel  string `json:"channel,omitempty"`
	// File and Field locate the version.
	File  string `json:"file"`
	Field string `json:"field"`
	// Version is the value on the base branch ("" when unreadable; Error
	// says why).
	Version string `json:"version"`
	// PromotedAt, Commit and Subject describe the commit that set Version.
	PromotedAt *time.Time `json:"promotedAt,omitempty"`
	Commit     string     `json:"commit,omitempty"`
	Subject    string     `json:"subject,omitempty"`
	// Run is the Ctgit-Run trailer of that commit: the run that trained it.
	Run string `json:"run,omitempty"`
	// Branch is the promotion branch; PullRequest its open pull request.
	Branch      string       `json:"branch"`
	PullRequest *OpenRequest `json:"pullRequest,omitempty"`
	Error       string       `json:"error,omitempty"`
}

// OpenRequest is an open promotion pull request.
type OpenRequest struct {
	Number int    `json:"number,omitempty"`
	URL    string `json:"url"`
	Title  string `json:"title"`
}

// ReadStatus reads the status of the pipelines' targets from the history
// of rev in the repository at root, and their open pull requests from f
// (nil: none listed).
func ReadStatus(ctx context.Context, root, rev, base string, pipelines []*plan.Pipeline, f forge.Forge) (*Status, error) {
	st := &Status{APIVersion: record.APIVersion, Kind: StatusKind, Revision: rev, Base: base, Models: []ModelStatus{}}
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
			m := ModelStatus{Pipeline: pp.Name, Model: pp.Model.Name, Channel: sg.Channel, File: sg.Target.File, Field: sg.Target.Path, Branch: sg.Branch}
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
				if pr.Branch == sg.Branch {
					m.PullRequest = &OpenRequest{Number: pr.Number, URL: pr.URL, Title: pr.Title}
				}
			}
			st.Models = append(st.Models, m)
		}
	}
	return st, nil
}

// WriteStatusJSON writes the status as indented JSON.
func WriteStatusJSON(w io.Writer, st *Status) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(st)
}

// WriteStatusText writes the status as a table, paths of local pull
// request files relative to root.
func WriteStatusText(w io.Writer, st *Status, root string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tCHANNEL\tVERSION\tPROMOTED\tCOMMIT\tOPEN PULL REQUEST")
	for _, m := range st.Models {
		ch, ver, at, commit, pr := "-", m.Version, "-", "-", "-"
		if m.Channel != "" {
			ch = m.Channel
		}
		if m.Error != "" {
			ver = "?"
		}
		if m.PromotedAt != nil {
			at = m.PromotedAt.Format(time.RFC3339)
		}
		if m.Commit != "" {
			commit = m.Commit[:12]
		}
		if p := m.PullRequest; p != nil {
			url := p.URL
			if rel, err := filepath.Rel(root, url); err == nil && !strings.HasPrefix(rel, "..") && filepath.IsAbs(url) {
				url = filepath.ToSlash(rel)
			}
			if p.Number > 0 {
				pr = fmt.Sprintf("#%d %s (%s)", p.Number, p.Title, url)
			} else {
				pr = fmt.Sprintf("%s (%s)", p.Title, url)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.Model, ch, ver, at, commit, pr)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, m := range st.Models {
		if m.Error != "" {
			fmt.Fprintf(w, "%s %s: %s\n", m.Model, m.File, m.Error)
		}
	}
	_, err := fmt.Fprintf(w, "versions as of %s\n", shortRev(st.Revision))
	return err
}
