package dataset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ctgit/ctgit/internal/fault"
)

// repoObject is the object of the repository file rel: its identity is
// its content's sha256.
func (r *Resolver) repoObject(rel string) (Object, error) {
	abs := filepath.Join(r.Root, filepath.FromSlash(rel))
	d, n, err := r.Memo.File(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Object{}, fault.Input(fmt.Errorf("%s does not exist", rel))
		}
		return Object{}, fault.Input(fmt.Errorf("%s: %w", rel, err))
	}
	o := Object{URL: rel, Size: n, ID: d}
	if st, err := os.Stat(abs); err == nil {
		o.Modified = st.ModTime().UTC()
	}
	return o, nil
}

// repoFile is the local file holding the content of the repository
// object o.
func (r *Resolver) repoFile(o Object) (string, error) {
	return filepath.Join(r.Root, filepath.FromSlash(o.URL)), nil
}
