package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/scaffold"
	"github.com/ctgit/ctgit/internal/version"
)

// flagForce is ctgit init's permission to overwrite.
const flagForce = "force"

// flagCUEModule makes ctgit init set the repository up as a CUE module
// whose pipelines import ctgit's schema.
const flagCUEModule = "cue-module"

func newInitCmd(env environment) *cobra.Command {
	var force, cueModule bool
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
nothing; --force overwrites them.`,
		Args: usageArgs(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
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
			write := scaffold.Write
			if cueModule {
				write = func(dir string, force bool) ([]string, error) {
					return scaffold.WriteModule(dir, force, version.String())
				}
			}
			written, err := write(dir, force)
			if err != nil {
				// Files in the way, or a directory ctgit cannot write to:
				// the user's to fix.
				return fault.Input(fmt.Errorf("init %s: %w", dir, err))
			}
			out := cmd.OutOrStdout()
			for _, p := range written {
				fmt.Fprintf(out, "wrote %s\n", filepath.ToSlash(filepath.Join(dir, p)))
			}
			fmt.Fprintf(out, "\nNext, in %s: git init (if it is not a repository yet), ctgit vet, ctgit plan, ctgit run.\n", dir)
			fmt.Fprintf(out, "Push it to GitHub and %s takes over; read the token note at its top.\n", scaffold.WorkflowPath)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, flagForce, false, "overwrite files that exist")
	cmd.Flags().BoolVar(&cueModule, flagCUEModule, false, "make the repository a CUE module whose pipelines import ctgit's schema, for cue vet and editors")
	return cmd
}
