package forge

import "strings"

// GitHubRepository finds "owner/name" for the GitHub forge: configured,
// else fromEnv (GITHUB_REPOSITORY, read by the caller), else from a github.com remote URL.
func GitHubRepository(configured, fromEnv, remoteURL string) (owner, name string, ok bool) {
	full := configured
	if full == "" {
		full = fromEnv
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
