package gitops

import (
	"context"
	"fmt"
	"io"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
)

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
