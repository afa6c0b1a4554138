// Package artifact is ctgit's artifact store: model files, content-addressed
// and never overwritten, and run records, behind one URL. Two kinds of
// store implement Store:
//
//   - Bucket, through gocloud.dev/blob: file://, s3://, gs://, azblob://;
//   - Registry, an OCI registry through oras-go: oci://REGISTRY/REPOSITORY.
package artifact

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/fsutil"
	"github.com/ctgit/ctgit/internal/record"
)

// Store keeps models and run records where later runs, on other machines,
// find them again.
type Store interface {
	// PutModel stores the model at path (a file, or a directory stored as
	// a deterministic tar). The same bytes of the same model are stored
	// once: storing them again returns the artifact already stored.
	PutModel(ctx context.Context, prov Provenance, path string) (*Artifact, error)
	// Fetch copies the artifact at key into dst (a file path), checking
	// wantDigest (when not "") on the way.
	Fetch(ctx context.Context, key, wantDigest, dst string) error
	// Exists reports whether the artifact at key (from KeyOf) is still in
	// the store; an error means the store could not be asked.
	Exists(ctx context.Context, key string) (bool, error)
	// KeyOf returns the key of an artifact reference made by this store
	// ("URI@sha256:…" or another form artifactFormat writes), or "".
	KeyOf(ref string) string
	// PutRecord stores a run record and returns where. A directory store
	// shows the record at once and makes it durable by SyncRecords.
	PutRecord(ctx context.Context, r *record.Run) (string, error)
	// SyncRecords puts the records PutRecord stored on disk, or says why
	// it could not: the writer calls it before it reports them stored.
	// Stores that acknowledge a write once it is durable have nothing to
	// do.
	SyncRecords(ctx context.Context) error
	// Records returns the stored run records of a pipeline, oldest first.
	// Records that cannot be read are left out and named by an
	// *UnreadableError returned with the readable ones.
	Records(ctx context.Context, pipeline string) ([]*record.Run, error)
	// Local reports whether the store is a directory of this machine
	// rather than a shared, durable store; Dir is that directory.
	Local() bool
	Dir() string
	// String is the store's URL, without credentials or options.
	String() string
	Close() error
}

// Artifact is a stored model. URI + "@" + Digest is its reference.
type Artifact struct {
	URI    string
	Key    string
	Digest string
	Size   int64
}

// Provenance says where a model comes from; a registry keeps it as the
// model's annotations.
type Provenance struct {
	Pipeline, Model, RunID, SourceCommit string
	// Data maps each dataset's role ("reference", "current") to its digest.
	Data map[string]string
}

// ProvenanceOf is the provenance of the model trained in run r.
func ProvenanceOf(r *record.Run) Provenance {
	p := Provenance{Pipeline: r.Pipeline, Model: r.Model, RunID: r.ID, SourceCommit: r.SourceCommit, Data: map[string]string{}}
	for role, d := range map[string]record.Dataset{"reference": r.Data.Reference, "current": r.Data.Current} {
		if d.Digest != "" {
			p.Data[role] = d.Digest
		}
	}
	return p
}

// Options configure Open.
type Options struct {
	// Getenv reads the environment (credentials: DOCKER_CONFIG, HOME,
	// GITHUB_TOKEN); nil reads nothing.
	Getenv func(string) string
}

// UnreadableError names run records that exist but cannot be read: a
// decision that needs the run history cannot trust a history with holes.
type UnreadableError struct {
	// Keys are the unreadable records' URIs, sorted.
	Keys []string
}

func (e *UnreadableError) Error() string {
	return fmt.Sprintf("%d run record(s) cannot be read: %s (repair or delete them)", len(e.Keys), strings.Join(e.Keys, ", "))
}

// Open opens the store at rawURL with no environment (no registry
// credentials). A file:// URL with a relative path is relative to root.
func Open(ctx context.Context, rawURL, root string) (Store, error) {
	return OpenWith(ctx, rawURL, root, Options{})
}

// OpenWith opens the store at rawURL. Opening writes nothing; a remote
// store is reached now, so a wrong URL, an unreachable registry or bucket
// fails before any step runs.
func OpenWith(ctx context.Context, rawURL, root string, opt Options) (Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fault.Input(fmt.Errorf("artifact store URL %q: %w", rawURL, err))
	}
	if u.Scheme == "oci" {
		return openRegistry(ctx, u, opt)
	}
	return openBucket(ctx, rawURL, u, root)
}

// model is a model file opened for storing: the file itself, or a tar of
// a directory in a temporary file.
type model struct {
	f      *os.File
	digest string
	size   int64
	tmp    string
	name   string
	dir    bool
}

func openModel(path string) (*model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	m := &model{name: filepath.Base(path), dir: st.IsDir()}
	src := path
	if st.IsDir() {
		tmp, err := os.CreateTemp("", "ctgit-model-*.tar")
		if err != nil {
			return nil, err
		}
		m.tmp = tmp.Name()
		if err := writeTar(tmp, path); err != nil {
			tmp.Close()
			m.close()
			return nil, fmt.Errorf("packing model directory %s: %w", path, err)
		}
		if err := tmp.Close(); err != nil {
			m.close()
			return nil, err
		}
		src = tmp.Name()
	}
	// A model left as a FIFO or a device would block the digest or never
	// end it: only regular files (and directories, as a tar) are stored.
	if m.f, err = fsutil.OpenRegular(src); err != nil {
		m.close()
		return nil, err
	}
	if m.digest, m.size, err = digest.Reader(m.f); err != nil {
		m.close()
		return nil, err
	}
	if _, err := m.f.Seek(0, io.SeekStart); err != nil {
		m.close()
		return nil, err
	}
	return m, nil
}

func (m *model) close() {
	if m.f != nil {
		m.f.Close()
	}
	if m.tmp != "" {
		os.Remove(m.tmp)
	}
}

// writeTar writes dir as a tar with sorted entries and zeroed times and
// owners, so the same files always give the same digest.
func writeTar(w io.Writer, dir string) error {
	tw := tar.NewWriter(w)
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, p := range files {
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		hdr := &tar.Header{Name: filepath.ToSlash(rel), ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		switch {
		case st.IsDir():
			hdr.Typeflag, hdr.Mode, hdr.Name = tar.TypeDir, 0o755, hdr.Name+"/"
		case st.Mode().IsRegular():
			hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeReg, 0o644, st.Size()
			if st.Mode()&0o111 != 0 {
				hdr.Mode = 0o755
			}
		default:
			return fmt.Errorf("%s: only files and directories can be stored", rel)
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if hdr.Typeflag == tar.TypeReg {
			f, err := fsutil.OpenRegular(p)
			if err != nil {
				return err
			}
			_, err = io.Copy(tw, f)
			f.Close()
			if err != nil {
				return err
			}
		}
	}
	return tw.Close()
}
