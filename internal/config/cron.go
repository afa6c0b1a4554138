package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed five-field cron expression (minute hour day-of-month
// month day-of-week), as GitHub Actions' `on: schedule` accepts, in UTC.
type Schedule struct {
	fields [5]uint64 // bit i set: value i matches
	// domStar and dowStar follow cron's rule: when both day fields are
	// restricted, a day matches if either matches.
	domStar, dowStar bool
}

var cronFields = [5]struct {
	name     string
	min, max int
	names    []string
}{
	{"minute", 0, 59, nil},
	{"hour", 0, 23, nil},
	{"day of month", 1, 31, nil},
	{"month", 1, 12, []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{"day of week", 0, 6, []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

var cronMacros = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// ParseSchedule checks a cron expression; see CompileSchedule.
func ParseSchedule(expr string) error {
	_, err := CompileSchedule(expr)
	return err
}

// CompileSchedule parses a five-field cron expression or a macro such as
// "@daily".
func CompileSchedule(expr string) (*Schedule, error) {
	if m, ok := cronMacros[strings.TrimSpace(expr)]; ok {
		expr = m
	}
	parts := strings.Fields(expr)
	if len(parts) != 5 {
		return nil, fmt.Errorf("schedule %q has %d fields; cron needs 5: minute hour day-of-month month day-of-week", expr, len(parts))
	}
	s := &Schedule{domStar: parts[2] == "*", dowStar: parts[4] == "*"}
	for i, part := range parts {
		f := cronFields[i]
		for _, item := range strings.Split(part, ",") {
			if err := s.addItem(i, item); err != nil {
				return nil, fmt.Errorf("schedule %q, %s field %q: %v", expr, f.name, item, err)
			}
		}
	}
	return s, nil
}

func (s *Schedule) addItem(field int, item string) error {
	f := cronFields[field]
	rng, step := item, 1
	if i := strings.Index(item, "/"); i >= 0 {
		n, err := strconv.Atoi(item[i+1:])
		if err != nil || n <= 0 {
			return fmt.Errorf("step must be a positive number")
		}
		rng, step = item[:i], n
	}
	lo, hi := f.min, f.max
	switch {
	case rng == "*":
	case strings.Contains(rng, "-"):
		a, b, _ := strings.Cut(rng, "-")
		var err error
		if lo, err = cronValue(field, a); err != nil {
			return err
		}
		if hi, err = cronValue(field, b); err != nil {
			return err
		}
		if lo > hi {
			return fmt.Errorf("range %d-%d runs backwards", lo, hi)
		}
	default:
		v, err := cronValue(field, rng)
		if err != nil {
			return err
		}
		lo = v
		if step == 1 {
			hi = v
		}
	}
	for v := lo; v <= hi; v += step {
		s.fields[field] |= 1 << uint(v)
	}
	return nil
}

func cronValue(field int, v string) (int, error) {
	f := cronFields[field]
	for i, n := range f.names {
		if strings.EqualFold(v, n) {
			return i + f.min, nil
		}
	}
	n, err := strconv.Atoi(v)
	if field == 4 && n == 7 && err == nil {
		n = 0 // Sunday may be written 7
	}
	if err != nil || n < f.min || n > f.max {
		return 0, fmt.Errorf("want a value in %d-%d", f.min, f.max)
	}
	return n, nil
}

// Matches reports whether the minute holding t (in UTC) is scheduled.
func (s *Schedule) Matches(t time.Time) bool {
	t = t.UTC()
	has := func(f, v int) bool { return s.fields[f]&(1<<uint(v)) != 0 }
	if !has(0, t.Minute()) || !has(1, t.Hour()) || !has(3, int(t.Month())) {
		return false
	}
	dom, dow := has(2, t.Day()), has(4, int(t.Weekday()))
	if s.domStar || s.dowStar {
		return dom && dow
	}
	return dom || dow
}

// Prev returns the latest scheduled minute at or before t, looking back at
// most a year (zero time when none).
func (s *Schedule) Prev(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Minute)
	for i := 0; i < 366*24*60; i++ {
		if s.Matches(t) {
			return t
		}
		t = t.Add(-time.Minute)
	}
	return time.Time{}
}
