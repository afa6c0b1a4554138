package config

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/errors"
)

// decodeValue decodes v into the value x points to, giving what
// cue.Value.Decode gives, faster. Value.Decode reads a struct through
// Value.Fields, which puts the fields in CUE's topological order first
// (a sixth of a cold load's CPU, on an order decoding does not need), and
// asks every value for its error and whether it is null, each question
// building a fresh evaluation context. decodeValue looks each field of the
// Go struct up by name, and answers the questions from the value's kind.
//
// That finds the same fields because every struct of ctgit's schema is a
// closed definition: a field the user declares is spelt exactly as the
// schema spells it, which is the Go field's json name (Value.Decode would
// also take a name differing in case; the schema admits none, and
// TestDecodeValueMatchesCUE compares both decoders on every example and
// test pipeline). What this decoder does not handle itself (values with
// errors or not concrete, maps keyed by other than strings, interfaces,
// arrays, types with their own unmarshalers, structs whose fields
// encoding/json would name by its rules of precedence) it hands to
// Value.Decode, value by value.
func decodeValue(v cue.Value, x any) error {
	var d valueDecoder
	d.decode(reflect.ValueOf(x).Elem(), v)
	return d.errs
}

// valueDecoder collects the errors of one decodeValue.
type valueDecoder struct {
	errs errors.Error
}

func (d *valueDecoder) addErr(err error) {
	if err != nil {
		d.errs = errors.Append(d.errs, errors.Promote(err, ""))
	}
}

// decode decodes v into x, which is settable, as Value.Decode would.
func (d *valueDecoder) decode(x reflect.Value, v cue.Value) {
	t := x.Type()
	if byCUE(t) {
		d.addErr(v.Decode(x.Addr().Interface()))
		return
	}
	v, _ = v.Default()
	// Value.Decode asks a value for its error and whether it is null,
	// and each question costs a fresh evaluation context. A concrete
	// value has a kind and no error, so the questions are answered by
	// its kind; anything else, error or not yet concrete, is left to
	// Value.Decode, whose errors say what it is.
	k := v.Kind()
	if k == cue.BottomKind {
		d.addErr(v.Decode(x.Addr().Interface()))
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		// A null clears the pointer, anything else is decoded into what
		// it points to, allocated if need be.
		if k == cue.NullKind {
			x.SetZero()
			return
		}
		if x.IsNil() {
			x.Set(reflect.New(t.Elem()))
		}
		d.decode(x.Elem(), v)
		return
	case reflect.Map, reflect.Slice:
		if k == cue.NullKind {
			x.SetZero()
			return
		}
	}
	switch t.Kind() {
	case reflect.Bool:
		b, err := v.Bool()
		d.addErr(err)
		x.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := v.Int64()
		d.addErr(err)
		if x.OverflowInt(i) {
			d.addErr(errors.Newf(v.Pos(), "integer %d overflows %s", i, t.Kind()))
			break
		}
		x.SetInt(i)
	case reflect.Float32, reflect.Float64:
		f, err := v.Float64()
		d.addErr(err)
		if x.OverflowFloat(f) {
			d.addErr(errors.Newf(v.Pos(), "float %g overflows %s", f, t.Kind()))
			break
		}
		x.SetFloat(f)
	case reflect.String:
		s, err := v.String()
		d.addErr(err)
		x.SetString(s)
	case reflect.Slice:
		var elems []cue.Value
		list, err := v.List()
		d.addErr(err)
		for list.Next() {
			elems = append(elems, list.Value())
		}
		if x.Cap() < len(elems) || x.Cap() == 0 {
			x.Set(reflect.MakeSlice(t, len(elems), len(elems)))
		} else {
			x.SetLen(len(elems))
		}
		for i, e := range elems {
			d.decode(x.Index(i), e)
		}
	case reflect.Map:
		if x.IsNil() {
			x.Set(reflect.MakeMap(t))
		}
		iter, err := v.Fields()
		d.addErr(err)
		elem := reflect.New(t.Elem()).Elem()
		for iter.Next() {
			elem.SetZero()
			d.decode(elem, iter.Value())
			x.SetMapIndex(reflect.ValueOf(iter.Selector().Unquoted()).Convert(t.Key()), elem)
		}
	case reflect.Struct:
		if k != cue.StructKind {
			d.addErr(v.Decode(x.Addr().Interface()))
			return
		}
		fields, _ := structFieldsOf(t)
		for _, f := range fields {
			fv := v.LookupPath(cue.MakePath(cue.Str(f.name)))
			if fv.Exists() {
				d.decode(x.FieldByIndex(f.index), fv)
			}
		}
	default:
		d.addErr(v.Decode(x.Addr().Interface()))
	}
}

