package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLoadDecodesDurations: Load decodes every duration once, so the steps
// that enforce them never parse a string again.
func TestLoadDecodesDurations(t *testing.T) {
	cfg, err := Load(filepath.Join("..", "..", "examples", "quickstart"), "pipelines")
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Pipeline("fraud")
	if p == nil || p.Train == nil || p.Trigger.MaxRetrains == nil {
		t.Fatal("quickstart's fraud pipeline has no train step or maxRetrains")
	}
	if got := p.Train.TimeoutDuration; got != 10*time.Minute {
		t.Errorf("train.timeout %q decoded as %v", p.Train.Timeout, got)
	}
	if got := p.Trigger.MaxRetrains.WindowDuration; got != 7*24*time.Hour {
		t.Errorf("trigger.maxRetrains.window %q decoded as %v", p.Trigger.MaxRetrains.Window, got)
	}
}

// TestLoadReferenceForms: a reference {from, window} is a dataset, not
// {deployed: true}, though it unifies with both forms of the schema;
// {deployed: true} is the deployed model's training data.
func TestLoadReferenceForms(t *testing.T) {
	for _, tc := range []struct {
		reference    string
		deployed     bool
		from, window string
	}{
		{`"https://example.com/ref.csv"`, false, "https://example.com/ref.csv", ""},
		{`{from: "s3://lake/fraud/", window: {partition: "dt", last: "7d", skip: "7d"}}`, false, "s3://lake/fraud/", "dt"},
		{`{deployed: true}`, true, "", ""},
		{`{deployed: true, from: "s3://lake/fraud/", window: {partition: "dt", last: 3}}`, true, "s3://lake/fraud/", "dt"},
	} {
		dir := t.TempDir()
		write := func(name, text string) {
			if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write("deploy/model.cue", "package deploy\n\nmodel: version: \"0.0.0\"\n")
		write("pipelines/p.cue", `package pipelines

pipelines: p: {
	model: {name: "m", target: {file: "deploy/model.cue", path: "model.version"}}
	data: {reference: `+tc.reference+`, current: "s3://lake/fraud/"}
	promote: {}
}
`)
		cfg, err := Load(dir, "pipelines")
		if err != nil {
			t.Errorf("reference: %s: %v", tc.reference, err)
			continue
		}
		d := cfg.Pipeline("p").Data
		window := ""
		if d.ReferenceWindow != nil {
			window = d.ReferenceWindow.Partition
		}
		if d.ReferenceDeployed != tc.deployed || d.Reference != tc.from || window != tc.window {
			t.Errorf("reference: %s: decoded as deployed=%v from=%q window=%q", tc.reference, d.ReferenceDeployed, d.Reference, window)
		}
	}
}
