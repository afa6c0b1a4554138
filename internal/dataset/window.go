package dataset

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Window keeps the newest partitions of a partitioned dataset. It counts
// back from the newest value of Column present, not from the clock, so
// the same objects give the same window on any day: "last 7 days" is the
// 7 days that end with the newest partition.
type Window struct {
	// Column is the hive partition column ("dt").
	Column string
	// Last keeps the Last newest partition values (by value order) when
	// LastFor is zero; LastFor keeps the values within that time of the
	// newest (the values are dates or times).
	Last    int
	LastFor time.Duration
	// Skip and SkipFor leave out the newest partitions first, in the same
	// way: a reference window "the 7 days before the current one" is
	// Last 7d, Skip 7d.
	Skip    int
	SkipFor time.Duration
	// Text is the window as written, for messages.
	Text string
}

// timeLayouts are the partition values a time window reads, as Hive,
// Spark and most writers spell dates and hours.
var timeLayouts = []string{"2006-01-02", "2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05", "2006-01-02-15", "2006-01-02T15", "20060102", "2006-01", "2006"}

func parseTime(v string) (time.Time, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// apply keeps the objects of s inside the window and says which in
// s.Window. It is an error for the column to be missing from an object,
// or for a time window to meet a value that is not a date.
func (w *Window) apply(s *Snapshot) error {
	values := map[string]bool{}
	valueOf := make([]string, len(s.Objects))
	for i, o := range s.Objects {
		found := false
		for _, p := range o.Partition {
			if p.Column == w.Column {
				valueOf[i], found = p.Value, true
			}
		}
		if !found {
			return fmt.Errorf("window on partition column %q: object %s has no %s=… directory in its path", w.Column, o.URL, w.Column)
		}
		values[valueOf[i]] = true
	}
	sorted := make([]string, 0, len(values))
	for v := range values {
		sorted = append(sorted, v)
	}
	keep := map[string]bool{}
	if w.LastFor > 0 || w.SkipFor > 0 {
		times := map[string]time.Time{}
		for _, v := range sorted {
			t, ok := parseTime(v)
			if !ok {
				return fmt.Errorf("window %s on %q: partition value %q is not a date or time (write it as 2026-11-29, 2026-11-29T13 or RFC 3339), so it cannot be counted in days", w.Text, w.Column, v)
			}
			times[v] = t
		}
		sort.Slice(sorted, func(i, j int) bool { return times[sorted[i]].Before(times[sorted[j]]) })
		if len(sorted) > 0 {
			end := times[sorted[len(sorted)-1]]
			switch {
			case w.SkipFor > 0:
				end = end.Add(-w.SkipFor)
			case w.Skip >= len(sorted):
				end = time.Time{}.Add(-1)
			case w.Skip > 0:
				end = times[sorted[len(sorted)-1-w.Skip]]
			}
			var inside []string
			for _, v := range sorted {
				t := times[v]
				if t.After(end) || w.LastFor > 0 && !t.After(end.Add(-w.LastFor)) {
					continue
				}
				inside = append(inside, v)
			}
			if w.LastFor == 0 && len(inside) > w.Last {
				inside = inside[len(inside)-w.Last:]
			}
			for _, v := range inside {
				keep[v] = true
			}
		}
	} else {
		sortValues(sorted)
		if w.Skip >= len(sorted) {
			sorted = nil
		} else {
			sorted = sorted[:len(sorted)-w.Skip]
		}
		if len(sorted) > w.Last {
			sorted = sorted[len(sorted)-w.Last:]
		}
		for _, v := range sorted {
			keep[v] = true
		}
	}
	var objs []Object
	var kept []string
	for i, o := range s.Objects {
		if keep[valueOf[i]] {
			objs = append(objs, o)
		}
	}
	for v := range keep {
		kept = append(kept, v)
	}
	sortValues(kept)
	s.Objects = objs
	switch len(kept) {
	case 0:
		s.Window = fmt.Sprintf("%s: %s, no partition inside it", w.Column, w.Text)
	case 1:
		s.Window = fmt.Sprintf("%s: %s, %s", w.Column, w.Text, kept[0])
	default:
		s.Window = fmt.Sprintf("%s: %s, %s … %s (%d partitions)", w.Column, w.Text, kept[0], kept[len(kept)-1], len(kept))
	}
	return nil
}

// sortValues orders partition values: as numbers when all are whole
// numbers (hour=9 before hour=10), else as text, which orders ISO dates.
func sortValues(vs []string) {
	ns := make(map[string]int64, len(vs))
	for _, v := range vs {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			sort.Strings(vs)
			return
		}
		ns[v] = n
	}
	sort.Slice(vs, func(i, j int) bool { return ns[vs[i]] < ns[vs[j]] })
}

// String is the window as written.
func (w *Window) String() string { return strings.TrimSpace(w.Column + " " + w.Text) }
