package dataset

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/fault"
)

// Spec is a dataset as a pipeline declares it: a location and, for a
// partitioned one, an optional window.
type Spec struct {
	Location string
	Window   *Window
}

// Resolver resolves and fetches datasets for one repository. It keeps the
// stores it opened until Close.
type Resolver struct {
	// Root is the repository root that relative locations are under.
	Root string
	// Memo remembers the digests of repository files.
	Memo *digest.Memo
	// CacheDir holds downloaded objects (see Fetch); "" keeps none, and
	// fetching a remote object is then an error.
	CacheDir string
	// HTTP is the client of https:// locations (http.DefaultClient when
	// nil).
	HTTP *http.Client

	mu     sync.Mutex
	stores map[string]store
}

// Close releases the stores the resolver opened.
func (r *Resolver) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, s := range r.stores {
		errs = append(errs, s.Close())
	}
	r.stores = nil
	return errors.Join(errs...)
}

// Resolve lists the objects of a dataset with their identities, without
// downloading remote ones where the store gives an identity. Errors are
// fault.Input (a location that names nothing, parts with different
// partition columns, a window that cannot be applied) or fault.Infra (a
// store that cannot be reached).
func (r *Resolver) Resolve(ctx context.Context, spec Spec) (*Snapshot, error) {
	loc, err := Parse(spec.Location)
	if err != nil {
		return nil, fault.Input(err)
	}
	var s *Snapshot
	if loc.Remote() {
		s, err = r.resolveRemote(ctx, loc)
	} else {
		s, err = r.resolveLocal(loc)
	}
	if err != nil {
		return nil, err
	}
	if err := samePartitions(s); err != nil {
		return nil, fault.Input(err)
	}
	if spec.Window != nil {
		if err := spec.Window.apply(s); err != nil {
			return nil, fault.Input(err)
		}
		if len(s.Objects) == 0 {
			return nil, fault.Input(fmt.Errorf("%s: the window %s keeps no object", loc.Raw, spec.Window))
		}
	}
	s.seal()
	return s, nil
}

// samePartitions refuses a dataset whose objects have different hive
// partition columns: they would not read as one table.
func samePartitions(s *Snapshot) error {
	cols := func(o Object) string {
		var c []string
		for _, p := range o.Partition {
			c = append(c, p.Column)
		}
		return strings.Join(c, "/")
	}
	if len(s.Objects) == 0 {
		return nil
	}
	first := cols(s.Objects[0])
	for _, o := range s.Objects[1:] {
		if c := cols(o); c != first {
			return fmt.Errorf("%s: objects are partitioned differently: %s has partition columns [%s], %s has [%s]", s.Source, s.Objects[0].URL, first, o.URL, c)
		}
	}
	return nil
}

// resolveLocal resolves a repository path: a file, a directory (every data
// file under it) or a glob.
func (r *Resolver) resolveLocal(loc Location) (*Snapshot, error) {
	s := &Snapshot{Source: loc.Raw}
	if err := CleanRel(loc.Raw); err != nil {
		return nil, fault.Input(err)
	}
	if loc.Pattern == "" {
		abs := filepath.Join(r.Root, filepath.FromSlash(loc.Prefix))
		st, err := os.Stat(abs)
		switch {
		case err == nil && st.IsDir():
			dir := strings.TrimSuffix(loc.Prefix, "/")
			s, err := r.walkLocal(s, dir+"/", func(string) bool { return true })
			if err != nil {
				return nil, err
			}
			// A DVC-tracked directory, pulled, keeps the identity its
			// .dvc file gives, as when it is not pulled: keys follow the
			// .dvc file in both states.
			if _, dvcErr := os.Stat(abs + ".dvc"); dvcErr == nil {
				out, err := r.dvcOut(dir)
				if err != nil {
					return nil, err
				}
				s.identity = "md5:" + out.MD5
			}
			return s, nil
		case err == nil || errors.Is(err, fs.ErrNotExist):
			o, err := r.repoObject(loc.Prefix)
			if err != nil {
				return nil, err
			}
			o.Key = path.Base(loc.Prefix)
			s.Objects = []Object{o}
			return s, nil
		default:
			return nil, fault.Input(fmt.Errorf("%s: %w", loc.Raw, err))
		}
	}
	if !doublestar.ValidatePattern(loc.Pattern) {
		return nil, fault.Input(fmt.Errorf("%s: not a valid glob", loc.Raw))
	}
	return r.walkLocal(s, loc.Prefix, func(rel string) bool { return doublestar.MatchUnvalidated(loc.Pattern, rel) })
}

