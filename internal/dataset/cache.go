package dataset

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ctgit/ctgit/internal/fault"
)

// Fetch returns the local file of every object of s, in order: a
// repository file where it is, a remote object from the download cache,
// downloading it first when the cache does not hold it.
//
// The cache is content-addressed by identity: an object's file lives
// under a directory named by the sha256 of its URL, identity and version,
// so a changed object is a new entry and an unchanged one is downloaded
// once across runs. A download is written to a temporary file, checked
// (its size, and its MD5 where the identity is one) and renamed into
// place, so a crash or a bad transfer leaves no entry.
func (r *Resolver) Fetch(ctx context.Context, s *Snapshot) ([]string, error) {
	files := make([]string, len(s.Objects))
	errs := make([]error, len(s.Objects))
	// Remote objects download side by side: a dataset of many small
	// parts is bound by round trips, not bandwidth.
	sem := make(chan struct{}, fetchParallel)
	var wg sync.WaitGroup
	for i, o := range s.Objects {
		loc, err := Parse(o.URL)
		if err != nil {
			return nil, fault.Input(err)
		}
		if !loc.Remote() {
			if files[i], err = r.repoFile(o); err != nil {
				return nil, err
			}
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			files[i], errs[i] = r.fetchRemote(ctx, loc, o)
		}()
	}
	wg.Wait()
	// The first object's error, as a download one at a time would say.
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

// fetchParallel is how many objects Fetch downloads at once.
const fetchParallel = 8

// entryDir is the cache directory of object o.
func (r *Resolver) entryDir(o Object) string {
	h := sha256.Sum256([]byte(o.URL + "\x00" + o.ID + "\x00" + o.Version))
	x := hex.EncodeToString(h[:])
	return filepath.Join(r.CacheDir, "data", x[:2], x)
}

func (r *Resolver) fetchRemote(ctx context.Context, loc Location, o Object) (string, error) {
	if r.CacheDir == "" {
		return "", fault.Infra(fmt.Errorf("%s: no download cache to read it into", o.URL))
	}
	dir := r.entryDir(o)
	file := filepath.Join(dir, baseName(o.URL))
	if st, err := os.Stat(file); err == nil && st.Size() == o.Size {
		// A use: `ctgit cache prune` removes what no run used lately.
		now := time.Now()
		os.Chtimes(file, now, now)
		return file, nil
	}
	st, err := r.store(ctx, loc)
	if err != nil {
		return "", err
	}
	tmpRoot := filepath.Join(r.CacheDir, "data", "tmp")
	if err := os.MkdirAll(tmpRoot, 0o755); err != nil {
		return "", fault.Infra(fmt.Errorf("download cache: %w", err))
	}
	tmp, err := os.MkdirTemp(tmpRoot, "fetch-")
	if err != nil {
		return "", fault.Infra(fmt.Errorf("download cache: %w", err))
	}
	defer os.RemoveAll(tmp)
	rc, err := st.Open(ctx, loc.Prefix, o)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	// Read-only: a cache entry is never written again, and a step can be
	// handed it as a hard link.
	f, err := os.OpenFile(filepath.Join(tmp, baseName(o.URL)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return "", fault.Infra(fmt.Errorf("download cache: %w", err))
	}
	want := o.ID
	check := verifier(want)
	if check == nil && len(o.MD5) == 32 {
		want, check = "md5:"+o.MD5, md5.New()
	}
	var w io.Writer = f
	if check != nil {
		w = io.MultiWriter(f, check)
	}
	n, err := io.Copy(w, rc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fault.Infra(fmt.Errorf("downloading %s: %w", o.URL, err))
	}
	if n != o.Size {
		return "", fault.Infra(fmt.Errorf("downloading %s: got %d bytes, the store listed %d: it changed while ctgit read it, or the transfer was cut; run again", o.URL, n, o.Size))
	}
	if check != nil {
		if got := hex.EncodeToString(check.Sum(nil)); !strings.Contains(want, got) {
			return "", fault.Infra(fmt.Errorf("downloading %s: its content does not match its identity %s (got %s): it changed while ctgit read it, or the transfer was corrupted; run again", o.URL, want, got))
		}
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fault.Infra(fmt.Errorf("download cache: %w", err))
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process filled the entry first: theirs is as good. An
		// entry of the wrong size (a copy cut short by hand or by a full
		// disk) is replaced.
		if st, serr := os.Stat(file); serr == nil && st.Size() == o.Size {
			return file, nil
		}
		if errors.Is(err, fs.ErrExist) {
			os.RemoveAll(dir)
			if err = os.Rename(tmp, dir); err == nil {
				return file, nil
			}
		}
		return "", fault.Infra(fmt.Errorf("download cache: %w", err))
	}
	return file, nil
}

// verifier is the hash that checks a download against identity id: an
// MD5 for "md5:" and for an ETag that is a plain MD5 (a single-part S3
// upload), a sha256 for "sha256:"; nil when the identity is not a digest
// of the content (a multipart ETag, a generation).
func verifier(id string) hash.Hash {
	kind, v, _ := strings.Cut(id, ":")
	v = strings.Trim(v, `"`)
	switch {
	case kind == "sha256" && len(v) == 64:
		return sha256.New()
	case (kind == "md5" || kind == "etag") && len(v) == 32 && isHex(v):
		return md5.New()
	}
	return nil
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}
