package dataset

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/fsutil"
	"github.com/ctgit/ctgit/internal/pointer"
)

// repoObject is the object of the repository path rel. Its identity is:
//   - for a Git LFS pointer in the work tree, the pointer's oid (the
//     sha256 of the content, so the same as once the object is checked
//     out), without hashing the pointer text;
//   - for a path DVC tracks (rel.dvc beside it), the md5 the .dvc file
//     records, whether the data is pulled or not, so keys follow the .dvc
//     file as DVC users expect (Fetch checks pulled data against it);
//   - otherwise, its content's sha256.
func (r *Resolver) repoObject(rel string) (Object, error) {
	abs := filepath.Join(r.Root, filepath.FromSlash(rel))
	st, err := os.Stat(abs)
	if _, dvcErr := os.Stat(abs + ".dvc"); dvcErr == nil {
		out, err := r.dvcOut(rel)
		if err != nil {
			return Object{}, err
		}
		o := Object{URL: rel, Size: out.Size, ID: "md5:" + out.MD5}
		if dst, err := os.Stat(abs + ".dvc"); err == nil {
			o.Modified = dst.ModTime().UTC()
		}
		return o, nil
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Object{}, fault.Input(fmt.Errorf("%s does not exist", rel))
		}
		return Object{}, fault.Input(fmt.Errorf("%s: %w", rel, err))
	}
	o := Object{URL: rel, Modified: st.ModTime().UTC()}
	if st.Mode().IsRegular() && st.Size() <= pointer.MaxLFS {
		if p, ok, err := pointer.ReadLFS(abs); err != nil {
			return Object{}, fault.Input(fmt.Errorf("%s: %w", rel, err))
		} else if ok {
			o.ID, o.Size = p.OID, p.Size
			return o, nil
		}
	}
	o.ID, o.Size, err = r.Memo.File(abs)
	if err != nil {
		return Object{}, fault.Input(fmt.Errorf("%s: %w", rel, err))
	}
	return o, nil
}

// dvcOut reads what rel.dvc records of rel.
func (r *Resolver) dvcOut(rel string) (pointer.DVCOut, error) {
	name := rel + ".dvc"
	b, err := os.ReadFile(filepath.Join(r.Root, filepath.FromSlash(name)))
	if err != nil {
		return pointer.DVCOut{}, fault.Input(fmt.Errorf("%s: %w", name, err))
	}
	out, err := pointer.ParseDVC(b, name, path.Base(rel))
	if err != nil {
		return pointer.DVCOut{}, fault.Input(err)
	}
	return out, nil
}

// repoFile is the local file holding the content of the repository
// object o: the work-tree file, or for a Git LFS pointer the object in the
// repository's LFS store, fetched first when it is not there. A DVC
// object's data must be in the work tree, with the md5 its .dvc file
// records: ctgit does not read DVC remotes.
func (r *Resolver) repoFile(o Object) (string, error) {
	abs := filepath.Join(r.Root, filepath.FromSlash(o.URL))
	if strings.HasPrefix(o.ID, "md5:") {
		return r.dvcFile(o, abs)
	}
	st, err := os.Stat(abs)
	if err != nil || !st.Mode().IsRegular() {
		// The reader reports a missing or special file.
		return abs, nil
	}
	p, ok, err := pointer.ReadLFS(abs)
	if err != nil {
		return "", fault.Input(fmt.Errorf("%s: %w", o.URL, err))
	}
	if !ok {
		return abs, nil
	}
	if p.OID != o.ID {
		// The pointer changed since the snapshot was taken: fetch the
		// object the snapshot names, which is what its digest promised.
		p = pointer.LFS{OID: o.ID, Size: o.Size}
	}
	return r.lfsObject(o.URL, p)
}

// dvcFile checks that the DVC-tracked data of o is in the work tree at abs
// with the md5 its .dvc file records.
func (r *Resolver) dvcFile(o Object, abs string) (string, error) {
	name := o.URL + ".dvc"
	st, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fault.Input(fmt.Errorf("%s is tracked by DVC (%s) and its data is not in the work tree; fetch it with `dvc pull %s` (ctgit does not read DVC remotes)", o.URL, name, name))
	}
	if err != nil {
		return "", fault.Input(fmt.Errorf("%s: %w", o.URL, err))
	}
	if st.IsDir() || strings.HasSuffix(o.ID, ".dir") {
		// A tracked directory is read where it is; its .dir md5 is DVC's
		// hash of a listing ctgit does not rebuild.
		return abs, nil
	}
	f, err := fsutil.OpenRegular(abs)
	if err != nil {
		return "", fault.Input(fmt.Errorf("%s: %w", o.URL, err))
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fault.Input(fmt.Errorf("reading %s: %w", o.URL, err))
	}
	if got := "md5:" + hex.EncodeToString(h.Sum(nil)); got != o.ID {
		return "", fault.Input(fmt.Errorf("%s differs from what %s records (%s, the file has %s): run `dvc checkout %s` to get the recorded data, or `dvc add %s` to record this one", o.URL, name, o.ID, got, name, o.URL))
	}
	return abs, nil
}

