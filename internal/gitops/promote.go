package gitops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	"github.com/go-git/go-git/v5/storage/memory"
	"github.com/go-git/go-git/v5/storage/transactional"

	"github.com/ctgit/ctgit/internal/exitcode"
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
		return nil, exitcode.InputErr(err)
	}
	msg, err := Message(req.Subject, req.Body, req.Provenance)
	if err != nil {
		return nil, exitcode.InputErr(err)
	}
	if !hasCtgitTrailer(msg) {
		return nil, exitcode.InputErr(errors.New("the promotion commit needs provenance (at least the pipeline): ctgit recognises its own branch commits by their Ctgit-* trailers"))
	}
	repo, err := git.PlainOpenWithOptions(req.Dir, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return nil, exitcode.InputErr(fmt.Errorf("opening the git repository at %s: %w", req.Dir, err))
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
			return nil, exitcode.InfraErr(fmt.Errorf("pushing %s to %s: %w", req.Branch, redactURL(tips.url), err))
		}
		// The branch moved under us. Fetch what is there now and judge it.
		now, ferr := fetchTips(ctx, repo, req)
		if ferr != nil {
			return nil, ferr
		}
		if now.branch == tips.branch {
			// The branch did not move: the remote refused for another
			// reason (a hook, branch protection, permissions).
			return nil, exitcode.InfraErr(fmt.Errorf("pushing %s to %s: the remote refused: %w", req.Branch, redactURL(tips.url), err))
		}
		return lostRace(repo, now.branch, base, files, req, res, err)
	}
	// Keep the remote-tracking ref in step, as git push does.
	_ = repo.Storer.SetReference(plumbing.NewHashReference(
		plumbing.NewRemoteReferenceName(req.Remote, req.Branch), commit))
	return res, nil
}

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

// tips are the commits Promote starts from.
type tips struct {
	base   plumbing.Hash
	branch plumbing.Hash // zero when the branch does not exist
	url    string
}

