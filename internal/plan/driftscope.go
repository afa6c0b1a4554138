package plan

import (
	"fmt"
	"strings"

	"github.com/ctgit/ctgit/internal/config"
)

// driftScope says, before any data is read, which columns the drift step
// tests and which it leaves out, for the plan.
func driftScope(p *config.Pipeline) string {
	s := "tests every column in both data files"
	if from := p.DriftColumnsFrom(); from != "" {
		s = fmt.Sprintf("tests only %s (%s)", strings.Join(p.Checks.Drift.Columns, ", "), from)
	}
	if ex := p.DriftExclusions(); len(ex) > 0 {
		parts := make([]string, len(ex))
		for i, l := range ex {
			parts[i] = fmt.Sprintf("%s (%s)", l.Name, l.Reason)
		}
		s += "; left out: " + strings.Join(parts, ", ")
	}
	return s
}
