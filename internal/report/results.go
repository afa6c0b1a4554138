package report

import (
	"fmt"
	"io"
	"path"

	"github.com/ctgit/ctgit/internal/bytesize"
)

// Kinds of the documents `ctgit cache prune`, `ctgit init` and
// `ctgit version` write with --format json.
const (
	CachePruneResultKind = "CachePruneResult"
	InitResultKind       = "InitResult"
	VersionKind          = "Version"
)

// CachePruneResult is what `ctgit cache prune` removed.
type CachePruneResult struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// CacheDir is the step cache, relative to the repository root.
	CacheDir string `json:"cacheDir"`
	// OlderThanSeconds is the age beyond which entries were removed.
	OlderThanSeconds float64 `json:"olderThanSeconds"`
	// Entries counts the step cache entries removed (with their outputs).
	Entries int `json:"entries"`
	// Downloads counts the downloaded data objects and assembled datasets
	// removed.
	Downloads int `json:"downloads"`
	// Profiles counts the reference profiles removed.
	Profiles int `json:"profiles"`
	// Bytes is the space they took.
	Bytes int64 `json:"bytes"`
}

// CachePrune renders what `ctgit cache prune` removed.
func CachePrune(w io.Writer, r *CachePruneResult, format string) error {
	switch format {
	case FormatJSON:
		return writeJSON(w, r)
	case FormatText:
		_, err := fmt.Fprintf(w, "removed %d entries, %d downloads and %d reference profiles, %s, from %s\n", r.Entries, r.Downloads, r.Profiles, bytesize.Format(r.Bytes), r.CacheDir)
		return err
	}
	return fmt.Errorf("unknown format %q", format)
}

// InitResult is what `ctgit init` wrote.
type InitResult struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Dir is the directory written into, as given.
	Dir string `json:"dir"`
	// Files are the paths written, slash-separated, relative to Dir.
	Files []string `json:"files"`
	// Workflow is the GitHub Actions workflow written, and which ctgit it
	// installs.
	Workflow InitWorkflow `json:"workflow"`
}

// InitWorkflow is the workflow `ctgit init` wrote and the ctgit it pins.
type InitWorkflow struct {
	// Path is relative to Dir.
	Path string `json:"path"`
	// Action is the `uses:` reference of the ctgit action
	// ("ctgit/ctgit@v1.2.3").
	Action string `json:"action"`
	// Version is the ctgit the action installs ("v1.2.3", or "latest").
	Version string `json:"version"`
	// Pinned is true when Action and Version name one release: the
	// running ctgit's. A development build has no release to pin.
	Pinned bool `json:"pinned"`
	// Note says why the workflow is not pinned; empty when it is.
	Note string `json:"note,omitempty"`
}

// Init renders what `ctgit init` wrote: text lists the files and what to do
// next.
func Init(w io.Writer, r *InitResult, format string) error {
	switch format {
	case FormatJSON:
		return writeJSON(w, r)
	case FormatText:
		for _, p := range r.Files {
			fmt.Fprintf(w, "wrote %s\n", path.Join(r.Dir, p))
		}
		if r.Workflow.Pinned {
			fmt.Fprintf(w, "\n%s uses %s, pinned to this ctgit's release.\n", r.Workflow.Path, r.Workflow.Action)
		} else {
			fmt.Fprintf(w, "\n%s uses %s with version %s, not pinned: %s\n", r.Workflow.Path, r.Workflow.Action, r.Workflow.Version, r.Workflow.Note)
		}
		fmt.Fprintf(w, "\nNext, in %s: git init (if it is not a repository yet), ctgit vet, ctgit plan, ctgit run.\n", r.Dir)
		_, err := fmt.Fprintf(w, "Push it to GitHub and %s takes over; read the token note at its top.\n", r.Workflow.Path)
		return err
	}
	return fmt.Errorf("unknown format %q", format)
}

// VersionInfo is which ctgit is running.
type VersionInfo struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Version is the release tag, the module version `go install`
	// recorded, or "devel".
	Version string `json:"version"`
	// Release is the release tag when this is a release build, else ""
	// (what `ctgit init` pins its workflow to).
	Release string `json:"release"`
	// Go is the Go release that built ctgit.
	Go string `json:"go,omitempty"`
	// Platform is GOOS/GOARCH.
	Platform string `json:"platform"`
	// Commit and Modified are the source revision the binary was built
	// from, when the build recorded it.
	Commit   string `json:"commit,omitempty"`
	Modified bool   `json:"modified,omitempty"`
}

// Version renders which ctgit is running: text is `ctgit VERSION` and
// `go VERSION`, as `ctgit --version` prints.
func Version(w io.Writer, v *VersionInfo, format string) error {
	switch format {
	case FormatJSON:
		return writeJSON(w, v)
	case FormatText:
		_, err := io.WriteString(w, VersionText(v))
		return err
	}
	return fmt.Errorf("unknown format %q", format)
}

// VersionText is the text of `ctgit version`.
func VersionText(v *VersionInfo) string {
	s := fmt.Sprintf("ctgit %s\n", v.Version)
	if v.Go != "" {
		s += fmt.Sprintf("go %s\n", v.Go)
	}
	return s
}