func localTips(repo *git.Repository, req Request) (tips, error) {
	ref, err := repo.Reference(plumbing.NewBranchReferenceName(req.Base), true)
	if err != nil {
		return tips{}, exitcode.InputErr(fmt.Errorf("base branch %q: %w", req.Base, err))
	}
	t := tips{base: ref.Hash()}
	if head, err := repo.Storer.Reference(plumbing.HEAD); err == nil && head.Type() == plumbing.SymbolicReference &&
		head.Target() == plumbing.NewBranchReferenceName(req.Branch) {
		return tips{}, exitcode.InputErr(fmt.Errorf("branch %s is checked out; ctgit does not move the branch under your working tree", req.Branch))
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
		return tips{}, exitcode.InputErr(fmt.Errorf("remote %q: %w", req.Remote, err))
	}
	urls := rem.Config().URLs
	if len(urls) == 0 {
		return tips{}, exitcode.InputErr(fmt.Errorf("remote %q has no URL", req.Remote))
	}
	t := tips{url: urls[0]}
	if err := req.Auth.checkURL(t.url); err != nil {
		return tips{}, exitcode.InputErr(err)
	}
	refs, err := rem.ListContext(ctx, &git.ListOptions{Auth: req.Auth.transport()})
	if err != nil {
		return tips{}, exitcode.InfraErr(fmt.Errorf("listing branches of %s: %w", redactURL(t.url), err))
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
		return tips{}, exitcode.InputErr(fmt.Errorf("base branch %q does not exist on %s", req.Base, redactURL(t.url)))
	}
	err = rem.FetchContext(ctx, &git.FetchOptions{RefSpecs: specs, Auth: req.Auth.transport(), Tags: git.NoTags, Force: true})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return tips{}, exitcode.InfraErr(fmt.Errorf("fetching %s from %s: %w", req.Base, redactURL(t.url), err))
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
				return nil, exitcode.InputErr(fmt.Errorf("target file %s does not exist on the base branch at %s: %w", e.File, base.Hash.String()[:12], err))
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

// writeCommit stores the new blobs, trees and commit and returns the commit
// and every object it created, which is what the remote lacks.
func writeCommit(repo *git.Repository, base *object.Commit, files map[string][]byte, msg string, req Request) (plumbing.Hash, []plumbing.Hash, error) {
	var created []plumbing.Hash
	root, err := treeWith(repo.Storer, base, files, &created)
	if err != nil {
		return plumbing.ZeroHash, nil, err
	}
	when := req.Time
	if when.IsZero() {
		when = time.Now()
	}
	c := &object.Commit{
		Author:       object.Signature{Name: req.Author.Name, Email: req.Author.Email, When: when},
		Committer:    object.Signature{Name: req.Committer.Name, Email: req.Committer.Email, When: when},
		Message:      msg,
		TreeHash:     root,
		ParentHashes: []plumbing.Hash{base.Hash},
	}
	h, err := store(repo.Storer, c)
	if err != nil {
		return plumbing.ZeroHash, nil, fmt.Errorf("writing the promotion commit: %w", err)
	}
	return h, append(created, h), nil
}

type encodable interface {
	Encode(plumbing.EncodedObject) error
}

func store(s storer.EncodedObjectStorer, o encodable) (plumbing.Hash, error) {
	obj := s.NewEncodedObject()
	if err := o.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.SetEncodedObject(obj)
}

// treeWith returns the root tree hash of base's tree with files replaced.
// With created nil it only computes hashes (nothing is stored); otherwise
// it stores the new objects and appends their hashes to created.
func treeWith(s storer.EncodedObjectStorer, base *object.Commit, files map[string][]byte, created *[]plumbing.Hash) (plumbing.Hash, error) {
	root, err := base.Tree()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	put := func(typ plumbing.ObjectType, o encodable, raw []byte) (plumbing.Hash, error) {
		if created == nil {
			if raw == nil {
				mo := &plumbing.MemoryObject{}
				if err := o.Encode(mo); err != nil {
					return plumbing.ZeroHash, err
				}
				return mo.Hash(), nil
			}
			return plumbing.ComputeHash(typ, raw), nil
		}
		var h plumbing.Hash
		var err error
		if raw != nil {
			obj := s.NewEncodedObject()
			obj.SetType(plumbing.BlobObject)
			obj.SetSize(int64(len(raw)))
			w, werr := obj.Writer()
			if werr != nil {
				return plumbing.ZeroHash, werr
			}
			if _, err = w.Write(raw); err == nil {
				err = w.Close()
			}
			if err == nil {
				h, err = s.SetEncodedObject(obj)
			}
		} else {
			h, err = store(s, o)
		}
		if err == nil {
			*created = append(*created, h)
		}
		return h, err
	}
	var rebuild func(t *object.Tree, dir string) (plumbing.Hash, bool, error)
	rebuild = func(t *object.Tree, dir string) (plumbing.Hash, bool, error) {
		entries := make([]object.TreeEntry, len(t.Entries))
		copy(entries, t.Entries)
		changed := false
		for i, e := range entries {
			p := path.Join(dir, e.Name)
			if content, ok := files[p]; ok && e.Mode.IsFile() {
				h, err := put(plumbing.BlobObject, nil, content)
				if err != nil {
					return plumbing.ZeroHash, false, fmt.Errorf("writing %s: %w", p, err)
				}
				entries[i].Hash, changed = h, true
				continue
			}
			if e.Mode != filemode.Dir || !underAny(p, files) {
				continue
			}
			sub, err := t.Tree(e.Name)
			if err != nil {
				return plumbing.ZeroHash, false, fmt.Errorf("reading tree %s: %w", p, err)
			}
			h, ch, err := rebuild(sub, p)
			if err != nil {
				return plumbing.ZeroHash, false, err
			}
			if ch {
				entries[i].Hash, changed = h, true
			}
		}
		if !changed {
			return t.Hash, false, nil
		}
		h, err := put(plumbing.TreeObject, &object.Tree{Entries: entries}, nil)
		if err != nil {
			return plumbing.ZeroHash, false, fmt.Errorf("writing tree %s: %w", dir, err)
		}
		return h, true, nil
	}
	h, _, err := rebuild(root, "")
	return h, err
}

func underAny(dir string, files map[string][]byte) bool {
	for p := range files {
		if strings.HasPrefix(p, dir+"/") {
			return true
		}
	}
	return false
}

// leaseError is a push that failed once the remote had the update: either
// the lease failed (the branch was not where we read it) or the remote
// refused for another reason; re-reading the branch tells which.
type leaseError struct{ msg string }

func (e *leaseError) Error() string { return e.msg }

// pushLease updates ref on the remote from old (zero: must not exist) to
// new, sending objects. git receive-pack checks old under the ref lock, so
// the update is a compare-and-swap, which is force-with-lease done right.
func pushLease(ctx context.Context, repo *git.Repository, url string, auth Auth, ref plumbing.ReferenceName, old, new plumbing.Hash, objects []plumbing.Hash) (err error) {
	ep, err := transport.NewEndpoint(url)
	if err != nil {
		return err
	}
	cl, err := client.NewClient(ep)
	if err != nil {
		return err
	}
	sess, err := cl.NewReceivePackSession(ep, auth.transport())
	if err != nil {
		return err
	}
	defer func() {
		if cerr := sess.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	adv, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		return err
	}
	remoteRefs, err := adv.AllReferences()
	if err != nil {
		return err
	}
	now := plumbing.ZeroHash
	if r, err := remoteRefs.Reference(ref); err == nil {
		now = r.Hash()
	}
	if now != old {
		return &leaseError{fmt.Sprintf("%s is at %s, not at %s as read", ref, now, old)}
	}
	req := packp.NewReferenceUpdateRequestFromCapabilities(adv.Capabilities)
	req.Commands = []*packp.Command{{Name: ref, Old: old, New: new}}

	encoded := make(chan error, 1)
	var rd *io.PipeReader
	if new == plumbing.ZeroHash {
		// A deletion sends no pack (git's protocol: a pack only follows
		// when some command creates or moves a ref).
		if !adv.Capabilities.Supports(capability.DeleteRefs) {
			return fmt.Errorf("the remote does not accept deleting %s (no delete-refs capability)", ref)
		}
		encoded <- nil
	} else {
		var wr *io.PipeWriter
		rd, wr = io.Pipe()
		req.Packfile = rd
		go func() {
			enc := packfile.NewEncoder(wr, repo.Storer, !adv.Capabilities.Supports(capability.OFSDelta))
			_, err := enc.Encode(objects, 10)
			encoded <- wr.CloseWithError(err)
		}()
	}
	report, err := sess.ReceivePack(ctx, req)
	if err != nil {
		if rd != nil {
			_ = rd.CloseWithError(err)
		}
		<-encoded
		// go-git returns the remote's refusal of the command as an error
		// too; the caller's re-fetch tells a lost race from a failure.
		return &leaseError{err.Error()}
	}
	if err := <-encoded; err != nil {
		return fmt.Errorf("encoding the pack: %w", err)
	}
	if report != nil {
		if err := report.Error(); err != nil {
			// The only refusal we provoke is a stale old value; anything
			// else (hooks, permissions) is not a race and the caller's
			// re-fetch tells the two apart.
			return &leaseError{err.Error()}
		}
	}
	return nil
}
