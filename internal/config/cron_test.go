package config

import (
	"testing"
	"time"
)

func TestSchedule(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	s, err := CompileSchedule("0 6 * * mon")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Matches(at("2026-11-23T06:00:00Z")) || s.Matches(at("2026-11-24T06:00:00Z")) {
		t.Error("0 6 * * mon matches the wrong days")
	}
	if got := s.Prev(at("2026-11-26T10:00:00Z")); !got.Equal(at("2026-11-23T06:00:00Z")) {
		t.Errorf("Prev = %v", got)
	}
	// Both day fields restricted: either matches (cron's rule).
	s, _ = CompileSchedule("0 0 1 * 5")
	if !s.Matches(at("2026-11-27T00:00:00Z")) || !s.Matches(at("2026-12-01T00:00:00Z")) {
		t.Error("day-of-month OR day-of-week")
	}
	s, _ = CompileSchedule("*/15 9-17 * * 1-5")
	if !s.Matches(at("2026-11-26T09:45:00Z")) || s.Matches(at("2026-11-26T09:50:00Z")) {
		t.Error("steps and ranges")
	}
	for _, bad := range []string{"* * * *", "60 * * * *", "* * * * 8", "5-1 * * * *", "*/0 * * * *", "@often"} {
		if err := ParseSchedule(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if err := ParseSchedule("@daily"); err != nil {
		t.Error(err)
	}
}

func TestParseDuration(t *testing.T) {
	good := map[string]time.Duration{"90m": 90 * time.Minute, "7d": 7 * 24 * time.Hour, "1d12h": 36 * time.Hour, "2h": 2 * time.Hour}
	for in, want := range good {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("%s = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "0s", "d", "1x", "h1d", "-1h"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
