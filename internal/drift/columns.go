package drift

import (
	"errors"
	"fmt"
	"slices"

	"github.com/ctgit/ctgit/internal/table"
)

// LeftOut is a column of either data file that a comparison did not test,
// and why, in words a report prints as they are.
type LeftOut struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// The reasons a comparison gives on its own for leaving a column out.
const (
	ReasonOnlyReference = "only in the reference data"
	ReasonOnlyCurrent   = "only in the current data"
)

// header is the column names of one data file, in file order.
type header struct {
	path  string
	names []string
}

func tableHeader(t *table.Table) header {
	h := header{path: t.Path}
	for _, c := range t.Columns {
		h.names = append(h.names, c.Name)
	}
	return h
}

// selectColumns decides which columns a comparison tests: every column
// present in both files, in reference order, or only those of p.Subset,
// less those of p.Exclude. Every other column of either file is left out
// with its reason, in file order (the reference's, then the current's).
// A policy that names a column neither file has is an error, as is a
// Subset column missing from the current data (it was asked for) and a
// comparison left with nothing to test.
func selectColumns(ref, cur header, p Policy) (tested []string, left []LeftOut, err error) {
	for _, name := range p.Subset {
		if !slices.Contains(ref.names, name) {
			return nil, nil, &table.InputError{File: ref.path, Column: name, Err: errors.New("no such column in the reference data")}
		}
	}
	for _, list := range [][]string{p.Categorical, mapKeys(p.Columns)} {
		for _, name := range list {
			if !slices.Contains(ref.names, name) && !slices.Contains(cur.names, name) {
				return nil, nil, &table.InputError{File: ref.path, Column: name, Err: errors.New("no such column in either data file")}
			}
		}
	}
	subsetReason := "not among the columns to compare"
	if p.SubsetFrom != "" {
		subsetReason = "not in " + p.SubsetFrom
	}
	why := func(name string, inRef, inCur bool) string {
		if i := slices.IndexFunc(p.Exclude, func(l LeftOut) bool { return l.Name == name }); i >= 0 {
			return p.Exclude[i].Reason
		}
		if len(p.Subset) > 0 && !slices.Contains(p.Subset, name) {
			return subsetReason
		}
		switch {
		case !inCur:
			if len(p.Subset) > 0 {
				return "" // asked for, and missing: an error below
			}
			return ReasonOnlyReference
		case !inRef:
			return ReasonOnlyCurrent
		}
		return ""
	}
	for _, name := range ref.names {
		inCur := slices.Contains(cur.names, name)
		if r := why(name, true, inCur); r != "" {
			left = append(left, LeftOut{Name: name, Reason: r})
			continue
		}
		if !inCur {
			return nil, nil, &table.InputError{File: cur.path, Column: name, Err: errors.New("missing from the current data (present in the reference)")}
		}
		tested = append(tested, name)
	}
	for _, name := range cur.names {
		if !slices.Contains(ref.names, name) {
			left = append(left, LeftOut{Name: name, Reason: why(name, false, true)})
		}
	}
	if len(tested) == 0 {
		return nil, nil, &table.InputError{File: cur.path, Err: fmt.Errorf("no column left to compare: %s", describeLeftOut(left))}
	}
	return tested, left, nil
}

// describeLeftOut names the columns left out with their reasons, for an
// error message.
func describeLeftOut(left []LeftOut) string {
	if len(left) == 0 {
		return "neither file has a column"
	}
	s := ""
	for i, l := range left {
		if i == 5 {
			s += fmt.Sprintf(" and %d more", len(left)-i)
			break
		}
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s (%s)", l.Name, l.Reason)
	}
	return s
}
