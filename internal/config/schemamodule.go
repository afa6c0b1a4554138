package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"

	"github.com/ctgit/ctgit/internal/digest"
	"github.com/ctgit/ctgit/internal/version"
	"github.com/ctgit/ctgit/schema"
)

// inCUEMod reports whether a CUE file lies in a cue.mod directory: a
// dependency, such as a vendored copy of ctgit's schema, not the user's
// pipelines. Positions there are as unhelpful as the embedded schema's.
func inCUEMod(filename string) bool {
	return strings.Contains("/"+filepath.ToSlash(filename), "/cue.mod/")
}

// VendoredSchema warns when the CUE module holding dir (the pipelines
// directory, inside root) vendors another schema than the one this ctgit
// runs: cue vet and editors then check the pipelines against that copy,
// while ctgit checks them against both. The copy's marker (written with it
// by `ctgit schema --module`) says which schema it is, so a copy that was
// only reformatted is not reported. No vendored copy, no warning.
func VendoredSchema(root, dir string) Diagnostics {
	modRoot := ""
	for d := dir; ; d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, "cue.mod")); err == nil && st.IsDir() {
			modRoot = d
			break
		}
		if rel, err := filepath.Rel(root, d); err != nil || rel == "." || strings.HasPrefix(rel, "..") {
			break
		}
	}
	if modRoot == "" {
		return nil
	}
	vendorDir := filepath.Join(modRoot, filepath.FromSlash(schema.VendorDir))
	if st, err := os.Stat(vendorDir); err != nil || !st.IsDir() {
		return nil
	}
	rel := func(p string) string {
		if r, err := filepath.Rel(root, p); err == nil {
			return filepath.ToSlash(r)
		}
		return p
	}
	fix := "run `ctgit schema --module " + rel(modRoot) + "` to replace it with this ctgit's"
	markerPath := filepath.Join(vendorDir, schema.MarkerFile)
	src, err := os.ReadFile(markerPath)
	if errors.Is(err, fs.ErrNotExist) {
		return Diagnostics{{File: rel(vendorDir), Message: "this copy of ctgit's schema has no " + schema.MarkerFile +
			", so ctgit cannot tell which schema it is, nor whether cue vet and editors check what ctgit vet checks: " + fix}}
	}
	if err != nil {
		return Diagnostics{{File: rel(markerPath), Message: err.Error()}}
	}
	v := cuecontext.New().CompileBytes(src, cue.Filename(markerPath))
	got := v.LookupPath(cue.MakePath(cue.Def("vendored"), cue.Str("schema")))
	vendored, err := got.String()
	if err != nil {
		return Diagnostics{{File: rel(markerPath), Message: "cannot read #vendored.schema, the digest of the vendored schema: " + fix}}
	}
	if vendored == schema.Digest() {
		return nil
	}
	from, _ := v.LookupPath(cue.MakePath(cue.Def("vendored"), cue.Str("ctgit"))).String()
	if from == "" {
		from = "an unknown ctgit"
	} else {
		from = "ctgit " + from
	}
	pos := got.Pos()
	return Diagnostics{{File: rel(markerPath), Line: pos.Line(), Column: pos.Column(),
		Message: "the vendored schema is " + from + "'s (" + digest.Short(vendored) + "), not this ctgit's (" + version.String() + ", " +
			digest.Short(schema.Digest()) + "): cue vet and editors check the pipelines against the vendored one, ctgit vet against both; " + fix}}
}

// valuePos is where the user declares v. A value that a vendored schema
// also constrains (a pipeline under `pipelines: schema.pipelines`) has the
// schema's position first; its conjuncts then tell the user's apart.
func (p positioner) valuePos(v cue.Value) Pos {
	tp := v.Pos()
	if tp.IsValid() && isSchemaFile(tp.Filename()) {
		if op, parts := v.Expr(); op == cue.AndOp {
			for _, part := range parts {
				if pp := part.Pos(); pp.IsValid() && !isSchemaFile(pp.Filename()) {
					return p.pos(pp)
				}
			}
		}
	}
	return p.pos(tp)
}
