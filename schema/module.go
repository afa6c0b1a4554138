package schema

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"path"

	"cuelang.org/go/mod/modfile"
)

// ModuleFile is the schema's cue.mod/module.cue, which names the module and
// the CUE language version it is written for.
//
//go:embed cue.mod/module.cue
var ModuleFile string

// ImportPath is what a CUE file imports to use the schema; it is also the
// module's path (the schema is the module's root package). CUE module paths
// carry their major version: v0 while ctgit is v0.x.
const ImportPath = "github.com/ctgit/ctgit/schema@v0"

// VendorDir is where, relative to a CUE module's root, cue looks for the
// package ImportPath names without a registry: the cue.mod/pkg tree, keyed
// by the import path without its major version.
const VendorDir = "cue.mod/pkg/github.com/ctgit/ctgit/schema"

// MarkerFile is the file of VendorDir that records which schema was
// vendored (see Marker).
const MarkerFile = "ctgit_vendored.cue"

// UserModulePath is the module path `ctgit schema --module` gives a
// repository that has no cue.mod/module.cue yet: the one `cue mod init`
// gives when it is not told one.
const UserModulePath = "cue.example"

// LanguageVersion is the CUE language version the schema is written for,
// that of the cuelang.org/go ctgit is built with.
func LanguageVersion() string {
	f, err := modfile.Parse([]byte(ModuleFile), "schema/cue.mod/module.cue")
	if err != nil || f.Language == nil {
		// The file is compiled in and tested: a build bug.
		panic(fmt.Sprintf("schema: parsing the embedded module.cue: %v", err))
	}
	return f.Language.Version
}

// Digest identifies the schema's text: sha256:HEX of Source.
func Digest() string {
	sum := sha256.Sum256([]byte(Source))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// File is a file of a vendored copy of the schema.
type File struct {
	// Path is slash-separated and relative to the module root.
	Path string
	Data []byte
}

// Vendored returns the files of a copy of the schema for a module's
// cue.mod/pkg: the schema itself, and a marker that records which ctgit
// (release ctgitVersion) and which schema (Digest) it is. ctgit compares the
// marker's digest, not the copy's bytes, so a copy that was reformatted or
// had its line endings changed is still this schema.
func Vendored(ctgitVersion string) []File {
	return []File{
		{Path: path.Join(VendorDir, MarkerFile), Data: []byte(Marker(ctgitVersion, Digest()))},
		{Path: path.Join(VendorDir, "pipeline.cue"), Data: []byte(Source)},
	}
}

// Marker is the text of MarkerFile for the schema of ctgit version with
// digest.
func Marker(version, digest string) string {
	return fmt.Sprintf(`package schema

// Written by ctgit %[1]s (ctgit schema --module): this directory is its
// schema, vendored so that cue vet and editors resolve
// import "%[3]s" offline. ctgit vet warns when it runs
// another schema than this one; ctgit schema --module refreshes it.
#vendored: {
	ctgit:  %[1]q
	schema: %[2]q
}
`, version, digest, ImportPath)
}

// UserModuleFile is the cue.mod/module.cue of a repository whose pipelines
// import the schema: module UserModulePath, and the language version of
// the schema.
func UserModuleFile() string {
	return fmt.Sprintf("module: %q\nlanguage: {\n\tversion: %q\n}\n", UserModulePath, LanguageVersion())
}
