package gitops

import (
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	fdiff "github.com/go-git/go-git/v5/plumbing/format/diff"
	"github.com/go-git/go-git/v5/utils/diff"
	"github.com/sergi/go-diff/diffmatchpatch"
)

// UnifiedDiff writes the changes as `git diff` does (a/ and b/ prefixes,
// blob hashes, three lines of context), which is what a dry run shows and
// what the pull request will contain.
func UnifiedDiff(w io.Writer, files []FileChange) error {
	p := patch{}
	for _, f := range files {
		fp := filePatch{
			from: diffFile{path: f.Path, hash: plumbing.ComputeHash(plumbing.BlobObject, f.Old)},
			to:   diffFile{path: f.Path, hash: plumbing.ComputeHash(plumbing.BlobObject, f.New)},
		}
		for _, d := range diff.Do(string(f.Old), string(f.New)) {
			op := fdiff.Equal
			switch d.Type {
			case diffmatchpatch.DiffInsert:
				op = fdiff.Add
			case diffmatchpatch.DiffDelete:
				op = fdiff.Delete
			}
			fp.chunks = append(fp.chunks, chunk{content: d.Text, op: op})
		}
		p = append(p, fp)
	}
	return fdiff.NewUnifiedEncoder(w, fdiff.DefaultContextLines).Encode(p)
}

type patch []fdiff.FilePatch

func (p patch) FilePatches() []fdiff.FilePatch { return p }
func (p patch) Message() string                { return "" }

type filePatch struct {
	from, to diffFile
	chunks   []fdiff.Chunk
}

func (f filePatch) IsBinary() bool               { return false }
func (f filePatch) Files() (from, to fdiff.File) { return f.from, f.to }
func (f filePatch) Chunks() []fdiff.Chunk        { return f.chunks }

type diffFile struct {
	path string
	hash plumbing.Hash
}

func (f diffFile) Hash() plumbing.Hash     { return f.hash }
func (f diffFile) Mode() filemode.FileMode { return filemode.Regular }
func (f diffFile) Path() string            { return f.path }

type chunk struct {
	content string
	op      fdiff.Operation
}

func (c chunk) Content() string       { return c.content }
func (c chunk) Type() fdiff.Operation { return c.op }
