package config

import (
	"errors"
	"strings"
	"testing"
)

// TestSLIErrors: every misuse of an SLI is an error at the line of the
// field that makes it, before anything is read from Prometheus.
func TestSLIErrors(t *testing.T) {
	const train = `	train: {image: "i", command: ["x"]}
`
	const prom = `	slis: auc: {query: "avg(auc{model=\"{{model}}\"})", min: 0.8}
`
	for _, tc := range []struct {
		name, body, want string
	}{
		{"unknown variable", train + `	slis: auc: {
		query: "avg(auc{model=\"{{modle}}\"})", min: 0.8} // here`, `unknown variable {{modle}} in the query`},
		{"no bound", train + `	slis: auc: { // here
		query: "avg(auc)"}`, `an SLI needs a bound`},
		{"unknown SLI", train + prom + `	watch: slis: [
		"acu"] // here`, `unknown SLI "acu"; slis here: auc`},
		{"compare where one version is judged", train + `	slis: d: {query: "avg(auc{version=\"{{version}}\"})", compare: minDelta: -0.1}
	trigger: onSLIBreach: [
		"d"] // here`, `SLI d compares a canary with the stable version, but trigger.onSLIBreach judges one version`},
		{"no prometheus", train + prom + `	watch: slis: ["auc"] // here`, `settings.prometheus names no server`},
		{"unknown watch channel", train + prom + `	watch: {slis: ["auc"],
		channel: "prod"} // here`, `unknown channel "prod"; the pipeline has no promote.channels`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := graphRepo(t, tc.body)
			if tc.name != "no prometheus" {
				gittestWrite(t, root, "pipelines/settings.cue", "package pipelines\n\nsettings: prometheus: url: \"http://127.0.0.1:9090\"\n")
			}
			_, err := Load(root, "pipelines")
			var ds Diagnostics
			if !errors.As(err, &ds) {
				t.Fatalf("Load: %v, want diagnostics", err)
			}
			line := 0
			for i, l := range strings.Split(graphHead+tc.body, "\n") {
				if strings.HasSuffix(l, "// here") {
					line = i + 1
				}
			}
			for _, d := range ds {
				if strings.Contains(d.Message, tc.want) {
					if tc.name == "no prometheus" {
						return // located at the pipeline
					}
					if d.File != "pipelines/p.cue" || d.Line != line {
						t.Errorf("%q at %s, want pipelines/p.cue:%d", tc.want, d.Position(), line)
					}
					return
				}
			}
			t.Errorf("diagnostics %v\nwant one containing %q", ds, tc.want)
		})
	}
}
