package record

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Pending writes run records as their pipelines finish and makes them
// durable all at once: each file is written under a temporary name and
// renamed into place at once, so a reader (or a process killed midway)
// sees the whole record or none, and Sync puts every file and rename on
// disk before the run is reported. One sync of the filesystem costs
// less than a sync of each file and of its directory, one by one, when a
// run writes a record for each of a thousand pipelines.
//
// The zero Pending is ready; it is safe for concurrent use.
type Pending struct {
	mu sync.Mutex
	// files and dirs are what Sync syncs where the filesystem cannot be
	// synced at once.
	files []string
	dirs  map[string]bool
	// fss holds a directory open on each filesystem written to, opened
	// before the first write there, so that Sync hears of any write to it
	// that failed since.
	fss map[uint64]*os.File
}

// WriteFile writes data to path, atomically; it is durable once Sync
// returns nil.
func (p *Pending) WriteFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := p.watch(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.files = append(p.files, path)
	if p.dirs == nil {
		p.dirs = map[string]bool{}
	}
	// A new directory's own entry is in its parent's: both are synced.
	p.dirs[dir] = true
	p.dirs[filepath.Dir(dir)] = true
	return nil
}

// Sync makes every file written so far durable, with its name, or says
// why not.
func (p *Pending) Sync() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.files) == 0 {
		return nil
	}
	if syncedAll, err := syncFilesystems(p.fss); syncedAll || err != nil {
		if err != nil {
			return fmt.Errorf("syncing run records to disk: %w", err)
		}
		p.files, p.dirs = nil, nil
		return nil
	}
	if err := p.syncEach(); err != nil {
		return fmt.Errorf("syncing run records to disk: %w", err)
	}
	p.files, p.dirs = nil, nil
	return nil
}

// syncEach fsyncs each file written, then each directory they were
// renamed in, several at once: a journaling filesystem commits syncs that
// wait together in one go.
func (p *Pending) syncEach() error {
	errs := make([]error, len(p.files)+len(p.dirs))
	sem := make(chan struct{}, syncsAtOnce)
	var wg sync.WaitGroup
	each := func(paths []string, dir bool, errs []error) {
		for i, path := range paths {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				errs[i] = syncPath(path, dir)
				<-sem
			}()
		}
		wg.Wait()
	}
	each(p.files, false, errs)
	dirs := make([]string, 0, len(p.dirs))
	for dir := range p.dirs {
		dirs = append(dirs, dir)
	}
	each(dirs, true, errs[len(p.files):])
	return errors.Join(errs...)
}

// syncsAtOnce is how many files syncEach syncs at once.
const syncsAtOnce = 32

// Close releases what Pending holds open; it does not sync.
func (p *Pending) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.fss {
		f.Close()
	}
	p.fss = nil
}

// syncPath fsyncs a file, or a directory (where a filesystem that refuses
// to sync directories still renames atomically).
func syncPath(path string, dir bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !dir {
		return fmt.Errorf("syncing %s: %w", path, err)
	}
	return nil
}
