package gitops

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"

	"github.com/ctgit/ctgit/internal/fault"
)

// RemoteCheck names the remote a promotion will push to.
type RemoteCheck struct {
	// Dir is any directory inside the repository.
	Dir string
	// Remote is the remote's name ("origin").
	Remote string
	// Base is the branch promotions build on; it must exist on the remote.
	Base string
	// Auth is what the push will send.
	Auth Auth
}

// CheckRemote asks the remote, before anything is built or pushed, what a
// push would: it opens a receive-pack session with the push's credentials
// and reads the advertised branches, as `git push --dry-run` does. A token
// with a URL it cannot be sent to (ssh, plain http off loopback) is bad
// input; an unreachable remote, a refused token, or one without the right
// to push (GitHub refuses the receive-pack advertisement to a token without
// contents: write) is an infrastructure failure. Nothing is written.
func CheckRemote(ctx context.Context, c RemoteCheck) error {
	return c.Auth.scrub(checkRemote(ctx, c))
}

func checkRemote(ctx context.Context, c RemoteCheck) error {
	repo, err := git.PlainOpenWithOptions(c.Dir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return fault.Input(fmt.Errorf("opening the git repository at %s: %w", c.Dir, err))
	}
	rem, err := repo.Remote(c.Remote)
	if err != nil {
		return fault.Input(fmt.Errorf("remote %q: %w", c.Remote, err))
	}
	urls := rem.Config().URLs
	if len(urls) == 0 {
		return fault.Input(fmt.Errorf("remote %q has no URL", c.Remote))
	}
	raw := urls[0]
	if err := c.Auth.checkURL(raw); err != nil {
		fix := "set it to an https URL"
		if h := httpsFor(raw); h != "" {
			fix = fmt.Sprintf("git remote set-url %s %s", c.Remote, h)
		}
		return fault.Input(fmt.Errorf("remote %s is %s, but ctgit pushes promotion branches with the GitHub token, which only travels over https: %v; fix: %s (actions/checkout sets an https origin by default), or push without a token by unsetting GITHUB_TOKEN and using the local forge",
			c.Remote, redactURL(raw), err, fix))
	}
	ep, err := transport.NewEndpoint(raw)
	if err != nil {
		return fault.Input(fmt.Errorf("remote %s URL %s: %w", c.Remote, redactURL(raw), err))
	}
	cl, err := client.NewClient(ep)
	if err != nil {
		return fault.Input(fmt.Errorf("remote %s URL %s: %w", c.Remote, redactURL(raw), err))
	}
	sess, err := cl.NewReceivePackSession(ep, c.Auth.transport())
	if err != nil {
		return remoteRefused(c, raw, err)
	}
	defer sess.Close()
	adv, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		return remoteRefused(c, raw, err)
	}
	refs, err := adv.AllReferences()
	if err != nil {
		return fault.Infra(fmt.Errorf("reading the branches of %s: %w", redactURL(raw), err))
	}
	if _, err := refs.Reference(plumbing.NewBranchReferenceName(c.Base)); err != nil {
		return fault.Input(fmt.Errorf("base branch %q does not exist on %s", c.Base, redactURL(raw)))
	}
	return nil
}

// remoteRefused says why a push session could not start, and what to do.
func remoteRefused(c RemoteCheck, raw string, err error) error {
	where := redactURL(raw)
	var why string
	switch {
	case errors.Is(err, transport.ErrAuthenticationRequired) && c.Auth.Token == "":
		why = "it asks for credentials and ctgit has none: set GITHUB_TOKEN or --token-file"
	case errors.Is(err, transport.ErrAuthenticationRequired):
		why = "it refused the token: the token is wrong, expired, or not for this repository"
	case errors.Is(err, transport.ErrAuthorizationFailed):
		why = "the token may not push there: it needs contents: write on the repository"
	case errors.Is(err, transport.ErrRepositoryNotFound):
		why = "no repository there, or the token cannot see it"
	default:
		why = "it cannot be reached"
	}
	return fault.Infra(fmt.Errorf("preflight: cannot push to %s (remote %s): %s: %w", where, c.Remote, why, err))
}

var scpLikeRE = regexp.MustCompile(`^(?:[A-Za-z0-9._-]+@)?([A-Za-z0-9.-]+):([^/].*)$`)

// httpsFor suggests the https URL of an ssh remote ("git@github.com:a/b.git"
// or "ssh://git@github.com/a/b.git"), or "".
func httpsFor(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Scheme != "" {
		if u.Scheme == "ssh" || u.Scheme == "git" || u.Scheme == "http" {
			return "https://" + u.Hostname() + "/" + strings.TrimPrefix(u.Path, "/")
		}
		return ""
	}
	if m := scpLikeRE.FindStringSubmatch(raw); m != nil {
		return "https://" + m[1] + "/" + m[2]
	}
	return ""
}

// UndoRequest puts a promotion branch back where it was before a push.
type UndoRequest struct {
	// Dir, Remote, Branch and Auth are those of the Request that pushed.
	Dir, Remote, Branch string
	Auth                Auth
	// Pushed is the commit the push left on the branch (Result.Commit).
	Pushed string
	// Previous is the tip before the push (Result.Previous); "" deletes
	// the branch.
	Previous string
}

// Undo moves Branch from Pushed back to Previous, or deletes it when it did
// not exist before, with the same lease as the push: when somebody moved
// the branch since, it is left alone and Undo says so.
func Undo(ctx context.Context, u UndoRequest) error {
	return u.Auth.scrub(undo(ctx, u))
}

func undo(ctx context.Context, u UndoRequest) error {
	repo, err := git.PlainOpenWithOptions(u.Dir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return fmt.Errorf("opening the git repository at %s: %w", u.Dir, err)
	}
	ref := plumbing.NewBranchReferenceName(u.Branch)
	pushed, previous := plumbing.NewHash(u.Pushed), plumbing.ZeroHash
	if u.Previous != "" {
		previous = plumbing.NewHash(u.Previous)
	}
	if u.Remote == "" {
		cur, err := repo.Reference(ref, false)
		if err != nil || cur.Hash() != pushed {
			return fmt.Errorf("branch %s is no longer at %s; left as it is", u.Branch, u.Pushed[:12])
		}
		if previous == plumbing.ZeroHash {
			return repo.Storer.RemoveReference(ref)
		}
		return repo.Storer.CheckAndSetReference(plumbing.NewHashReference(ref, previous), cur)
	}
	rem, err := repo.Remote(u.Remote)
	if err != nil || len(rem.Config().URLs) == 0 {
		return fmt.Errorf("remote %q: %v", u.Remote, err)
	}
	raw := rem.Config().URLs[0]
	if err := pushLease(ctx, repo, raw, u.Auth, ref, pushed, previous, nil); err != nil {
		return fmt.Errorf("restoring %s on %s: %w", u.Branch, redactURL(raw), err)
	}
	tracking := plumbing.NewRemoteReferenceName(u.Remote, u.Branch)
	if previous == plumbing.ZeroHash {
		_ = repo.Storer.RemoveReference(tracking)
	} else {
		_ = repo.Storer.SetReference(plumbing.NewHashReference(tracking, previous))
	}
	return nil
}
