package promtest

import (
	"testing"
	"time"
)

var canary = map[string]string{"model": "fraud", "version": "1.2.0", "channel": "canary"}

func TestScrapesTheExporter(t *testing.T) {
	exp := NewExporter(t)
	exp.Set("model_accuracy", canary, 0.93)
	srv := New(t, exp, Options{})
	srv.WaitFor(t, `model_accuracy{model="fraud",channel="canary"} == 0.93`)
	exp.Set("model_accuracy", canary, 0.5)
	srv.WaitFor(t, `model_accuracy{model="fraud",channel="canary"} == 0.5`)
	exp.Delete("model_accuracy", canary)
	srv.WaitGone(t, `model_accuracy{model="fraud"}`)
}

func TestHistory(t *testing.T) {
	var h History
	start := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
	h.Series("model_accuracy", canary, start, time.Minute, 0.9, 0.9, 0.8, 0.8, 0.8)
	srv := New(t, nil, Options{History: h.String()})
	// The last sample is 6 minutes old, past the 5 minute lookback: only a
	// range selector reaches it.
	srv.WaitFor(t, `max_over_time(model_accuracy{model="fraud"}[11m]) == 0.9`)
	srv.WaitGone(t, `model_accuracy{model="fraud"}`)
}