// lfsObject returns the file of the Git LFS object p (the pointer at the
// repository path rel) in the repository's LFS store, fetching it with
// git-lfs when the store does not hold it, and checking its size and
// sha256 against the pointer.
func (r *Resolver) lfsObject(rel string, p pointer.LFS) (string, error) {
	fix := fmt.Sprintf("fetch it with `git lfs pull --include %s`", rel)
	storeDir, err := r.lfsStore()
	if err != nil {
		return "", fault.Input(fmt.Errorf("%s is a Git LFS pointer and ctgit cannot find the repository's LFS store: %w; %s", rel, err, fix))
	}
	oid := strings.TrimPrefix(p.OID, "sha256:")
	obj := filepath.Join(storeDir, "objects", oid[0:2], oid[2:4], oid)
	if _, err := os.Stat(obj); err != nil {
		if _, err := exec.LookPath("git-lfs"); err != nil {
			return "", fault.Input(fmt.Errorf("%s is a Git LFS pointer and git-lfs is not installed to fetch its object: install git-lfs (https://git-lfs.com) and run `git lfs install`, or %s", rel, fix))
		}
		// smudge gives the object of the pointer on its stdin and keeps
		// it in the store; the content on its stdout is read from the
		// store instead, after checking.
		cmd := exec.Command("git", "lfs", "smudge", "--", rel)
		cmd.Dir = r.Root
		cmd.Env = withoutEnv(os.Environ(), "GIT_LFS_SKIP_SMUDGE")
		cmd.Stdin = strings.NewReader(p.String())
		cmd.Stdout = io.Discard
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		runErr := cmd.Run()
		if _, err := os.Stat(obj); err != nil {
			why := strings.TrimSpace(stderr.String())
			if why == "" && runErr != nil {
				why = runErr.Error()
			}
			if why == "" {
				why = "git lfs smudge gave no object (is the path excluded by lfs.fetchexclude?)"
			}
			return "", fault.Input(fmt.Errorf("%s is a Git LFS pointer and fetching its object (%s…) failed: %s; check the LFS remote and your access to it, then %s", rel, p.OID[:len("sha256:")+12], firstLines(why, 3), fix))
		}
	}
	d, n, err := r.Memo.File(obj)
	if err != nil {
		return "", fault.Input(fmt.Errorf("%s: reading its Git LFS object: %w", rel, err))
	}
	if d != p.OID || n != p.Size {
		return "", fault.Input(fmt.Errorf("%s: the Git LFS object %s is not what its pointer names (%d bytes, %s; the pointer says %d bytes, %s): the store is corrupt; remove the object and %s", rel, obj, n, d, p.Size, p.OID, fix))
	}
	return obj, nil
}

// lfsStore is the directory of the repository's Git LFS store: lfs in
// the common Git directory (shared by every worktree), or where
// lfs.storage puts it (relative to the common Git directory).
func (r *Resolver) lfsStore() (string, error) {
	out, err := r.git("rev-parse", "--git-common-dir")
	if err != nil {
		return "", err
	}
	common := out
	if !filepath.IsAbs(common) {
		common = filepath.Join(r.Root, common)
	}
	storage, err := r.git("config", "--default", "", "--get", "lfs.storage")
	if err != nil || storage == "" {
		return filepath.Join(common, "lfs"), nil
	}
	if !filepath.IsAbs(storage) {
		storage = filepath.Join(common, storage)
	}
	return storage, nil
}

// git runs git in the repository root and returns its output, trimmed.
func (r *Resolver) git(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = r.Root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if why := strings.TrimSpace(stderr.String()); why != "" {
			return "", fmt.Errorf("git %s: %s", args[0], firstLines(why, 2))
		}
		return "", fmt.Errorf("git %s: %w", args[0], err)
	}
	return strings.TrimSpace(string(out)), nil
}

// withoutEnv is env less the variable name.
func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// firstLines is the first n lines of s that say something (not empty,
// not git-lfs's "Downloading" progress), joined by "; ".
func firstLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "Downloading ") {
			continue
		}
		if len(lines) == n {
			lines = append(lines, "…")
			break
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "; ")
}
