package main

import (
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/report"
	"github.com/ctgit/ctgit/internal/version"
)

func newVersionCmd(env environment) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print ctgit's version",
		Long: `version prints ctgit's version and the Go release that built it
(` + "`ctgit --version`" + ` prints the same). With --format json it also says whether
this is a release build (the version ` + "`ctgit init`" + ` pins workflows to), the
platform, and the source commit when the build recorded one.`,
		Example: `  ctgit version
  ctgit version --format json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, report.FormatText, report.FormatJSON); err != nil {
				return err
			}
			return report.Version(cmd.OutOrStdout(), versionInfo(), format)
		},
	}
	addFormatFlag(cmd, &format, report.FormatText, report.FormatJSON)
	return cmd
}

// versionInfo is which ctgit is running, from the version stamped at
// release and what the Go toolchain recorded in the binary.
func versionInfo() *report.VersionInfo {
	v := &report.VersionInfo{
		APIVersion: version.APIVersion, Kind: report.VersionKind,
		Version: version.String(), Release: version.Release(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH,
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v.Go = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	return v
}

// versionText is what `ctgit version` and `ctgit --version` print.
func versionText() string { return report.VersionText(versionInfo()) }
