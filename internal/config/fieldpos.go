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
// first position.
func (fp fieldPositions) record(v cue.Value, pz positioner, path []string) {
	if len(path) > maxFieldDepth {
		return
	}
	if s := pz.valuePos(v); !s.IsZero() {
		if _, seen := fp[fieldKey(path...)]; !seen {
			fp[fieldKey(path...)] = s
		}
	}
	switch v.IncompleteKind() {
	case cue.StructKind:
		iter, err := v.Fields(cue.Optional(true))
		if err != nil {
			return
		}
		for iter.Next() {
			sel := iter.Selector()
			if sel.LabelType() != cue.StringLabel {
				continue
			}
			fp.record(iter.Value(), pz, append(path[:len(path):len(path)], sel.Unquoted()))
		}
	case cue.ListKind:
		iter, err := v.List()
		if err != nil {
			return
		}
		for i := 0; iter.Next(); i++ {
			fp.record(iter.Value(), pz, append(path[:len(path):len(path)], strconv.Itoa(i)))
		}
	}
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
