package scaffold

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/ctgit/ctgit/schema"
)

// exampleImport is what ModuleFiles adds to the example pipeline after its
// package clause: the schema's two top-level fields, from the imported
// module, so that cue vet and editors check the package as ctgit does.
// (Embedding the whole package instead would lose #Pipeline's closedness in
// cue vet: a misspelt field would pass.)
var exampleImport = fmt.Sprintf(`
import %q

// ctgit's schema, from its CUE module: cue vet ./pipelines/... and editors
// check these pipelines as ctgit vet does. After upgrading ctgit, run
// ctgit schema --module . to refresh the copy in cue.mod/pkg.
pipelines: schema.pipelines
settings?: schema.#Settings
`, schema.ImportPath)

// ModuleFiles returns the starter repository set up as a CUE module whose
// pipelines import ctgit's schema: Files, with the example pipeline
// importing it, plus cue.mod/module.cue and the schema vendored into
// cue.mod/pkg by ctgit release ctgitVersion.
func ModuleFiles(ctgitVersion string) []File {
	var out []File
	for _, f := range Files() {
		if f.Path == examplePipeline {
			pkg := []byte("package pipelines\n")
			if !bytes.HasPrefix(f.Data, pkg) {
				// The example is compiled in and tested: a build bug.
				panic("scaffold: the example pipeline does not start with its package clause")
			}
			f.Data = append(append(append([]byte{}, pkg...), exampleImport...), f.Data[len(pkg):]...)
		}
		out = append(out, f)
	}
	out = append(out, File{Path: "cue.mod/module.cue", Data: []byte(schema.UserModuleFile()), Mode: 0o644})
	for _, f := range schema.Vendored(ctgitVersion) {
		out = append(out, File{Path: f.Path, Data: f.Data, Mode: 0o644})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// examplePipeline is the starter repository's pipeline file.
const examplePipeline = "pipelines/example.cue"

// WriteModule is Write for ModuleFiles(ctgitVersion).
func WriteModule(dir string, force bool, ctgitVersion string, pin Pin) ([]string, error) {
	return writeFiles(dir, force, pin.files(ModuleFiles(ctgitVersion)))
}
