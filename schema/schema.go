// Package schema embeds ctgit's CUE schema for pipelines (pipeline.cue), the
// one copy from which the Go types in internal/config are decoded.
package schema

import _ "embed"

// Source is the CUE schema, as `ctgit schema` prints it.
//
//go:embed pipeline.cue
var Source string

// Filename is the name under which Source is compiled, so that positions in
// schema-side errors read as schema/pipeline.cue:LINE:COL.
const Filename = "schema/pipeline.cue"
