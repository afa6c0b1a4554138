package forge

import (
	"os"
	"strings"
)

// GitHubRepository finds "owner/name" for the GitHub forge: configured,
// else GITHUB_REPOSITORY, else from a github.com remote URL.
func GitHubRepository(configured, remoteURL string) (owner, name string, ok bool) {
	full := configured
	if full == "" {
		full = os.Getenv("GITHUB_REPOSITORY")
	}
	if full == "" {
		u := strings.TrimSuffix(remoteURL, ".git")
		for _, prefix := range []string{"https://github.com/", "git@github.com:", "ssh://git@github.com/"} {
			if strings.HasPrefix(u, prefix) {
				full = strings.TrimPrefix(u, prefix)
			}
		}
	}
	owner, name, ok = strings.Cut(full, "/")
	return owner, name, ok && owner != "" && name != "" && !strings.Contains(name, "/")
}
