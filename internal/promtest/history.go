package promtest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// History builds the OpenMetrics text for Options.History: gauge samples
// at given times, grouped by metric as OpenMetrics requires.
type History struct {
	lines map[string][]string
}

// Add adds one sample of the gauge name{labels} at t.
func (h *History) Add(name string, labels map[string]string, t time.Time, v float64) {
	if h.lines == nil {
		h.lines = map[string][]string{}
	}
	names := make([]string, 0, len(labels))
	for k := range labels {
		names = append(names, k)
	}
	sort.Strings(names)
	pairs := make([]string, len(names))
	for i, k := range names {
		pairs[i] = fmt.Sprintf("%s=%q", k, labels[k])
	}
	ts := strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)
	h.lines[name] = append(h.lines[name], fmt.Sprintf("%s{%s} %s %s",
		name, strings.Join(pairs, ","), strconv.FormatFloat(v, 'g', -1, 64), ts))
}

// Series adds samples of name{labels} every step from start, one per
// value.
func (h *History) Series(name string, labels map[string]string, start time.Time, step time.Duration, values ...float64) {
	for i, v := range values {
		h.Add(name, labels, start.Add(time.Duration(i)*step), v)
	}
}

// String is the OpenMetrics text, ending in "# EOF".
func (h *History) String() string {
	names := make([]string, 0, len(h.lines))
	for n := range h.lines {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "# TYPE %s gauge\n", n)
		for _, l := range h.lines[n] {
			b.WriteString(l + "\n")
		}
	}
	b.WriteString("# EOF\n")
	return b.String()
}
