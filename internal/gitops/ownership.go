package gitops

import (
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// lostRace decides what a lost compare-and-swap means: the winner's commit
// already holds our change (fine), is another ctgit promotion (superseded),
// or is somebody else's (foreign).
func lostRace(repo *git.Repository, tip plumbing.Hash, base *object.Commit, files map[string][]byte, req Request, res *Result, cause error) (*Result, error) {
	if tip == plumbing.ZeroHash {
		return res, fmt.Errorf("%w (the branch was deleted meanwhile: %v)", ErrSuperseded, cause)
	}
	same, owned, err := sameChange(repo, tip, base, files, req)
	switch {
	case err != nil:
		return nil, err
	case !owned:
		return res, ErrForeignCommits
	case same:
		res.Commit, res.Pushed = tip.String(), false
		return res, nil
	}
	return res, fmt.Errorf("%w (branch %s is now at %s)", ErrSuperseded, req.Branch, tip.String()[:12])
}

// sameChange reports whether the commit at tip is ctgit's (owned) and holds
// exactly files on top of base (same).
func sameChange(repo *git.Repository, tip plumbing.Hash, base *object.Commit, files map[string][]byte, req Request) (same, owned bool, err error) {
	c, err := repo.CommitObject(tip)
	if err != nil {
		return false, false, fmt.Errorf("reading branch tip %s: %w", tip, err)
	}
	owned = c.Author.Email == req.Author.Email && c.Committer.Email == req.Committer.Email && hasCtgitTrailer(c.Message)
	if !owned || len(c.ParentHashes) != 1 || c.ParentHashes[0] != base.Hash {
		return false, owned, nil
	}
	// Same parent: equal trees mean equal content.
	want, err := treeWith(repo.Storer, base, files, nil)
	if err != nil {
		return false, owned, err
	}
	return want == c.TreeHash, owned, nil
}
