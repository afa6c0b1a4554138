package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/fsutil"
	"github.com/ctgit/ctgit/internal/version"
	"github.com/ctgit/ctgit/schema"
)

// flagModule makes ctgit schema vendor the schema module into a directory
// instead of printing it.
const flagModule = "module"

func newSchemaCmd(env environment) *cobra.Command {
	var module string
	cmd := &cobra.Command{
		Use:   "schema [--module DIR]",
		Short: "Print ctgit's CUE schema, or vendor it as a CUE module",
		Long: `schema prints the CUE schema that ctgit unifies pipelines with.

The schema is also the CUE module ` + schema.ImportPath + `, versioned with
ctgit. --module DIR vendors this ctgit's copy into the CUE module rooted at DIR
(usually the repository): ` + schema.VendorDir + `/, where cue
finds the import without a registry, plus cue.mod/module.cue when DIR has none
(module ` + schema.UserModulePath + `, language ` + schema.LanguageVersion() + `). A pipelines package
that imports the schema and takes its two top-level fields from it,

  import "` + schema.ImportPath + `"

  pipelines: schema.pipelines
  settings?: schema.#Settings

then gets the checks ctgit vet makes from the schema in cue vet ./pipelines/...
and in editors (the CUE language server). ctgit itself needs no import. Run it
again after upgrading ctgit: ctgit vet warns when the vendored schema is not
the one it runs.`,
		Example: `  ctgit schema > schema.cue     # read it, or keep it beside your pipelines
  ctgit schema --module .        # vendor it; then: cue vet ./pipelines/...`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if module == "" {
				_, err := io.WriteString(cmd.OutOrStdout(), schema.Source)
				return err
			}
			removed, written, err := vendorSchema(module)
			for _, p := range removed {
				fmt.Fprintf(cmd.OutOrStdout(), "removed %s\n", filepath.ToSlash(filepath.Join(module, p)))
			}
			for _, p := range written {
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", filepath.ToSlash(filepath.Join(module, p)))
			}
			return err
		},
	}
	cmd.Flags().StringVar(&module, flagModule, "", "vendor the schema module into the CUE module rooted at `DIR` instead of printing it")
	return cmd
}

// vendorSchema writes this ctgit's copy of the schema module under dir's
// cue.mod/pkg, replacing any other .cue file there (an older ctgit's), and
// dir's cue.mod/module.cue when it has none. It returns the paths removed
// and written, relative to dir.
func vendorSchema(dir string) (removed, written []string, err error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, nil, fault.Input(fmt.Errorf("--%s %s: not a directory", flagModule, dir))
	}
	modFile := filepath.Join(dir, "cue.mod", "module.cue")
	if _, err := os.Stat(modFile); errors.Is(err, fs.ErrNotExist) {
		if err := fsutil.WriteFileAtomic(modFile, []byte(schema.UserModuleFile()), 0o644); err != nil {
			return removed, written, fault.Infra(err)
		}
		written = append(written, "cue.mod/module.cue")
	} else if err != nil {
		return removed, written, fault.Infra(err)
	}
	files := schema.Vendored(version.String())
	vendorDir := filepath.Join(dir, filepath.FromSlash(schema.VendorDir))
	var keep []string
	for _, f := range files {
		keep = append(keep, filepath.Join(dir, filepath.FromSlash(f.Path)))
	}
	stale, _ := filepath.Glob(filepath.Join(vendorDir, "*.cue"))
	for _, p := range stale {
		if !slices.Contains(keep, p) {
			if err := os.Remove(p); err != nil {
				return removed, written, fault.Infra(err)
			}
			if rel, err := filepath.Rel(dir, p); err == nil {
				removed = append(removed, rel)
			}
		}
	}
	for _, f := range files {
		if err := fsutil.WriteFileAtomic(filepath.Join(dir, filepath.FromSlash(f.Path)), f.Data, 0o644); err != nil {
			return removed, written, fault.Infra(err)
		}
		written = append(written, f.Path)
	}
	return removed, written, nil
}

// vendoredSchema is config.VendoredSchema for the pipelines directory that
// vet loads (dir, or the repository's pipelines/ when ""). Without a
// repository root there is nothing to compare; loading says why.
func vendoredSchema(dir string) config.Diagnostics {
	root, err := findRoot(dir)
	if err != nil {
		return nil
	}
	if dir == "" {
		dir = filepath.Join(root, "pipelines")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	return config.VendoredSchema(root, abs)
}
