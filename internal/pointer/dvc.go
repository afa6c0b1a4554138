package pointer

import (
	"fmt"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DVCOut is what a .dvc file records of the data it tracks: one entry of
// its `outs:` list, as `dvc add` writes it.
type DVCOut struct {
	// Path is the tracked path, relative to the .dvc file's directory.
	Path string
	// MD5 is DVC's hash of the data: the file's MD5, or for a directory
	// the MD5 of DVC's listing of it, ending in ".dir".
	MD5 string
	// Size is the data's size in bytes (a directory's: of all its files).
	Size int64
	// NFiles is the number of files of a tracked directory.
	NFiles int
}

// Dir reports whether the out is a directory.
func (o DVCOut) Dir() bool { return strings.HasSuffix(o.MD5, ".dir") }

// dvcFile is the part of a .dvc file ctgit reads. DVC 3 writes
//
//	outs:
//	- md5: 3a5f…
//	  size: 1234
//	  hash: md5
//	  path: current.csv
//
// DVC 2 the same without `hash:`; a directory's md5 ends in ".dir" and it
// has `nfiles:`.
type dvcFile struct {
	Outs []struct {
		Path   string `yaml:"path"`
		MD5    string `yaml:"md5"`
		Hash   string `yaml:"hash"`
		Size   int64  `yaml:"size"`
		NFiles int    `yaml:"nfiles"`
	} `yaml:"outs"`
}

// ParseDVC reads the .dvc file b (named name, for messages) for the out
// whose path is out, the base name of the tracked path. A .dvc file with
// one out gives that one whatever its path.
func ParseDVC(b []byte, name, out string) (DVCOut, error) {
	var f dvcFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		return DVCOut{}, fmt.Errorf("%s: not a DVC file: %w", name, err)
	}
	if len(f.Outs) == 0 {
		return DVCOut{}, fmt.Errorf("%s: not a DVC file: it has no outs", name)
	}
	i := -1
	for j, o := range f.Outs {
		if path.Clean(o.Path) == out {
			i = j
		}
	}
	if i < 0 {
		if len(f.Outs) > 1 {
			return DVCOut{}, fmt.Errorf("%s: none of its outs is %s", name, out)
		}
		i = 0
	}
	o := f.Outs[i]
	if o.Hash != "" && o.Hash != "md5" {
		return DVCOut{}, fmt.Errorf("%s: records a %s hash of %s; ctgit reads DVC's md5 hash only", name, o.Hash, o.Path)
	}
	md5 := strings.TrimSuffix(o.MD5, ".dir")
	if len(md5) != 32 || strings.Trim(strings.ToLower(md5), "0123456789abcdef") != "" {
		return DVCOut{}, fmt.Errorf("%s: records no md5 of %s (it may be an import or not yet committed: run `dvc commit %s`)", name, o.Path, name)
	}
	if o.Size < 0 || o.NFiles < 0 {
		return DVCOut{}, fmt.Errorf("%s: records a negative size of %s", name, o.Path)
	}
	return DVCOut{Path: o.Path, MD5: strings.ToLower(o.MD5), Size: o.Size, NFiles: o.NFiles}, nil
}
