package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ctgit/ctgit/internal/fault"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/telemetry"
)

// Flags that deliver a run's metrics, shared by ctgit run and ctgit report.
const (
	flagPushgateway = "pushgateway"
	flagMetricsFile = "metrics-file"
)

// metricsFlags are the values of --pushgateway and --metrics-file.
type metricsFlags struct {
	pushgateway string
	file        string
}

// addMetricsFlags defines --pushgateway and --metrics-file on f, for what
// ("the run's metrics").
func addMetricsFlags(f *pflag.FlagSet, m *metricsFlags, what string) {
	f.StringVar(&m.pushgateway, flagPushgateway, "", "push "+what+" to this Prometheus Pushgateway (http://host:9091), grouped by pipeline")
	f.StringVar(&m.file, flagMetricsFile, "", "write "+what+" to this file for the node exporter's textfile collector (name it *.prom)")
}

// check rejects a --pushgateway value that is not an http(s) URL and a
// --metrics-file that cannot be created where it is named, before any work
// is done.
func (m metricsFlags) check() error {
	if err := checkPushgatewayURL(m.pushgateway); err != nil {
		return err
	}
	return checkOutputFlag(flagMetricsFile, m.file)
}

func checkPushgatewayURL(u string) error {
	return checkHTTPURL(flagPushgateway, u, "http://localhost:9091")
}

// publishMetrics delivers a run's metrics where the flags ask: pushed to a
// Pushgateway (with Add, grouped by pipeline) and/or written atomically as a
// textfile. Either may be "". A failed delivery is an infrastructure error
// (exit 3); the file is tried even when the push fails.
func publishMetrics(cmd *cobra.Command, run *record.Run, pushgatewayURL, metricsFile string) error {
	if err := checkPushgatewayURL(pushgatewayURL); err != nil {
		return err
	}
	var pushErr error
	if pushgatewayURL != "" {
		if pushErr = telemetry.Push(cmd.Context(), pushgatewayURL, run, nil); pushErr == nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "metrics of %s pushed to %s\n", run.Pipeline, pushgatewayURL)
		}
	}
	if metricsFile != "" {
		if err := telemetry.WriteTextfile(metricsFile, run); err != nil {
			return fault.Infra(err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "metrics of %s written to %s\n", run.Pipeline, metricsFile)
	}
	return fault.Infra(pushErr)
}

// publishProduction delivers the production loop's metrics (SLIs read,
// canary analyses, rollbacks) as publishMetrics does a run's.
func publishProduction(cmd *cobra.Command, m metricsFlags, obs []telemetry.SLIObservation, canaries []telemetry.CanaryResult, rollbacks []telemetry.Rollback) error {
	if m.pushgateway == "" && m.file == "" {
		return nil
	}
	var pushErr error
	if m.pushgateway != "" {
		if pushErr = telemetry.PushProduction(cmd.Context(), m.pushgateway, obs, canaries, rollbacks, nil); pushErr == nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "production metrics pushed to %s\n", m.pushgateway)
		}
	}
	if m.file != "" {
		if err := telemetry.WriteProductionTextfile(m.file, obs, canaries, rollbacks); err != nil {
			return fault.Infra(err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "production metrics written to %s\n", m.file)
	}
	return fault.Infra(pushErr)
}