// walkLocal lists the data files under the repository directory dir
// ("" or ending in "/") that match.
func (r *Resolver) walkLocal(s *Snapshot, dir string, match func(rel string) bool) (*Snapshot, error) {
	absDir := filepath.Join(r.Root, filepath.FromSlash(dir))
	if st, err := os.Stat(absDir); err != nil || !st.IsDir() {
		return nil, fault.Input(fmt.Errorf("%s: matches nothing: %s is not a directory of the repository", s.Source, strings.TrimSuffix(dir, "/")))
	}
	var rels []string
	err := filepath.WalkDir(absDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != absDir && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			// Hidden files and Spark's _SUCCESS / _temporary are not data.
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel := dir + filepath.ToSlash(strings.TrimPrefix(p, absDir+string(filepath.Separator)))
		if dataExt(strings.TrimSuffix(name, ".dvc")) && match(strings.TrimSuffix(rel, ".dvc")) {
			rels = append(rels, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fault.Input(fmt.Errorf("%s: %w", s.Source, err))
	}
	// A DVC-tracked file that was not pulled is listed through its .dvc
	// file; one that was pulled is listed once.
	seen := map[string]bool{}
	for _, rel := range rels {
		seen[rel] = true
	}
	sort.Strings(rels)
	for _, rel := range rels {
		if strings.HasSuffix(rel, ".dvc") {
			if seen[strings.TrimSuffix(rel, ".dvc")] {
				continue
			}
			rel = strings.TrimSuffix(rel, ".dvc")
		}
		o, err := r.repoObject(rel)
		if err != nil {
			return nil, err
		}
		o.Key = strings.TrimPrefix(rel, dir)
		o.Partition = partitionsOf(o.Key)
		s.Objects = append(s.Objects, o)
	}
	if len(s.Objects) == 0 {
		return nil, fault.Input(fmt.Errorf("%s: matches no data file (.csv, .csv.gz, .csv.zst, .parquet)", s.Source))
	}
	return s, nil
}

// resolveRemote lists a store location.
func (r *Resolver) resolveRemote(ctx context.Context, loc Location) (*Snapshot, error) {
	st, err := r.store(ctx, loc)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Source: Redact(loc.Raw)}
	if loc.Pattern == "" {
		// One object named exactly, else a directory of parts.
		if o, ok, err := st.Stat(ctx, loc.Prefix); err != nil {
			return nil, err
		} else if ok && !strings.HasSuffix(loc.Prefix, "/") {
			o.Key = baseName(loc.URL(loc.Prefix))
			s.Objects = []Object{o}
			return s, nil
		}
		dir := loc.Prefix
		if dir != "" && !strings.HasSuffix(dir, "/") {
			dir += "/"
		}
		return s, r.listParts(ctx, st, s, dir, func(string) bool { return true },
			fmt.Sprintf("%s: no such object, and no data file (.csv, .csv.gz, .parquet) under it", loc.Raw))
	}
	if !doublestar.ValidatePattern(loc.Pattern) {
		return nil, fault.Input(fmt.Errorf("%s: not a valid glob", loc.Raw))
	}
	return s, r.listParts(ctx, st, s, loc.Prefix, func(key string) bool { return doublestar.MatchUnvalidated(loc.Pattern, key) },
		fmt.Sprintf("%s: the glob matches no object", loc.Raw))
}

// listParts adds to s the data files of st under the key prefix root that
// match, keyed below root with their hive partitions; none is bad input,
// said by none.
func (r *Resolver) listParts(ctx context.Context, st store, s *Snapshot, root string, match func(key string) bool, none string) error {
	objs, err := st.List(ctx, root)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if !match(o.Key) || !dataObject(strings.TrimPrefix(o.Key, root)) {
			continue
		}
		o.Key = strings.TrimPrefix(o.Key, root)
		if !fs.ValidPath(o.Key) {
			return fault.Input(badKey(o))
		}
		o.Partition = partitionsOf(o.Key)
		s.Objects = append(s.Objects, o)
	}
	if len(s.Objects) == 0 {
		return fault.Input(errors.New(none))
	}
	return nil
}

// dataObject reports whether a key under a dataset's root is one of its
// data files: hidden and "_"-prefixed elements (Spark's _SUCCESS,
// _temporary/) are not.
func dataObject(rel string) bool {
	for _, e := range strings.Split(rel, "/") {
		if strings.HasPrefix(e, ".") || strings.HasPrefix(e, "_") {
			return false
		}
	}
	return dataExt(path.Base(rel))
}

// store returns the opened store of loc's bucket or host.
func (r *Resolver) store(ctx context.Context, loc Location) (store, error) {
	id := loc.Scheme + "://" + loc.Bucket
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.stores[id]; ok {
		return s, nil
	}
	var s store
	var err error
	switch loc.Scheme {
	case "https", "http":
		s = &httpStore{base: loc.Scheme + "://" + loc.Bucket, client: r.HTTP}
	default:
		s, err = openBucket(ctx, loc)
	}
	if err != nil {
		return nil, err
	}
	if r.stores == nil {
		r.stores = map[string]store{}
	}
	r.stores[id] = s
	return s, nil
}

// CleanRel rejects repository paths that are empty, absolute or climb
// out with "..". It is stricter than filepath.IsLocal, which accepts
// "a/../b": a path in a pipeline names its file one way only.
func CleanRel(rel string) error {
	switch {
	case rel == "":
		return errors.New("path is empty")
	case strings.HasPrefix(rel, "/") || filepath.IsAbs(rel):
		return fmt.Errorf("%q is absolute: paths are relative to the repository root", rel)
	case strings.Contains(rel, `\`):
		return fmt.Errorf("%q uses backslashes: write paths with /", rel)
	}
	for _, part := range strings.Split(rel, "/") {
		if part == ".." {
			return fmt.Errorf("%q leaves the repository through \"..\"", rel)
		}
	}
	return nil
}

// badKey refuses an object whose key is no path a step could be handed
// it under: one with "..", "." or empty elements would land outside its
// dataset's directory.
func badKey(o Object) error {
	return fmt.Errorf("%s: its key %q has \"..\", \".\" or empty path elements, so it cannot be laid out as a file of the dataset", o.URL, o.Key)
}
