package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ctgit/ctgit/internal/record"
)

// WriteStatusJSON writes the status as indented JSON.
func WriteStatusJSON(w io.Writer, st *record.Status) error { return writeJSON(w, st) }

// openRequest is a pull request as the status table shows it, the path of
// a local one relative to root.
func openRequest(p *record.OpenRequest, root string) string {
	url := p.URL
	if rel, err := filepath.Rel(root, url); err == nil && !strings.HasPrefix(rel, "..") && filepath.IsAbs(url) {
		url = filepath.ToSlash(rel)
	}
	if p.Number > 0 {
		return fmt.Sprintf("#%d %s (%s)", p.Number, p.Title, url)
	}
	return fmt.Sprintf("%s (%s)", p.Title, url)
}

// WriteStatusText writes the status as a table, paths of local pull
// request files relative to root.
func WriteStatusText(w io.Writer, st *record.Status, root string) error {
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
			pr = openRequest(p, root)
		}
		if p := m.Rollback; p != nil {
			rb := "rollback " + openRequest(p, root)
			if pr == "-" {
				pr = rb
			} else {
				pr += "; " + rb
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
	if _, err := fmt.Fprintf(w, "versions as of %s\n", strings.TrimPrefix(strings.TrimPrefix(st.Revision, "refs/heads/"), "refs/remotes/")); err != nil {
		return err
	}
	return writeSpendText(w, st.Spend)
}
