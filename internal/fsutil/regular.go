package fsutil

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// NotRegularError says that a file ctgit was to read is not a regular file:
// a named pipe, a socket, a device or a directory. Reading such a file can
// block forever (a FIFO without a writer) or never end (/dev/zero), so
// ctgit refuses it instead.
type NotRegularError struct {
	Path string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.Path, Kind(e.Mode))
}

// Kind names the type of file mode m for humans: "a named pipe (FIFO)".
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	}
	return "a special file"
}

// CheckRegular returns a *NotRegularError unless path, its symlinks
// followed, is a regular file.
func CheckRegular(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return &NotRegularError{Path: path, Mode: st.Mode()}
	}
	return nil
}

// OpenRegular opens path for reading if it is a regular file, and returns
// a *NotRegularError otherwise. It never blocks on a special file: the open
// itself is non-blocking (opening a FIFO that has no writer would otherwise
// wait for one forever), and the type is checked again on the open file, so
// a file swapped for a FIFO between the two looks is refused too.
func OpenRegular(path string) (*os.File, error) {
	if err := CheckRegular(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &NotRegularError{Path: path, Mode: st.Mode()}
	}
	return f, nil
}
