package exec

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"strings"

	"dagger.io/dagger"
	"github.com/go-git/go-git/v5"
)

// Cache volumes live on the engine, which several repositories may share
// (a team's remote engine, a self-hosted runner's): two repositories with
// a pipeline named "fraud" must not share its caches. So a volume's name
// carries a short digest of the repository's identity: its origin remote
// URL (so clones of one repository on several runners share their caches),
// else its root directory.

// RepositoryIdentity is what names a repository among those that share an
// engine: the origin remote's URL without credentials and a trailing
// ".git", else root's absolute path.
func RepositoryIdentity(root string) string {
	if repo, err := git.PlainOpenWithOptions(root, &git.PlainOpenOptions{DetectDotGit: true}); err == nil {
		if r, err := repo.Remote("origin"); err == nil && len(r.Config().URLs) > 0 {
			return normalizeRemote(r.Config().URLs[0])
		}
	}
	if abs, err := filepath.Abs(root); err == nil {
		return abs
	}
	return root
}

// normalizeRemote drops what differs between clones of one repository:
// credentials, a trailing slash or ".git", the scheme's case.
func normalizeRemote(raw string) string {
	s := raw
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" && u.Host != "" {
		u.User = nil
		u.Scheme = strings.ToLower(u.Scheme)
		u.Host = strings.ToLower(u.Host)
		s = u.String()
	} else if at := strings.Index(s, "@"); at >= 0 && !strings.Contains(s[:at], "/") {
		s = s[at+1:] // scp-like git@host:owner/repo
	}
	s = strings.TrimSuffix(strings.TrimSuffix(s, "/"), ".git")
	return s
}

// repositoryScope is the short digest of a repository identity that
// volume names carry ("" for none).
func repositoryScope(identity string) string {
	if identity == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(identity))
	return hex.EncodeToString(sum[:])[:12]
}

// volume is the cache volume of a step's cache directory (name from its
// path): "ctgit-<scope>-<pipeline>-<name>", or without the scope when the
// executor was given no repository.
func (d *Dagger) volume(req StepRequest, name string) *dagger.CacheVolume {
	if d.scope == "" {
		return d.client.CacheVolume("ctgit-" + req.Pipeline + "-" + name)
	}
	return d.client.CacheVolume("ctgit-" + d.scope + "-" + req.Pipeline + "-" + name)
}

// witnessVolume holds the witnesses of this repository's steps (see
// dagger_witness.go); a name no pipeline's cache can take ("." is not in
// a pipeline's name).
func (d *Dagger) witnessVolume() *dagger.CacheVolume {
	if d.scope == "" {
		return d.client.CacheVolume("ctgit.witness")
	}
	return d.client.CacheVolume("ctgit." + d.scope + ".witness")
}
