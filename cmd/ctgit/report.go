package main

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/report"
)

// flagHistory names the directory of earlier run records.
const flagHistory = "history"

func newReportCmd(env environment) *cobra.Command {
	var (
		format, historyDir string
		metrics            metricsFlags
	)
	cmd := &cobra.Command{
		Use:   "report RUN.json",
		Short: "Render a stored run record, and deliver its metrics",
		Long: `report renders a run record (the JSON document ctgit run writes under
.ctgit/runs/ and to the artifact store) as text, as the record itself (json),
or as markdown: the pull request body, with gates, drift charts and
provenance. --history names a directory of earlier records (searched
recursively); the markdown view charts the gated metric over the earlier
promotions of the same pipeline. In GitHub Actions (GITHUB_ACTIONS=true) the
body links to the workflow run.

--pushgateway and --metrics-file deliver the record's metrics, as ctgit run
does, so metrics of a stored run can be published again.

Exit status: 0 on success; 2 for an unreadable record or bad flags; 3 when
metrics could not be delivered.`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, report.FormatText, report.FormatJSON, report.FormatMarkdown); err != nil {
				return err
			}
			if err := metrics.check(); err != nil {
				return err
			}
			if historyDir != "" {
				if err := checkDirFlag(flagHistory, historyDir); err != nil {
					return err
				}
			}
			run, err := record.Read(args[0])
			if err != nil {
				return fault.Input(fmt.Errorf("reading run record: %w", err))
			}
			var history []*record.Run
			if historyDir != "" {
				if history, err = readHistory(historyDir); err != nil {
					return fault.Input(err)
				}
			}
			var links report.Links
			if env.inActions() {
				links = report.LinksFromEnv(env.get)
			}
			if err := report.Run(cmd.OutOrStdout(), run, format, history, links); err != nil {
				return err
			}
			return publishMetrics(cmd, run, metrics.pushgateway, metrics.file)
		},
	}
	f := cmd.Flags()
	addFormatFlag(cmd, &format, report.FormatText, report.FormatJSON, report.FormatMarkdown)
	f.StringVar(&historyDir, flagHistory, "", "directory of earlier run records, for the metric chart")
	addMetricsFlags(f, &metrics, "the run's metrics")
	return cmd
}

// readHistory reads every *.json file under dir as a run record.
func readHistory(dir string) ([]*record.Run, error) {
	var runs []*record.Run
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading run history: %w", err)
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".json") {
			return nil
		}
		r, err := record.Read(path)
		if err != nil {
			return fmt.Errorf("reading run history: %w", err)
		}
		runs = append(runs, r)
		return nil
	})
	return runs, err
}
