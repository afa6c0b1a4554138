package exec

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ctgit/ctgit/internal/config"
	"github.com/ctgit/ctgit/internal/record"
	"github.com/ctgit/ctgit/internal/table"
)

// checkData runs the declared checks on the current data. Each result names
// the CUE line that declared the check, so a failure points where to look.
func checkData(t *table.Table, c *config.Checks) []record.Check {
	var out []record.Check
	add := func(col, check string, passed bool, pos config.Pos, format string, args ...any) {
		out = append(out, record.Check{Column: col, Check: check, Passed: passed, Detail: fmt.Sprintf(format, args...), Pos: pos})
	}
	add("", "minRows", t.Rows >= c.MinRows, c.MinRowsPos, "%d rows, at least %d required", t.Rows, c.MinRows)

	names := make([]string, 0, len(c.Columns))
	for n := range c.Columns {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		decl := c.Columns[name]
		col := t.Column(name)
		if col == nil {
			if decl.Required {
				add(name, "required", false, decl.Pos, "column %q is missing from the current data", name)
			}
			continue
		}
		out = append(out, checkColumn(col, decl, c.MaxNullShare)...)
	}
	if c.Strict {
		var extra []string
		for _, col := range t.Columns {
			if _, ok := c.Columns[col.Name]; !ok {
				extra = append(extra, col.Name)
			}
		}
		add("", "strict", len(extra) == 0, c.Pos, "undeclared columns: %s", orNone(extra))
	}
	return out
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// violations counts the cells that break one check and remembers the first.
type violations struct {
	n     int
	first string
	row   int
}

func (v *violations) add(row int, cell string) {
	if v.n == 0 {
		v.first, v.row = cell, row
	}
	v.n++
}

func (v *violations) detail(total int, what string) string {
	if v.n == 0 {
		return fmt.Sprintf("all %d values %s", total, what)
	}
	return fmt.Sprintf("%d of %d values not %s (first: %s in row %d)", v.n, total, what, v.first, v.row)
}

func checkColumn(col *table.Column, decl config.Column, defaultNull *float64) []record.Check {
	var out []record.Check
	name := decl.FieldPos
	var typ, lo, hi, allowed violations
	present := 0
	allowedSet := map[string]bool{}
	for _, a := range decl.Allowed {
		allowedSet[allowedKey(a)] = true
	}
	for i := 0; i < col.Len(); i++ {
		v, kind, text := col.At(i)
		if kind == table.CellMissing {
			continue
		}
		present++
		row := i + 1
		cell := text
		if kind == table.CellNumber {
			cell = strconv.FormatFloat(v, 'g', -1, 64)
		}
		if !typeMatches(decl.Type, v, kind, text) {
			typ.add(row, strconv.Quote(cell))
			continue
		}
		if kind == table.CellNumber {
			if decl.Min != nil && v < *decl.Min {
				lo.add(row, cell)
			}
			if decl.Max != nil && v > *decl.Max {
				hi.add(row, cell)
			}
		}
		if decl.Allowed != nil && !allowedSet[cell] {
			allowed.add(row, strconv.Quote(cell))
		}
	}
	colName := col.Name
	check := func(kind string, v violations, pos config.Pos, what string) {
		out = append(out, record.Check{Column: colName, Check: kind, Passed: v.n == 0, Detail: v.detail(present, what), Pos: pos})
	}
	check("type", typ, name.Type, "of type "+decl.Type)
	if decl.Min != nil {
		check("min", lo, name.Min, fmt.Sprintf("≥ %g", *decl.Min))
	}
	if decl.Max != nil {
		check("max", hi, name.Max, fmt.Sprintf("≤ %g", *decl.Max))
	}
	if decl.Allowed != nil {
		check("allowed", allowed, name.Allowed, "in the allowed values")
	}
	limit, pos := decl.MaxNullShare, name.MaxNullShare
	if limit == nil {
		limit, pos = defaultNull, decl.Pos
	}
	if limit != nil {
		share := 0.0
		if col.Len() > 0 {
			share = float64(col.Len()-present) / float64(col.Len())
		}
		out = append(out, record.Check{Column: colName, Check: "maxNullShare", Passed: share <= *limit+1e-12, Pos: pos,
			Detail: fmt.Sprintf("%.4g of values missing, at most %g allowed", share, *limit)})
	}
	return out
}

// allowedKey renders an allowed value as a cell would be rendered.
func allowedKey(a any) string {
	switch x := a.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		if v, kind := table.Cell([]byte(x)); kind == table.CellNumber {
			return strconv.FormatFloat(v, 'g', -1, 64)
		}
		return x
	}
	return fmt.Sprint(a)
}

var timestampLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"}

// parseTimestamp reads a timestamp cell: RFC 3339, a date, a date and time,
// or Unix seconds.
func parseTimestamp(v float64, kind table.CellKind, text string) (time.Time, bool) {
	if kind == table.CellNumber {
		if v < 0 || v > 1e11 || math.IsNaN(v) {
			return time.Time{}, false
		}
		sec, frac := math.Modf(v)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
	}
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, text); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func typeMatches(typ string, v float64, kind table.CellKind, text string) bool {
	switch typ {
	case "number":
		return kind == table.CellNumber
	case "integer":
		return kind == table.CellNumber && v == math.Trunc(v)
	case "bool":
		if kind == table.CellNumber {
			return v == 0 || v == 1
		}
		switch strings.ToLower(text) {
		case "true", "false", "yes", "no", "t", "f":
			return true
		}
		return false
	case "timestamp":
		_, ok := parseTimestamp(v, kind, text)
		return ok
	}
	return true // category and string take any value
}
