package artifact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob:// URLs
	_ "gocloud.dev/blob/fileblob"  // file:// URLs
	_ "gocloud.dev/blob/s3blob"    // s3:// URLs
	"gocloud.dev/gcerrors"

	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/fault"
	_ "github.com/ctgit/ctgit/internal/gcsblob" // gs:// URLs, without Google's gRPC client
	"github.com/ctgit/ctgit/internal/record"
)

// Bucket is an artifact store behind gocloud.dev/blob: a directory
// (file://) or an object-store bucket (s3://, gs://, azblob://).
//
// Layout under the store's root:
//
//	models/<model>/sha256/<hex>            a model artifact (a directory is stored as a tar)
//	runs/<pipeline>/<id>.json              run records
type Bucket struct {
	// base is the store URL as configured, for building artifact URIs.
	base string
	// dir is the directory of a file:// store, "" for other stores: a
	// directory of this machine, gone with an ephemeral CI runner.
	dir string
	// openURL is what blob.OpenBucket is given.
	openURL string

	// mu guards bucket: a file:// store's directory is created by its
	// first write, so a command that refuses (or only reads) leaves none
	// behind, and the bucket is opened when the directory exists.
	mu     sync.Mutex
	bucket *blob.Bucket

	// pending holds the run records written into a directory store, until
	// SyncRecords.
	pending record.Pending
}

// Local reports whether the store is a directory of this machine rather
// than a shared, durable store.
func (s *Bucket) Local() bool { return s.dir != "" }

// Dir is the directory of a file:// store, "" for other stores.
func (s *Bucket) Dir() string { return s.dir }

// String is the store's URL.
func (s *Bucket) String() string { return s.base }

