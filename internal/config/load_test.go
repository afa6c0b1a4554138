package config

import (
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
