package gitops

import (
	"fmt"
	"path"
	"strings"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

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