// openBucket opens the bucket store at u (rawURL parsed). A file:// URL
// with a relative path is relative to root. It writes nothing: a file://
// store's directory is created by the first write into it, and until then
// the store reads as empty.
func openBucket(ctx context.Context, rawURL string, u *url.URL, root string) (*Bucket, error) {
	openURL := rawURL
	dir := ""
	if u.Scheme == "file" {
		p := u.Host + u.Path // file://.ctgit/artifacts parses ".ctgit" as a host
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, filepath.FromSlash(p))
		}
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return nil, fault.Input(fmt.Errorf("artifact store %s is not a directory", p))
		}
		dir = p
		// metadata=skip keeps the store a plain tree of files.
		openURL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(p), RawQuery: "metadata=skip"}).String()
		rawURL = (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
	}
	s := &Bucket{base: strings.TrimSuffix(rawURL, "/"), dir: dir, openURL: openURL}
	if dir == "" {
		// A remote store is opened now, so a wrong URL fails before any
		// step runs; opening it writes nothing.
		if _, err := s.open(ctx, false); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// open returns the bucket, opening it on first use. A file:// store whose
// directory does not exist yet has no bucket (nil, nil) unless create asks
// for the directory, as a write does.
func (s *Bucket) open(ctx context.Context, create bool) (*blob.Bucket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bucket != nil {
		return s.bucket, nil
	}
	if s.dir != "" {
		if _, err := os.Stat(s.dir); errors.Is(err, fs.ErrNotExist) {
			if !create {
				return nil, nil
			}
			if err := os.MkdirAll(s.dir, 0o755); err != nil {
				return nil, fault.Infra(fmt.Errorf("creating artifact store %s: %w", s.dir, err))
			}
		}
	}
	b, err := blob.OpenBucket(ctx, s.openURL)
	if err != nil {
		return nil, fault.Infra(fmt.Errorf("opening artifact store %s: %w", s.base, err))
	}
	s.bucket = b
	return b, nil
}

// Close releases the store.
func (s *Bucket) Close() error {
	s.pending.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bucket == nil {
		return nil
	}
	return s.bucket.Close()
}

// URI returns the full URI of a key in the store.
func (s *Bucket) URI(key string) string { return s.base + "/" + key }

// PutModel stores the model at path (a file, or a directory stored as a
// deterministic tar) under its digest. An artifact with the same digest is
// already the same bytes and is not written again.
func (s *Bucket) PutModel(ctx context.Context, prov Provenance, path string) (*Artifact, error) {
	model := prov.Model
	m, err := openModel(path)
	if err != nil {
		return nil, err
	}
	defer m.close()
	f, d, size := m.f, m.digest, m.size
	key := "models/" + model + "/sha256/" + strings.TrimPrefix(d, digest.Prefix)
	a := &Artifact{URI: s.URI(key), Key: key, Digest: d, Size: size}
	bucket, err := s.open(ctx, true)
	if err != nil {
		return nil, err
	}
	if ok, err := bucket.Exists(ctx, key); err != nil {
		return nil, fault.Infra(fmt.Errorf("artifact store: %w", err))
	} else if ok {
		return a, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	w, err := bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return nil, fault.Infra(fmt.Errorf("artifact store: %w", err))
	}
	if _, err := io.Copy(w, f); err != nil {
		w.Close()
		return nil, fault.Infra(fmt.Errorf("uploading %s: %w", key, err))
	}
	// Close commits the object; until then readers see nothing.
	if err := w.Close(); err != nil {
		return nil, fault.Infra(fmt.Errorf("uploading %s: %w", key, err))
	}
	return a, nil
}

// Fetch copies the artifact at key into dst (a file path), checking its
// digest on the way.
func (s *Bucket) Fetch(ctx context.Context, key, wantDigest, dst string) error {
	bucket, err := s.open(ctx, false)
	if err != nil {
		return err
	}
	if bucket == nil {
		return fmt.Errorf("reading %s: the artifact store %s does not exist yet", s.URI(key), s.dir)
	}
	r, err := bucket.NewReader(ctx, key, nil)
	if err != nil {
		return fmt.Errorf("reading %s: %w", s.URI(key), err)
	}
	defer r.Close()
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	d, _, err := digest.Reader(io.TeeReader(r, f))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if wantDigest != "" && d != wantDigest {
		os.Remove(dst)
		return fmt.Errorf("%s: content is %s, recorded %s", s.URI(key), digest.Short(d), digest.Short(wantDigest))
	}
	return nil
}

// Exists reports whether an object is stored at key. A file:// store
// whose directory does not exist yet holds nothing.
func (s *Bucket) Exists(ctx context.Context, key string) (bool, error) {
	bucket, err := s.open(ctx, false)
	if err != nil || bucket == nil {
		return false, err
	}
	ok, err := bucket.Exists(ctx, key)
	if err != nil {
		return false, fault.Infra(fmt.Errorf("artifact store %s: asking for %s: %w", s.base, key, err))
	}
	return ok, nil
}

// KeyOf returns the store key of a URI made by this store, or "".
func (s *Bucket) KeyOf(uri string) string {
	uri, _, _ = strings.Cut(uri, "@")
	if strings.HasPrefix(uri, s.base+"/") {
		return strings.TrimPrefix(uri, s.base+"/")
	}
	return ""
}

// plainKey matches the keys fileblob keeps as the file of the same path,
// unescaped: a directory store's record at such a key is written directly.
// (fileblob escapes, among others, the slash after "..": only the file
// name may hold dots).
var plainKey = regexp.MustCompile(`^([A-Za-z0-9_-]+/)+[A-Za-z0-9_-][A-Za-z0-9._-]*$`)

// RecordKey is where a run record is stored.
func RecordKey(r *record.Run) string {
	return fmt.Sprintf("runs/%s/%s.json", r.Pipeline, r.ID)
}

// PutRecord writes a run record. Records are never overwritten: a run's ID
// is unique.
func (s *Bucket) PutRecord(ctx context.Context, r *record.Run) (string, error) {
	b, err := record.Marshal(r)
	if err != nil {
		return "", err
	}
	key := RecordKey(r)
	if s.dir != "" && plainKey.MatchString(key) {
		// In a directory store the record is a plain file at its key,
		// written here rather than by fileblob, which renames it into place
		// without syncing it, from the system's temporary directory:
		// SyncRecords puts it on disk.
		if err := s.pending.WriteFile(filepath.Join(s.dir, filepath.FromSlash(key)), b); err != nil {
			return "", fault.Infra(fmt.Errorf("writing run record %s: %w", s.URI(key), err))
		}
		return s.URI(key), nil
	}
	bucket, err := s.open(ctx, true)
	if err != nil {
		return "", err
	}
	if err := bucket.WriteAll(ctx, key, b, &blob.WriterOptions{ContentType: "application/json"}); err != nil {
		return "", fault.Infra(fmt.Errorf("writing run record %s: %w", s.URI(key), err))
	}
	return s.URI(key), nil
}

// SyncRecords puts the run records written into a directory store on
// disk; a bucket's writes are durable once acknowledged.
func (s *Bucket) SyncRecords(context.Context) error { return s.pending.Sync() }

// Records returns the stored run records of a pipeline, oldest first. Records
// that cannot be read are left out and named by an *UnreadableError returned
// with the readable ones: views may show what they have, while decisions
// that rest on the history (guardrails, baselines) refuse a history with
// holes.
func (s *Bucket) Records(ctx context.Context, pipeline string) ([]*record.Run, error) {
	bucket, err := s.open(ctx, false)
	if err != nil || bucket == nil {
		return nil, err
	}
	var out []*record.Run
	var unreadable []string
	it := bucket.List(&blob.ListOptions{Prefix: "runs/" + pipeline + "/"})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if gcerrors.Code(err) == gcerrors.NotFound {
				break
			}
			return nil, fault.Infra(fmt.Errorf("listing run records: %w", err))
		}
		if !strings.HasSuffix(obj.Key, ".json") {
			continue
		}
		b, err := bucket.ReadAll(ctx, obj.Key)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fault.Infra(fmt.Errorf("reading run records: %w", ctx.Err()))
			}
			unreadable = append(unreadable, s.URI(obj.Key))
			continue
		}
		var r record.Run
		if json.Unmarshal(b, &r) != nil || r.Kind != record.Kind {
			unreadable = append(unreadable, s.URI(obj.Key))
			continue
		}
		out = append(out, &r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].StartedAt.Before(out[j].StartedAt) })
	if len(unreadable) > 0 {
		sort.Strings(unreadable)
		return out, &UnreadableError{Keys: unreadable}
	}
	return out, nil
}
