package table

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ctgit/ctgit/internal/fsutil"
	"github.com/ctgit/ctgit/internal/pointer"
)

// Input is a data file to compare: Name is the file as the user named it,
// for messages and reports; the bytes come from a regular file, the named
// one or a spool of a stream that OpenStream read.
type Input struct {
	Name  string
	path  string // the regular file read: Name, or a spool
	parts []Part // a dataset of many files (see Parts), instead of path
}

// File is the input of the data file at path, which must be a regular
// file: reading a FIFO, a socket or a device is refused (an *InputError),
// since it could block forever or never end. Pipelines' data is read this
// way.
func File(path string) Input { return Input{Name: path, path: path} }

// open opens the input's regular file without ever blocking on a special
// one.
func (in Input) open() (*os.File, error) {
	f, err := fsutil.OpenRegular(in.path)
	if err != nil {
		var nr *fsutil.NotRegularError
		if errors.As(err, &nr) {
			return nil, &InputError{File: in.Name, Err: fmt.Errorf("this is %s, not a regular file", fsutil.Kind(nr.Mode))}
		}
		return nil, &InputError{File: in.Name, Err: err}
	}
	var pe *pointer.Error
	if err := pointer.CheckFile(f, in.Name); errors.As(err, &pe) {
		f.Close()
		return nil, &InputError{File: in.Name, Err: fmt.Errorf("%s; %s", pe.Why, pe.Fix)}
	}
	return decompressed(f, in.Name)
}

// OpenStream makes the input of path for `ctgit drift`, where a data file
// may be a stream: a named FIFO fed by a writer, a process substitution
// such as <(zcat current.csv.gz), or /dev/stdin fed by a pipe. A regular
// file is read where it is. A pipe is read once, to its end, into a
// temporary file that cleanup removes: comparing reads a file more than
// once (its header, the shape of its first records, then its columns, in
// several groups when they do not fit the memory budget), and a pipe can
// be read only once; spooling it to disk keeps the memory budget whatever
// the stream's size, and lets Parquet, which needs to seek, come from a
// pipe too. Anything else (a directory, a socket, a device such as
// /dev/zero, which never ends) is an *InputError. Waiting for a FIFO's
// writer and reading the stream both end when ctx does.
func OpenStream(ctx context.Context, path string) (in Input, cleanup func(), err error) {
	nothing := func() {}
	st, err := os.Stat(path)
	if err != nil {
		return Input{}, nothing, &InputError{File: path, Err: err}
	}
	switch mode := st.Mode(); {
	case mode.IsRegular():
		return File(path), nothing, nil
	case mode&os.ModeNamedPipe == 0:
		return Input{}, nothing, &InputError{File: path, Err: fmt.Errorf("this is %s: give a regular file or a pipe", fsutil.Kind(mode))}
	}
	src, err := openPipe(ctx, path)
	if err != nil {
		return Input{}, nothing, &InputError{File: path, Err: err}
	}
	defer src.Close()
	spool, err := os.CreateTemp("", "ctgit-drift-*"+filepath.Ext(path))
	if err != nil {
		return Input{}, nothing, fmt.Errorf("spooling %s: %w", path, err)
	}
	cleanup = func() { os.Remove(spool.Name()) }
	// Closing a pipe ends a read that is waiting on it: Go reads pipes
	// through the runtime's poller.
	stop := context.AfterFunc(ctx, func() { src.Close() })
	_, err = io.Copy(spool, src)
	stop()
	if cerr := spool.Close(); err == nil {
		err = cerr
	}
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		cleanup()
		return Input{}, nothing, &InputError{File: path, Err: fmt.Errorf("reading the stream: %w", err)}
	}
	return Input{Name: path, path: spool.Name()}, cleanup, nil
}

// openPipe opens a FIFO for reading, which waits for a writer to open it
// too, unless ctx ends first.
func openPipe(ctx context.Context, path string) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		return o.f, o.err
	case <-ctx.Done():
		// The open goes on until a writer comes, or the process ends; a
		// late open is closed at once.
		go func() {
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, fmt.Errorf("waiting for a writer: %w", ctx.Err())
	}
}
