package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/report"
	"github.com/ctgit/ctgit/internal/scaffold"
	"github.com/ctgit/ctgit/internal/version"
)

// flagForce is ctgit init's permission to overwrite.
const flagForce = "force"

// flagCUEModule makes ctgit init set the repository up as a CUE module
// whose pipelines import ctgit's schema.
const flagCUEModule = "cue-module"

func newInitCmd(env environment) *cobra.Command {
	var (
		force, cueModule bool
		format           string
	)
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Scaffold a repository: an example pipeline, its data, and the GitHub Actions workflow",
		Long: `init writes a starter repository into DIR (default: --root, else the current
directory):

  pipelines/example.cue          a commented example pipeline
  data/, train/, deploy/         its small data, stdlib-Python trainer and YAML target
  .github/workflows/ctgit.yml    vet + plan comment on pull requests, run on push,
                                 schedule and manual dispatch
  .gitignore                     ctgit's local state (.ctgit/)

The example vets, plans and runs as written; make it yours from there.
With --cue-module the repository is also a CUE module whose example pipeline
imports ctgit's schema (vendored into cue.mod/pkg, see ctgit schema), so that
cue vet ./pipelines/... and editors check it as ctgit vet does.
init refuses to overwrite a file that exists, naming it, and then writes
nothing; --force overwrites them.

The workflow is pinned to this ctgit's release: uses: ctgit/ctgit@vX.Y.Z
and CTGIT_VERSION: vX.Y.Z. A development build has no release to pin: its
workflow uses ctgit/ctgit@main with the latest release, and init says so.`,
		Example: `  ctgit init                 # into the current directory
  ctgit init my-models       # into my-models/
  ctgit init --force         # overwrite the starter files that exist
  ctgit init --cue-module    # pipelines import ctgit's schema as a CUE module
  ctgit init --format json   # what was written, and the pinned version`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, report.FormatText, report.FormatJSON); err != nil {
				return err
			}
			dir := repoRoot
			if len(args) == 1 {
				if repoRoot != "" {
					return usagef("--%s %s and DIR %s: name the directory once", flagRoot, repoRoot, args[0])
				}
				dir = args[0]
			}
			if dir == "" {
				dir = "."
			}
			if st, err := os.Stat(dir); err == nil && !st.IsDir() {
				return fault.Input(fmt.Errorf("%s is not a directory", dir))
			}
			pin := scaffold.PinTo(version.Release())
			write := scaffold.Write
			if cueModule {
				write = func(dir string, force bool, pin scaffold.Pin) ([]string, error) {
					return scaffold.WriteModule(dir, force, version.String(), pin)
				}
			}
			written, err := write(dir, force, pin)
			if err != nil {
				// Files in the way, or a directory ctgit cannot write to:
				// the user's to fix.
				return fault.Input(fmt.Errorf("init %s: %w", dir, err))
			}
			return report.Init(cmd.OutOrStdout(), &report.InitResult{
				APIVersion: version.APIVersion, Kind: report.InitResultKind,
				Dir: filepath.ToSlash(dir), Files: written,
				Workflow: report.InitWorkflow{
					Path: scaffold.WorkflowPath, Action: pin.Action, Version: pin.Version, Pinned: pin.Pinned, Note: pin.Note,
				},
			}, format)
		},
	}
	cmd.Flags().BoolVar(&force, flagForce, false, "overwrite files that exist")
	cmd.Flags().BoolVar(&cueModule, flagCUEModule, false, "make the repository a CUE module whose pipelines import ctgit's schema, for cue vet and editors")
	addFormatFlag(cmd, &format, report.FormatText, report.FormatJSON)
	return cmd
}
