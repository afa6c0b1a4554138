package config

import (
	"fmt"
	"strings"
	"time"
)

// ParseDuration parses a Go duration that may also use days ("7d", "1d12h").
func ParseDuration(s string) (time.Duration, error) {
	var total time.Duration
	rest := s
	if i := strings.Index(rest, "d"); i >= 0 {
		var days float64
		if _, err := fmt.Sscanf(rest[:i], "%g", &days); err != nil || days < 0 || strings.ContainsAny(rest[:i], "hmsun") {
			return 0, fmt.Errorf("duration %q: cannot read days before \"d\"", s)
		}
		total = time.Duration(days * float64(24*time.Hour))
		rest = rest[i+1:]
	}
	if rest != "" {
		d, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("duration %q: use units ns, us, ms, s, m, h or d, e.g. \"90m\" or \"7d\"", s)
		}
		total += d
	}
	if total <= 0 {
		return 0, fmt.Errorf("duration %q must be positive", s)
	}
	return total, nil
}
