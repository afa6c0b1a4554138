package report

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/ctgit/ctgit/internal/gitops"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/version"
)

// Kinds of the documents `ctgit promote` and `ctgit rollback` write with
// --format json.
const (
	PromotionResultKind = "PromotionResult"
	RollbackResultKind  = "RollbackResult"
)

// PromotionResult is what one `ctgit promote` or `ctgit rollback` did: the
// promotion as run records keep it, and the pull request it opened or
// would open.
type PromotionResult struct {
	APIVersion string `json:"apiVersion"`
	// Kind is PromotionResultKind or RollbackResultKind.
	Kind     string `json:"kind"`
	Pipeline string `json:"pipeline"`
	Model    string `json:"model"`
	// DryRun is true when nothing was written.
	DryRun bool `json:"dryRun"`
	// Promotion is the result; its URL is the pull request's, or the local
	// pull request file's absolute path.
	Promotion *record.Promotion `json:"promotion"`
	// Title is the pull request's title.
	Title string `json:"title"`
	// Files are the paths (slash-separated, relative to the repository
	// root) the promotion changes against the base branch; empty when the
	// base already holds the values.
	Files []string `json:"files"`
	// Diff is the unified diff of Files, in a dry run only.
	Diff string `json:"diff,omitempty"`

	// body is the pull request's body, printed by a dry run's text.
	body string
	// root relativises the local pull request path in the text.
	root string
}

// NewPromotionResult gathers what a promotion (kind PromotionResultKind) or
// a rollback (RollbackResultKind) did; root is the repository root.
func NewPromotionResult(kind, root, pipeline, model string, prom *record.Promotion, title, body string, files []gitops.FileChange, dryRun bool) (*PromotionResult, error) {
	r := &PromotionResult{
		APIVersion: version.APIVersion, Kind: kind, Pipeline: pipeline, Model: model, DryRun: dryRun,
		Promotion: prom, Title: title, Files: []string{}, body: body, root: root,
	}
	for _, f := range files {
		r.Files = append(r.Files, filepath.ToSlash(f.Path))
	}
	if dryRun && len(files) > 0 {
		var b bytes.Buffer
		if err := gitops.UnifiedDiff(&b, files); err != nil {
			return nil, err
		}
		r.Diff = b.String()
	}
	return r, nil
}

// Promotion renders a promotion's or rollback's result: text says what was
// done in one line (a dry run first prints the diff and the pull request
// it would open; a refusal prints nothing, its reason being the command's
// error), json is the PromotionResult.
func Promotion(w io.Writer, r *PromotionResult, format string) error {
	switch format {
	case FormatJSON:
		return writeJSON(w, r)
	case FormatText:
		return promotionText(w, r)
	}
	return fmt.Errorf("unknown format %q", format)
}

func promotionText(w io.Writer, r *PromotionResult) error {
	pr := r.Promotion
	if r.Diff != "" {
		if _, err := io.WriteString(w, r.Diff); err != nil {
			return err
		}
		fmt.Fprintf(w, "\n--- pull request (branch %s) ---\n# %s\n\n%s\n", pr.Branch, r.Title, strings.TrimRight(r.body, "\n"))
	}
	where := pr.URL
	if rel, err := filepath.Rel(r.root, where); err == nil && filepath.IsAbs(where) && !strings.HasPrefix(rel, "..") {
		where = filepath.ToSlash(rel)
	}
	from := pr.From
	if from == "" {
		from = "(none)"
	}
	var err error
	switch pr.Status {
	case record.PromotionOpened, record.PromotionUpdated:
		_, err = fmt.Fprintf(w, "%s pull request %s: %s → %s on branch %s (commit %s)\n", pr.Status, where, from, pr.To, pr.Branch, gitops.ShortCommit(pr.Commit))
	case record.PromotionDryRun:
		_, err = fmt.Fprintf(w, "dry run: would set %s → %s on branch %s; nothing written\n", from, pr.To, pr.Branch)
	case record.PromotionRefused:
		// The command's error says why; nothing was done.
	default: // unchanged, superseded: nothing left to do
		_, err = fmt.Fprintf(w, "%s: %s\n", pr.Status, pr.Reason)
	}
	return err
}
