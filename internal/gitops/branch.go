package gitops

import (
	"context"
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"

	"github.com/ctgit/ctgit/internal/fault"
)

// tips are the commits Promote starts from.
type tips struct {
	base   plumbing.Hash
	branch plumbing.Hash // zero when the branch does not exist
	url    string
}

func localTips(repo *git.Repository, req Request) (tips, error) {
	ref, err := repo.Reference(plumbing.NewBranchReferenceName(req.Base), true)
	if err != nil {
		return tips{}, fault.Input(fmt.Errorf("base branch %q: %w", req.Base, err))
	}
	t := tips{base: ref.Hash()}
	if head, err := repo.Storer.Reference(plumbing.HEAD); err == nil && head.Type() == plumbing.SymbolicReference &&
		head.Target() == plumbing.NewBranchReferenceName(req.Branch) {
		return tips{}, fault.Input(fmt.Errorf("branch %s is checked out; ctgit does not move the branch under your working tree", req.Branch))
	}
	if b, err := repo.Reference(plumbing.NewBranchReferenceName(req.Branch), true); err == nil {
		t.branch = b.Hash()
	} else if !errors.Is(err, plumbing.ErrReferenceNotFound) {
		return tips{}, fmt.Errorf("reading branch %s: %w", req.Branch, err)
	}
	return t, nil
}

// fetchTips lists the remote's refs and fetches the base and the promotion
// branch into their remote-tracking refs.
func fetchTips(ctx context.Context, repo *git.Repository, req Request) (tips, error) {
	rem, err := repo.Remote(req.Remote)
	if err != nil {
		return tips{}, fault.Input(fmt.Errorf("remote %q: %w", req.Remote, err))
	}
	urls := rem.Config().URLs
	if len(urls) == 0 {
		return tips{}, fault.Input(fmt.Errorf("remote %q has no URL", req.Remote))
	}
	t := tips{url: urls[0]}
	if err := req.Auth.checkURL(t.url); err != nil {
		return tips{}, fault.Input(err)
	}
	refs, err := rem.ListContext(ctx, &git.ListOptions{Auth: req.Auth.transport()})
	if err != nil {
		return tips{}, fault.Infra(fmt.Errorf("listing branches of %s: %w", redactURL(t.url), err))
	}
	baseRef, branchRef := plumbing.NewBranchReferenceName(req.Base), plumbing.NewBranchReferenceName(req.Branch)
	specs := []config.RefSpec{}
	for _, r := range refs {
		switch r.Name() {
		case baseRef:
			t.base = r.Hash()
			specs = append(specs, refspec(req.Remote, req.Base))
		case branchRef:
			t.branch = r.Hash()
			specs = append(specs, refspec(req.Remote, req.Branch))
		}
	}
	if t.base == plumbing.ZeroHash {
		return tips{}, fault.Input(fmt.Errorf("base branch %q does not exist on %s", req.Base, redactURL(t.url)))
	}
	err = rem.FetchContext(ctx, &git.FetchOptions{RefSpecs: specs, Auth: req.Auth.transport(), Tags: git.NoTags, Force: true})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return tips{}, fault.Infra(fmt.Errorf("fetching %s from %s: %w", req.Base, redactURL(t.url), err))
	}
	// The refs may have moved between the listing and the fetch: the
	// fetched objects are what we judge, and the push lease catches the rest.
	for _, name := range []string{req.Base, req.Branch} {
		hash := &t.base
		if name == req.Branch {
			hash = &t.branch
			if *hash == plumbing.ZeroHash {
				continue
			}
		}
		if r, err := repo.Reference(plumbing.NewRemoteReferenceName(req.Remote, name), true); err == nil {
			*hash = r.Hash()
		}
	}
	return t, nil
}

func refspec(remote, branch string) config.RefSpec {
	return config.RefSpec(fmt.Sprintf("+refs/heads/%s:refs/remotes/%s/%s", branch, remote, branch))
}