// decodeField is a struct field decodeValue fills: its json name and
// index path (through embedded structs).
type decodeField struct {
	name  string
	index []int
}

var (
	decodeFields sync.Map // reflect.Type → []decodeField
	decodeByCUE  sync.Map // reflect.Type → bool
)

// structFieldsOf lists the fields of struct type t that decoding fills,
// named as encoding/json names them, the fields of an embedded struct
// (neither a pointer nor tagged) among them; ok is false when t has a
// field decodeValue does not name as encoding/json would: an embedded
// pointer or tagged struct, a name that is not plain letters, digits and
// underscores, or two fields whose names differ at most in case (where
// encoding/json's rules of precedence apply).
func structFieldsOf(t reflect.Type) (fs []decodeField, ok bool) {
	if fs, ok := decodeFields.Load(t); ok {
		return fs.([]decodeField), true
	}
	seen := map[string]bool{}
	var add func(t reflect.Type, index []int) bool
	add = func(t reflect.Type, index []int) bool {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			at := append(index[:len(index):len(index)], i)
			if f.Anonymous {
				if tag != "" || f.Type.Kind() != reflect.Struct || !f.IsExported() || !add(f.Type, at) {
					return false
				}
				continue
			}
			if !f.IsExported() || tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if name == "" {
				name = f.Name
			}
			if !plainName(name) || seen[strings.ToLower(name)] {
				return false
			}
			seen[strings.ToLower(name)] = true
			fs = append(fs, decodeField{name: name, index: at})
		}
		return true
	}
	if !add(t, nil) {
		return nil, false
	}
	decodeFields.Store(t, fs)
	return fs, true
}

var (
	cueUnmarshalerType  = reflect.TypeFor[cue.Unmarshaler]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	cueValueType        = reflect.TypeFor[cue.Value]()
)

// byCUE reports whether values of type t are left to Value.Decode: types
// that unmarshal themselves, and kinds and struct shapes decodeValue does
// not reproduce.
func byCUE(t reflect.Type) bool {
	if b, ok := decodeByCUE.Load(t); ok {
		return b.(bool)
	}
	b := byCUEUncached(t)
	decodeByCUE.Store(t, b)
	return b
}

func byCUEUncached(t reflect.Type) bool {
	if t == cueValueType {
		return true
	}
	for _, u := range []reflect.Type{t, reflect.PointerTo(t)} {
		if u.Implements(cueUnmarshalerType) || u.Implements(jsonUnmarshalerType) || u.Implements(textUnmarshalerType) {
			return true
		}
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Float32, reflect.Float64:
		return false
	case reflect.Pointer:
		return t.Elem().Kind() == reflect.Pointer || t.Elem().Kind() == reflect.Interface || byCUE(t.Elem())
	case reflect.Slice:
		return t.Elem().Kind() == reflect.Uint8
	case reflect.Map:
		return t.Key().Kind() != reflect.String || reflect.PointerTo(t.Key()).Implements(textUnmarshalerType)
	case reflect.Struct:
		_, ok := structFieldsOf(t)
		return !ok
	}
	return true
}

// plainName reports whether a json name is letters, digits and
// underscores, which encoding/json and Value.Decode take as written.
func plainName(s string) bool {
	for _, c := range s {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return s != ""
}
