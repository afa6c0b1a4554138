package dataset

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/fault"
)

const csvData = "x,c\n1,a\n2,b\n3,c\n"

// requireGitLFS skips the test where git-lfs is not installed, except in
// CI, which must install it (Debian's git-lfs).
func requireGitLFS(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("git"); err == nil {
		if err := exec.Command("git", "lfs", "version").Run(); err == nil {
			return
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("git-lfs is not installed; CI must install it (apt-get install git-lfs)")
	}
	t.Skip("git-lfs is not installed")
}

// gitEnv keeps git and git-lfs off the user's configuration and gives
// commits an author.
func gitEnv(t *testing.T) {
	home := t.TempDir()
	for k, v := range map[string]string{
		"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": filepath.Join(home, ".gitconfig"),
		"GIT_AUTHOR_NAME": "ctgit", "GIT_AUTHOR_EMAIL": "ctgit@example.com",
		"GIT_COMMITTER_NAME": "ctgit", "GIT_COMMITTER_EMAIL": "ctgit@example.com",
		"GIT_TERMINAL_PROMPT": "0",
	} {
		t.Setenv(k, v)
	}
	// A user who skips smudging everywhere must not change what the
	// tests see; t.Setenv restores it afterwards.
	t.Setenv("GIT_LFS_SKIP_SMUDGE", "")
	os.Unsetenv("GIT_LFS_SKIP_SMUDGE")
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	env := os.Environ()
	if len(args) > 0 && args[0] == "skip-smudge" {
		env, args = append(env, "GIT_LFS_SKIP_SMUDGE=1"), args[1:]
	}
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// lfsRemote commits data/current.csv through Git LFS in a work repository,
// pushes it (the LFS object too) to a bare repository on disk, and returns
// the bare repository.
func lfsRemote(t *testing.T) string {
	t.Helper()
	requireGitLFS(t)
	gitEnv(t)
	base := t.TempDir()
	remote := filepath.Join(base, "remote.git")
	work := filepath.Join(base, "work")
	git(t, base, "init", "-q", "-b", "main", "--bare", remote)
	git(t, base, "init", "-q", "-b", "main", work)
	git(t, work, "lfs", "install", "--local")
	git(t, work, "lfs", "track", "*.csv")
	writeFile(t, filepath.Join(work, "data", "current.csv"), csvData)
	git(t, work, "add", ".")
	git(t, work, "commit", "-q", "-m", "data")
	git(t, work, "remote", "add", "origin", remote)
	git(t, work, "push", "-q", "origin", "main")
	return remote
}

// pointerClone clones remote without smudging, so the work tree holds the
// pointer of data/current.csv and the LFS store nothing.
func pointerClone(t *testing.T, remote string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clone")
	git(t, filepath.Dir(dir), "skip-smudge", "clone", "-q", remote, dir)
	b, err := os.ReadFile(filepath.Join(dir, "data", "current.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "version https://git-lfs.github.com/spec/v1\n") {
		t.Fatalf("the clone's data/current.csv is not a pointer:\n%s", b)
	}
	return dir
}

func writeFile(t *testing.T, name, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sha256ID(s string) string {
	h := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(h[:])
}

func md5Hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func resolveOne(t *testing.T, r *Resolver, loc string) (*Snapshot, error) {
	t.Helper()
	return r.Resolve(context.Background(), Spec{Location: loc})
}

// wantInput checks that err is bad input whose message holds every want.
func wantInput(t *testing.T, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one with %q", want)
	}
	t.Log(err)
	if k := fault.KindOf(err); k != fault.BadInput {
		t.Errorf("error kind %s, want bad input: %v", k, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
}

// TestLFSPointerFetched: a pointer in the work tree has the oid as its
// identity (the content's sha256, not the pointer text's), and Fetch gives
// the real content, fetched from the LFS remote by git-lfs and checked.
func TestLFSPointerFetched(t *testing.T) {
	dir := pointerClone(t, lfsRemote(t))
	r := &Resolver{Root: dir, Memo: digest.NewMemo()}
	s, err := resolveOne(t, r, "data/current.csv")
	if err != nil {
		t.Fatal(err)
	}
	o := s.Objects[0]
	if o.ID != sha256ID(csvData) || o.Size != int64(len(csvData)) {
		t.Errorf("object %+v: want the oid %s and %d bytes", o, sha256ID(csvData), len(csvData))
	}
	if s.Digest != sha256ID(csvData) {
		t.Errorf("snapshot digest %s, want the content's %s, as for a checked-out file", s.Digest, sha256ID(csvData))
	}
	files, err := r.Fetch(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != csvData {
		t.Errorf("Fetch gave %s holding %q, want the data %q", files[0], b, csvData)
	}
}

// TestLFSCheckedOutSameIdentity: once the object is checked out, the file
// has the same identity as its pointer had, so keys do not change.
func TestLFSCheckedOutSameIdentity(t *testing.T) {
	dir := pointerClone(t, lfsRemote(t))
	r := &Resolver{Root: dir, Memo: digest.NewMemo()}
	before, err := resolveOne(t, r, "data/current.csv")
	if err != nil {
		t.Fatal(err)
	}
	git(t, dir, "lfs", "install", "--local")
	git(t, dir, "lfs", "pull")
	after, err := resolveOne(t, r, "data/current.csv")
	if err != nil {
		t.Fatal(err)
	}
	if before.Digest != after.Digest {
		t.Errorf("digest %s as a pointer, %s checked out", before.Digest, after.Digest)
	}
	files, err := r.Fetch(context.Background(), after)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "data", "current.csv"); files[0] != want {
		t.Errorf("Fetch gave %s, want the work-tree file %s", files[0], want)
	}
}

// TestLFSRemoteGone: a pointer whose object cannot be fetched is bad
// input naming the file and the command, with git-lfs's own words.
func TestLFSRemoteGone(t *testing.T) {
	remote := lfsRemote(t)
	dir := pointerClone(t, remote)
	if err := os.RemoveAll(remote); err != nil {
		t.Fatal(err)
	}
	r := &Resolver{Root: dir, Memo: digest.NewMemo()}
	s, err := resolveOne(t, r, "data/current.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Fetch(context.Background(), s)
	wantInput(t, err, "data/current.csv is a Git LFS pointer", "fetching its object", "`git lfs pull --include data/current.csv`")
}

// TestLFSNotInstalled: without git-lfs, the error says to install it.
func TestLFSNotInstalled(t *testing.T) {
	dir := pointerClone(t, lfsRemote(t))
	gitPath, err := exec.LookPath("git")
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(gitPath, filepath.Join(bin, "git")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	r := &Resolver{Root: dir, Memo: digest.NewMemo()}
	s, err := resolveOne(t, r, "data/current.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Fetch(context.Background(), s)
	wantInput(t, err, "data/current.csv is a Git LFS pointer", "git-lfs is not installed", "git lfs pull --include data/current.csv")
}

// TestLFSStoreCorrupt: an object in the store that does not match its
// pointer is refused, never read as the data.
func TestLFSStoreCorrupt(t *testing.T) {
	dir := pointerClone(t, lfsRemote(t))
	oid := strings.TrimPrefix(sha256ID(csvData), "sha256:")
	writeFile(t, filepath.Join(dir, ".git", "lfs", "objects", oid[:2], oid[2:4], oid), "x,c\n9,z\n")
	r := &Resolver{Root: dir, Memo: digest.NewMemo()}
	s, err := resolveOne(t, r, "data/current.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Fetch(context.Background(), s)
	wantInput(t, err, "data/current.csv: the Git LFS object", "is not what its pointer names", "the store is corrupt")
}

// dvcFileText is a .dvc file as DVC 3 writes it after `dvc add`.
func dvcFileText(md5, path string, size int) string {
	return fmt.Sprintf("outs:\n- md5: %s\n  size: %d\n  hash: md5\n  path: %s\n", md5, size, path)
}

// TestDVCIdentity: a DVC-tracked file's identity is the md5 its .dvc file
// records, pulled or not, and a new md5 there is a new snapshot digest.
func TestDVCIdentity(t *testing.T) {
	dir := t.TempDir()
	r := &Resolver{Root: dir, Memo: digest.NewMemo()}
	dvc := filepath.Join(dir, "data", "current.csv.dvc")
	writeFile(t, dvc, dvcFileText(md5Hex(csvData), "current.csv", len(csvData)))

	absent, err := resolveOne(t, r, "data/current.csv")
	if err != nil {
		t.Fatal(err)
	}
	if o := absent.Objects[0]; o.ID != "md5:"+md5Hex(csvData) || o.Size != int64(len(csvData)) || o.URL != "data/current.csv" {
		t.Errorf("object %+v: want md5:%s, %d bytes", o, md5Hex(csvData), len(csvData))
	}

	writeFile(t, filepath.Join(dir, "data", "current.csv"), csvData)
	pulled, err := resolveOne(t, r, "data/current.csv")
	if err != nil {
		t.Fatal(err)
	}
	if pulled.Digest != absent.Digest {
		t.Errorf("digest %s before dvc pull, %s after: keys must follow the .dvc file", absent.Digest, pulled.Digest)
	}

	const next = "x,c\n1,a\n"
	writeFile(t, dvc, dvcFileText(md5Hex(next), "current.csv", len(next)))
	changed, err := resolveOne(t, r, "data/current.csv")
	if err != nil {
		t.Fatal(err)
	}
	if changed.Digest == absent.Digest {
		t.Errorf("a new md5 in the .dvc file left the digest %s", changed.Digest)
	}
}

// TestDVCFetch: DVC data is read where it is in the work tree; absent, the
// error says `dvc pull`; different from the .dvc file's md5, it says how
// to reconcile them.
func TestDVCFetch(t *testing.T) {
	dir := t.TempDir()
	r := &Resolver{Root: dir, Memo: digest.NewMemo()}
	writeFile(t, filepath.Join(dir, "data", "current.csv.dvc"), dvcFileText(md5Hex(csvData), "current.csv", len(csvData)))
	s, err := resolveOne(t, r, "data/current.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Fetch(context.Background(), s)
	wantInput(t, err, "data/current.csv is tracked by DVC", "`dvc pull data/current.csv.dvc`")

	data := filepath.Join(dir, "data", "current.csv")
	writeFile(t, data, csvData)
	files, err := r.Fetch(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if files[0] != data {
		t.Errorf("Fetch gave %s, want %s", files[0], data)
	}

	writeFile(t, data, "x,c\n9,z\n")
	_, err = r.Fetch(context.Background(), s)
	wantInput(t, err, "data/current.csv differs from what data/current.csv.dvc records", "`dvc checkout data/current.csv.dvc`", "`dvc add data/current.csv`")
}

// TestDVCDirectory: a DVC-tracked directory that is not pulled has the
// .dir md5 as its identity, and reading it needs it pulled.
func TestDVCDirectory(t *testing.T) {
	dir := t.TempDir()
	r := &Resolver{Root: dir, Memo: digest.NewMemo()}
	sum := strings.Repeat("ab", 16)
	writeFile(t, filepath.Join(dir, "data", "events.dvc"),
		"outs:\n- md5: "+sum+".dir\n  size: 5678\n  nfiles: 3\n  hash: md5\n  path: events\n")
	s, err := resolveOne(t, r, "data/events")
	if err != nil {
		t.Fatal(err)
	}
	if o := s.Objects[0]; o.ID != "md5:"+sum+".dir" || o.Size != 5678 {
		t.Errorf("object %+v: want md5:%s.dir, 5678 bytes", o, sum)
	}
	_, err = r.Fetch(context.Background(), s)
	wantInput(t, err, "data/events is tracked by DVC", "`dvc pull data/events.dvc`")

	// Pulled, it is read file by file, and keeps the .dvc identity: the
	// keys of the steps that read it are the same before and after a
	// `dvc pull`.
	writeFile(t, filepath.Join(dir, "data", "events", "dt=2026-11-29", "p.csv"), csvData)
	pulled, err := r.Resolve(context.Background(), Spec{Location: "data/events"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pulled.Objects) != 1 || pulled.Objects[0].Key != "dt=2026-11-29/p.csv" || pulled.Digest != s.Digest {
		t.Errorf("pulled: %d objects, digest %s; not pulled: %s", len(pulled.Objects), pulled.Digest, s.Digest)
	}
}

// TestDVCInDirectory: in a directory of parts, a part that is not pulled
// is listed through its .dvc file, with the recorded md5.
func TestDVCInDirectory(t *testing.T) {
	dir := t.TempDir()
	r := &Resolver{Root: dir, Memo: digest.NewMemo()}
	writeFile(t, filepath.Join(dir, "parts", "a.csv"), csvData)
	writeFile(t, filepath.Join(dir, "parts", "b.csv.dvc"), dvcFileText(md5Hex(csvData), "b.csv", len(csvData)))
	s, err := resolveOne(t, r, "parts")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range s.Objects {
		got = append(got, o.Key+" "+o.ID)
	}
	want := []string{"a.csv " + sha256ID(csvData), "b.csv md5:" + md5Hex(csvData)}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("objects:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDVCFileUnreadable: a .dvc file without an md5 is bad input naming it.
func TestDVCFileUnreadable(t *testing.T) {
	dir := t.TempDir()
	r := &Resolver{Root: dir, Memo: digest.NewMemo()}
	writeFile(t, filepath.Join(dir, "current.csv.dvc"), "outs:\n- path: current.csv\n")
	_, err := resolveOne(t, r, "current.csv")
	wantInput(t, err, "current.csv.dvc: records no md5 of current.csv")
	if errors.Is(err, os.ErrNotExist) {
		t.Error("reported as a missing file")
	}
}

// TestPlainFile: a file that is neither a pointer nor tracked by DVC keeps
// its content's sha256.
func TestPlainFile(t *testing.T) {
	dir := t.TempDir()
	r := &Resolver{Root: dir, Memo: digest.NewMemo()}
	writeFile(t, filepath.Join(dir, "current.csv"), csvData)
	s, err := resolveOne(t, r, "current.csv")
	if err != nil {
		t.Fatal(err)
	}
	if s.Digest != sha256ID(csvData) {
		t.Errorf("digest %s, want %s", s.Digest, sha256ID(csvData))
	}
	_, err = resolveOne(t, r, "missing.csv")
	wantInput(t, err, "missing.csv does not exist")
}

// TestLFSStorageElsewhere: with lfs.storage set, the object is fetched into
// and read from that store.
func TestLFSStorageElsewhere(t *testing.T) {
	dir := pointerClone(t, lfsRemote(t))
	git(t, dir, "config", "lfs.storage", "elsewhere")
	r := &Resolver{Root: dir, Memo: digest.NewMemo()}
	s, err := resolveOne(t, r, "data/current.csv")
	if err != nil {
		t.Fatal(err)
	}
	files, err := r.Fetch(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, ".git", "elsewhere", "objects") + string(filepath.Separator); !strings.HasPrefix(files[0], want) {
		t.Errorf("Fetch gave %s, want a file under %s", files[0], want)
	}
	if b, err := os.ReadFile(files[0]); err != nil || string(b) != csvData {
		t.Errorf("Fetch gave %q, %v; want the data", b, err)
	}
}
