package config

import (
	"math"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
)

// fieldPositions maps the path of every field and list element the user
// declared (keyed by fieldKey) to where it is declared.
// Checks ask it for the position of the exact field they judge, so that a
// message points at the line the user wrote, not at the enclosing block.
type fieldPositions map[string]Pos

// maxFieldDepth bounds the walk: ctgit's schema is shallow, and a deeper
// field is located at its nearest recorded ancestor.
const maxFieldDepth = 24

// fieldKey joins path elements; NUL cannot occur in a CUE label.
func fieldKey(sel ...string) string { return strings.Join(sel, "\x00") }

// record walks v (the user's value at path) and records the position of
// every field and list element under it. A field declared twice keeps its
// first position. In the same walk it reports, under the fieldKey of the
// pipeline (or of settings) they are in, the integers too large for 64
// bits, as overflows would: a second walk over the same values cost a
// cold load a twentieth of its time, sorting the fields of every struct
// again.
//
// shown is path as overflows names it: each label as its selector prints.
func (fp fieldPositions) record(v cue.Value, pz positioner, path, shown []string, over map[string]Diagnostics) {
	if len(path) > maxFieldDepth {
		return
	}
	if s := pz.valuePos(v); !s.IsZero() {
		if _, seen := fp[fieldKey(path...)]; !seen {
			fp[fieldKey(path...)] = s
		}
	}
	switch v.IncompleteKind() {
	case cue.IntKind:
		if owner, ok := overflowOwner(path); ok {
			if ds := pz.overflows(v, overflowPath(path, shown)); len(ds) > 0 {
				over[owner] = append(over[owner], ds...)
			}
		}
	case cue.StructKind:
		iter, err := v.Fields(cue.Optional(true))
		if err != nil {
			return
		}
		for iter.Next() {
			sel := iter.Selector()
			if sel.LabelType() != cue.StringLabel {
				// Not a field a user locates, but overflows would look.
				if owner, ok := overflowOwner(path); ok {
					if ds := pz.overflows(iter.Value(), append(overflowPath(path, shown), sel.String())); len(ds) > 0 {
						over[owner] = append(over[owner], ds...)
					}
				}
				continue
			}
			fp.record(iter.Value(), pz, append(path[:len(path):len(path)], sel.Unquoted()),
				append(shown[:len(shown):len(shown)], sel.String()), over)
		}
	case cue.ListKind:
		iter, err := v.List()
		if err != nil {
			return
		}
		for i := 0; iter.Next(); i++ {
			i := strconv.Itoa(i)
			fp.record(iter.Value(), pz, append(path[:len(path):len(path)], i), append(shown[:len(shown):len(shown)], i), over)
		}
	}
}

// overflowPath is the path overflows names a value by: the pipeline's
// name (or settings) as declared, then each label as its selector prints.
func overflowPath(path, shown []string) []string {
	n := 1
	if path[0] == "pipelines" {
		n = 2
	}
	return append(append([]string{}, path[:n]...), shown[n:]...)
}

// overflowOwner is the fieldKey overflows are reported under for a value
// at path: its pipeline's, or settings'; false for a value in neither.
func overflowOwner(path []string) (string, bool) {
	switch {
	case len(path) >= 2 && path[0] == "pipelines":
		return fieldKey(path[:2]...), true
	case len(path) >= 1 && path[0] == "settings":
		return fieldKey(path[0]), true
	}
	return "", false
}

// at returns where the field at path is declared, else where its nearest
// declared ancestor is, else the zero Pos.
func (fp fieldPositions) at(path ...string) Pos {
	for n := len(path); n > 0; n-- {
		if s, ok := fp[fieldKey(path[:n]...)]; ok {
			return s
		}
	}
	return Pos{}
}

// FieldPos returns where the pipeline declares the field at path (field
// names, and decimal list indexes), e.g. FieldPos("train", "timeout");
// a field left to the schema's default is located at its nearest declared
// ancestor, and at the pipeline itself at worst.
func (p *Pipeline) FieldPos(path ...string) Pos {
	if p.fields != nil {
		if s := p.fields.at(append([]string{"pipelines", p.Name}, path...)...); !s.IsZero() {
			return s
		}
	}
	return p.Pos
}

// declares reports whether the pipeline's user declared the field at path
// (rather than leaving it to the schema's default).
func (p *Pipeline) declares(path ...string) bool {
	_, ok := p.fields[fieldKey(append([]string{"pipelines", p.Name}, path...)...)]
	return ok
}

// FieldPos returns where the settings declare the field at path, located
// like Pipeline.FieldPos; the zero Pos when no settings are declared.
func (c *Config) FieldPos(path ...string) Pos {
	if c.fields == nil {
		return Pos{}
	}
	return c.fields.at(append([]string{"settings"}, path...)...)
}

// cuePathKey turns the path of a CUE error into a fieldKey, unquoting
// quoted labels and dropping the brackets of list indexes.
func cuePathKey(path []string) []string {
	out := make([]string, len(path))
	for i, s := range path {
		if u, err := strconv.Unquote(s); err == nil {
			s = u
		}
		out[i] = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	}
	return out
}

// overflows reports every integer under v (the user's value at path) that
// does not fit in 64 bits. Decoding such a value fails without a path or
// a position, so Load reports it here, where both are known, instead.
func (pz positioner) overflows(v cue.Value, path []string) Diagnostics {
	if len(path) > maxFieldDepth {
		return nil
	}
	var ds Diagnostics
	switch v.IncompleteKind() {
	case cue.IntKind:
		if _, err := v.Int64(); err != nil && v.IsConcrete() {
			n, _ := v.Int(nil)
			ds = append(ds, pz.diag(v.Pos(), strings.Join(path, "."), "integer %v does not fit in 64 bits (%d to %d)", n, math.MinInt64, int64(math.MaxInt64)))
		}
	case cue.StructKind:
		iter, err := v.Fields(cue.Optional(true))
		if err != nil {
			return nil
		}
		for iter.Next() {
			ds = append(ds, pz.overflows(iter.Value(), append(path[:len(path):len(path)], iter.Selector().String()))...)
		}
	case cue.ListKind:
		iter, err := v.List()
		if err != nil {
			return nil
		}
		for i := 0; iter.Next(); i++ {
			ds = append(ds, pz.overflows(iter.Value(), append(path[:len(path):len(path)], strconv.Itoa(i)))...)
		}
	}
	return ds
}
