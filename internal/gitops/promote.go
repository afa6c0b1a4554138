package gitops

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
	"github.com/go-git/go-git/v5/storage/transactional"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/rewrite"
)

// Edit sets one field in one file of the repository.
type Edit struct {
	// File is the file's slash-separated path from the repository root.
	File string
	// Field is the rewrite path of the scalar ("model.version").
	Field string
	// Value is the new value.
	Value string
}

// Request describes one promotion branch to build and publish.
type Request struct {
	// Dir is any directory inside the repository.
	Dir string
	// Remote names the configured remote to fetch the base from and push
	// the branch to ("origin"); empty keeps everything in the local repo.
	Remote string
	// Base is the branch the promotion targets ("main").
	Base string
	// Branch is the promotion branch, one per model and channel; its name
	// comes from config.Pipeline.PromotionBranch, the one place that names
	// promotion branches.
	Branch string
	// Edits are applied in order to the files of Base's tip.
	Edits []Edit
	// Subject, Body and Provenance make the commit message (see Message);
	// Provenance must carry at least one field, since the trailers are how
	// ctgit recognises its own commits.
	Subject    string
	Body       string
	Provenance Provenance
	// Author and Committer default to DefaultIdentity.
	Author, Committer Identity
	// Auth carries the token for an HTTPS remote.
	Auth Auth
	// Time is the commit time; zero means now.
	Time time.Time
	// DryRun computes the changes and writes nothing: no objects, no refs,
	// no push. The remote is still fetched to know the base, into memory
	// layered over the repository, so nothing reaches its object store.
	DryRun bool
}

// FileChange is one file the promotion rewrites.
type FileChange struct {
	Path     string
	Old, New []byte
}

// FieldChange is one field the promotion sets.
type FieldChange struct {
	File, Field, Old, New string
}

// Result says what Promote did.
type Result struct {
	// Branch is the promotion branch.
	Branch string
	// Base is the base commit the branch was built on.
	Base string
	// Commit is the branch's commit: the new one, or the existing one when
	// the branch already held this content. Empty on a dry run.
	Commit string
	// Pushed is true when the branch was created or moved (or would be, on
	// a dry run); false when it already held exactly this content.
	Pushed bool
	// Previous is the branch tip Promote found and moved from ("" when the
	// branch did not exist): what Undo restores.
	Previous string
	// Fields and Files are the changes against Base.
	Fields []FieldChange
	Files  []FileChange
}

// Promote builds Branch fresh on the tip of Base with exactly one commit that
// applies Edits, and publishes it: pushed to Remote with a lease on the
// branch tip it read, or, without a remote, set locally by compare-and-swap.
//
// It returns ErrNoChanges when Base already holds every value,
// ErrForeignCommits when the branch tip is not ctgit's, and ErrSuperseded
// when another promotion moved the branch between read and push. When the
// branch already holds the same change on the same base, nothing is pushed
// and Result.Pushed is false.
func Promote(ctx context.Context, req Request) (*Result, error) {
	res, err := promote(ctx, req)
	return res, req.Auth.scrub(err)
}

