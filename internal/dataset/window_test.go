package dataset

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// partitioned is a snapshot of one part per value of column.
func partitioned(column string, values ...string) *Snapshot {
	s := &Snapshot{Source: "s3://lake/t/"}
	for _, v := range values {
		key := column + "=" + v + "/part-0.csv"
		s.Objects = append(s.Objects, Object{Key: key, URL: "s3://lake/t/" + key, Partition: partitionsOf(key)})
	}
	return s
}

func values(s *Snapshot) []string {
	var vs []string
	for _, o := range s.Objects {
		vs = append(vs, o.Partition[0].Value)
	}
	return vs
}

func TestWindow(t *testing.T) {
	days := []string{"2026-11-30", "2026-11-26", "2026-11-28", "2026-11-27", "2026-11-29"}
	hours := []string{"2026-11-30T10", "2026-11-30T11", "2026-11-30T12", "2026-11-30T13"}
	for _, tc := range []struct {
		name   string
		window Window
		in     []string
		want   []string
		says   string
	}{
		{"last 3", Window{Last: 3, Text: "last 3"}, days, []string{"2026-11-30", "2026-11-28", "2026-11-29"}, "dt: last 3, 2026-11-28 … 2026-11-30 (3 partitions)"},
		{"last 1", Window{Last: 1, Text: "last 1"}, days, []string{"2026-11-30"}, "dt: last 1, 2026-11-30"},
		{"last 10 keeps all", Window{Last: 10, Text: "last 10"}, days, []string{"2026-11-30", "2026-11-26", "2026-11-28", "2026-11-27", "2026-11-29"}, "(5 partitions)"},
		{"last 2 skip 1", Window{Last: 2, Skip: 1, Text: "last 2 skip 1"}, days, []string{"2026-11-28", "2026-11-29"}, ""},
		{"skip all", Window{Last: 2, Skip: 5, Text: "last 2 skip 5"}, days, nil, "no partition inside it"},
		{"last 48h", Window{LastFor: 48 * time.Hour, Text: "last 48h"}, days, []string{"2026-11-30", "2026-11-29"}, ""},
		{"last 48h skip 48h", Window{LastFor: 48 * time.Hour, SkipFor: 48 * time.Hour, Text: "last 48h skip 48h"}, days, []string{"2026-11-28", "2026-11-27"}, ""},
		{"last 48h skip 1", Window{LastFor: 48 * time.Hour, Skip: 1, Text: "last 48h skip 1"}, days, []string{"2026-11-28", "2026-11-29"}, ""},
		{"hours", Window{LastFor: 2 * time.Hour, Text: "last 2h"}, hours, []string{"2026-11-30T12", "2026-11-30T13"}, ""},
		// A count window orders whole numbers as numbers: hour=9 is before hour=10.
		{"numeric", Window{Last: 2, Text: "last 2"}, []string{"8", "9", "10"}, []string{"9", "10"}, "9 … 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := partitioned("dt", tc.in...)
			w := tc.window
			w.Column = "dt"
			if err := w.apply(s); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, values(s)); diff != "" {
				t.Errorf("kept (-want +got):\n%s", diff)
			}
			if !strings.Contains(s.Window, tc.says) {
				t.Errorf("Window = %q, want it to say %q", s.Window, tc.says)
			}
		})
	}
}

func TestWindowErrors(t *testing.T) {
	noColumn := partitioned("dt", "2026-11-30")
	noColumn.Objects = append(noColumn.Objects, Object{Key: "loose.csv", URL: "s3://lake/t/loose.csv"})
	for _, tc := range []struct {
		name string
		s    *Snapshot
		w    Window
		says string
	}{
		{"missing column", noColumn, Window{Column: "dt", Last: 1, Text: "last 1"}, "s3://lake/t/loose.csv has no dt=… directory"},
		{"other column", partitioned("region", "eu"), Window{Column: "dt", Last: 1, Text: "last 1"}, "has no dt=… directory"},
		{"not a date", partitioned("dt", "2026-11-30", "latest"), Window{Column: "dt", LastFor: 24 * time.Hour, Text: "last 1d"}, `"latest" is not a date`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.w.apply(tc.s)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("apply = %v, want an error saying %q", err, tc.says)
			}
		})
	}
}
