package report

import (
	"strings"

	"github.com/ctgit/ctgit/internal/record"
)

// Links are the places a run's views link to. The caller fills them from
// the CI environment (see LinksFromEnv); renderers never read it.
type Links struct {
	// ServerURL, Repository and RunID are GITHUB_SERVER_URL,
	// GITHUB_REPOSITORY and GITHUB_RUN_ID.
	ServerURL  string
	Repository string
	RunID      string
}

// LinksFromEnv reads GitHub Actions' variables through getenv (os.Getenv,
// or a map's lookup in tests).
func LinksFromEnv(getenv func(string) string) Links {
	return Links{
		ServerURL:  getenv("GITHUB_SERVER_URL"),
		Repository: getenv("GITHUB_REPOSITORY"),
		RunID:      getenv("GITHUB_RUN_ID"),
	}
}

// RunURL is the Actions run page,
// GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID, or "" when
// any part is unknown.
func (l Links) RunURL() string {
	if l.ServerURL == "" || l.Repository == "" || l.RunID == "" {
		return ""
	}
	return strings.TrimSuffix(l.ServerURL, "/") + "/" + l.Repository + "/actions/runs/" + l.RunID
}

// runURL prefers the links given by the caller, then the record's own.
func runURL(r *record.Run, l Links) string {
	if u := l.RunURL(); u != "" {
		return u
	}
	if r.CI != nil {
		return r.CI.RunURL
	}
	return ""
}