func promote(ctx context.Context, req Request) (*Result, error) {
	req.Author, req.Committer = req.Author.orDefault(), req.Committer.orDefault()
	if err := req.validate(); err != nil {
		return nil, fault.Input(err)
	}
	msg, err := Message(req.Subject, req.Body, req.Provenance)
	if err != nil {
		return nil, fault.Input(err)
	}
	if !hasCtgitTrailer(msg) {
		return nil, fault.Input(errors.New("the promotion commit needs provenance (at least the pipeline): ctgit recognises its own branch commits by their Ctgit-* trailers"))
	}
	repo, err := git.PlainOpenWithOptions(req.Dir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return nil, fault.Input(fmt.Errorf("opening the git repository at %s: %w", req.Dir, err))
	}
	if req.DryRun {
		// Reads fall through to the repository; the fetch's objects and
		// refs stay in memory and are dropped with it.
		if repo, err = git.Open(transactional.NewStorage(repo.Storer, memory.NewStorage()), nil); err != nil {
			return nil, fmt.Errorf("opening the repository for a dry run: %w", err)
		}
	}
	branchRef := plumbing.NewBranchReferenceName(req.Branch)

	var tips tips
	if req.Remote != "" {
		tips, err = fetchTips(ctx, repo, req)
	} else {
		tips, err = localTips(repo, req)
	}
	if err != nil {
		return nil, err
	}

	base, err := repo.CommitObject(tips.base)
	if err != nil {
		return nil, fmt.Errorf("reading base commit %s: %w", tips.base, err)
	}
	res := &Result{Branch: req.Branch, Base: tips.base.String()}
	if tips.branch != plumbing.ZeroHash {
		res.Previous = tips.branch.String()
	}
	files, err := applyEdits(base, req.Edits, res)
	if err != nil {
		return nil, err
	}
	if len(res.Files) == 0 {
		return res, ErrNoChanges
	}
	if req.DryRun {
		res.Pushed = true
		if tips.branch != plumbing.ZeroHash {
			same, owned, err := sameChange(repo, tips.branch, base, files, req)
			if err == nil && !owned {
				return res, ErrForeignCommits
			}
			res.Pushed = !same
		}
		return res, nil
	}

	// Judge the branch as it is before writing anything.
	if tips.branch != plumbing.ZeroHash {
		same, owned, err := sameChange(repo, tips.branch, base, files, req)
		if err != nil {
			return nil, err
		}
		if !owned {
			return res, ErrForeignCommits
		}
		if same {
			res.Commit = tips.branch.String()
			return res, nil
		}
	}

	commit, objects, err := writeCommit(repo, base, files, msg, req)
	if err != nil {
		return nil, err
	}
	res.Commit, res.Pushed = commit.String(), true

	if req.Remote == "" {
		newRef := plumbing.NewHashReference(branchRef, commit)
		var old *plumbing.Reference
		if tips.branch != plumbing.ZeroHash {
			old = plumbing.NewHashReference(branchRef, tips.branch)
		}
		if err := repo.Storer.CheckAndSetReference(newRef, old); err != nil {
			now, rerr := localTips(repo, req)
			if rerr != nil {
				return nil, rerr
			}
			if now.branch == tips.branch {
				return nil, fmt.Errorf("moving %s: %w", branchRef, err)
			}
			return lostRace(repo, now.branch, base, files, req, res, err)
		}
		return res, nil
	}

	if err := pushLease(ctx, repo, tips.url, req.Auth, branchRef, tips.branch, commit, objects); err != nil {
		var race *leaseError
		if !errors.As(err, &race) {
			return nil, fault.Infra(fmt.Errorf("pushing %s to %s: %w", req.Branch, redactURL(tips.url), err))
		}
		// The branch moved under us. Fetch what is there now and judge it.
		now, ferr := fetchTips(ctx, repo, req)
		if ferr != nil {
			return nil, ferr
		}
		if now.branch == tips.branch {
			// The branch did not move: the remote refused for another
			// reason (a hook, branch protection, permissions).
			return nil, fault.Infra(fmt.Errorf("pushing %s to %s: the remote refused: %w", req.Branch, redactURL(tips.url), err))
		}
		return lostRace(repo, now.branch, base, files, req, res, err)
	}
	// Keep the remote-tracking ref in step, as git push does.
	_ = repo.Storer.SetReference(plumbing.NewHashReference(
		plumbing.NewRemoteReferenceName(req.Remote, req.Branch), commit))
	return res, nil
}

func (req *Request) validate() error {
	for _, b := range []struct{ what, name string }{{"base branch", req.Base}, {"promotion branch", req.Branch}} {
		if b.name == "" {
			return fmt.Errorf("no %s given", b.what)
		}
		if err := plumbing.NewBranchReferenceName(b.name).Validate(); err != nil || strings.HasPrefix(b.name, "refs/") {
			return fmt.Errorf("invalid %s name %q", b.what, b.name)
		}
	}
	if req.Base == req.Branch {
		return fmt.Errorf("the promotion branch %q must differ from the base branch", req.Branch)
	}
	if len(req.Edits) == 0 {
		return errors.New("a promotion needs at least one edit")
	}
	for _, e := range req.Edits {
		if e.File == "" || path.IsAbs(e.File) || path.Clean(e.File) != e.File || strings.HasPrefix(e.File, "../") {
			return fmt.Errorf("target file %q must be a clean path relative to the repository root", e.File)
		}
	}
	for _, id := range []Identity{req.Author, req.Committer} {
		if id.Email == "" || strings.ContainsAny(id.Name+id.Email, "<>\n") {
			return fmt.Errorf("invalid git identity %q <%s>", id.Name, id.Email)
		}
	}
	return nil
}

// applyEdits rewrites the edited files as they are in base's tree and
// returns the new contents of the files that changed.
func applyEdits(base *object.Commit, edits []Edit, res *Result) (map[string][]byte, error) {
	tree, err := base.Tree()
	if err != nil {
		return nil, fmt.Errorf("reading the tree of %s: %w", base.Hash, err)
	}
	orig := map[string][]byte{}
	cur := map[string][]byte{}
	var order []string
	for _, e := range edits {
		src, ok := cur[e.File]
		if !ok {
			f, err := tree.File(e.File)
			if err != nil {
				return nil, fault.Input(fmt.Errorf("target file %s does not exist on the base branch at %s: %w", e.File, base.Hash.String()[:12], err))
			}
			s, err := f.Contents()
			if err != nil {
				return nil, fmt.Errorf("reading %s at %s: %w", e.File, base.Hash, err)
			}
			src = []byte(s)
			orig[e.File] = src
			order = append(order, e.File)
		}
		out, old, err := rewrite.Set(e.File, src, e.Field, e.Value)
		if err != nil {
			return nil, err
		}
		if old != e.Value {
			res.Fields = append(res.Fields, FieldChange{File: e.File, Field: e.Field, Old: old, New: e.Value})
		}
		cur[e.File] = out
	}
	changed := map[string][]byte{}
	for _, p := range order {
		if string(cur[p]) != string(orig[p]) {
			changed[p] = cur[p]
			res.Files = append(res.Files, FileChange{Path: p, Old: orig[p], New: cur[p]})
		}
	}
	return changed, nil
}
