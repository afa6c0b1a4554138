package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/fault"
)

// Main runs ctgit with os.Args and returns the process exit code. Errors are
// printed here, once.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, os.Args[1:], os.Stdout, os.Stderr, osEnvironment())
}

// environment is how commands read the process environment. Main reads it
// once and passes it down, so that nothing reads os.Getenv behind a
// command's back and tests give each run its own.
type environment struct {
	getenv  func(string) string
	environ []string
}

func osEnvironment() environment {
	return environment{getenv: os.Getenv, environ: os.Environ()}
}

// get returns a variable's value, "" when unset.
func (e environment) get(name string) string {
	if e.getenv == nil {
		return ""
	}
	return e.getenv(name)
}

// inCI reports whether ctgit runs in CI: CI=true (set by GitHub Actions,
// GitLab, CircleCI and most others) or GITHUB_ACTIONS=true.
func (e environment) inCI() bool { return e.get("CI") == "true" || e.inActions() }

// inActions reports whether ctgit runs as a GitHub Actions step.
func (e environment) inActions() bool { return e.get("GITHUB_ACTIONS") == "true" }

// run is Main without process globals, for tests.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, env environment) int {
	root := newRootCmd(env)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	// The one place an error becomes an exit code: by the code it carries
	// (a *flagError carries exitInput), never by its text.
	code := exitCode(err)
	if !errors.Is(err, errSilent) {
		fmt.Fprintf(stderr, "ctgit: %v\n", err)
	}
	return code
}

// errSilent marks an error whose details a command already printed; Main
// only turns it into an exit code.
var errSilent = errors.New("(details printed above)")

// withCode returns silent carrying the exit code of the error it stands for.
func withCode(code error, silent error) error {
	return fault.As(fault.KindOf(code), silent)
}

func newRootCmd(env environment) *cobra.Command {
	root := &cobra.Command{
		Use:   "ctgit",
		Short: "Continuous training with Git as the control plane",
		Long: `ctgit loads ML pipelines written in CUE, plans them as a graph of steps
(validate → drift → train → evaluate → promote), runs that graph, and opens a
pull request that bumps the model's version when a candidate passes its gates.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       versionText(),
	}
	root.SetVersionTemplate("{{.Version}}")
	groupCommand(root)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &flagError{err} })
	root.PersistentFlags().StringVar(&repoRoot, flagRoot, "", "repository root (default: the Git work tree holding the current directory)")
	for _, add := range subcommands {
		root.AddCommand(add(env))
	}
	addCompletions(root)
	addExamples(root)
	return root
}

// repoRoot is the --root flag, shared by every command that works in a
// repository. It is reset for each run by newRootCmd's flag definition.
var repoRoot string

// subcommands are ctgit's commands, one file each: the one list of what
// the CLI offers.
var subcommands = []func(environment) *cobra.Command{
	newVetCmd,
	newPlanCmd,
	newRunCmd,
	newDriftCmd,
	newPromoteCmd,
	newRollbackCmd,
	newStatusCmd,
	newReportCmd,
	newCacheCmd,
	newMonitorCmd,
	newWatchCmd,
	newInitCmd,
	newSchemaCmd,
	newFmtCmd,
	newVersionCmd,
}

// groupCommand makes cmd, which only holds subcommands, print its help when
// called alone and refuse an unknown subcommand as bad usage (exit 2).
// Left to cobra, the root returns an error with no exit code (exit 3) and a
// group below it prints its help and exits 0.
func groupCommand(cmd *cobra.Command) *cobra.Command {
	cmd.Args = cobra.ArbitraryArgs
	cmd.SuggestionsMinimumDistance = 2 // cobra's own default, set where it suggests
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t") + "\n"
		}
		return &flagError{fmt.Errorf("%s\nRun '%s --help' for usage", msg, cmd.CommandPath())}
	}
	return cmd
}

// usageArgs wraps a cobra positional-args validator so its errors are usage
// errors (exit 2).
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return &flagError{err}
		}
		return nil
	}
}
