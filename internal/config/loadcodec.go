package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
)

// The load cache must give back exactly what the evaluation decoded, and
// encoding/json does not: omitempty turns an empty list into an absent
// one, and custom marshalers write what the user wrote, not the decoded
// fields. cacheValue and uncacheValue map a value to JSON-ready data field
// by field (by Go name, every exported field, nil kept apart from empty),
// and refuse what they cannot carry exactly: an interface, a struct with
// unexported fields other than the pipeline's field positions, which Load
// restores itself.

// dynamicTypes are the types an interface field may hold in a kept value:
// what decoding CUE into an interface yields.
var dynamicTypes = map[string]reflect.Type{}

func init() {
	for _, t := range []reflect.Type{
		reflect.TypeFor[string](), reflect.TypeFor[bool](), reflect.TypeFor[int](), reflect.TypeFor[int64](),
		reflect.TypeFor[float64](), reflect.TypeFor[[]any](), reflect.TypeFor[map[string]any](),
	} {
		dynamicTypes[t.String()] = t
	}
}

// cacheValue returns v as data for encoding/json.
func cacheValue(v reflect.Value) (any, error) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil, nil
		}
		return cacheValue(v.Elem())
	case reflect.Struct:
		t := v.Type()
		m := make(map[string]any, t.NumField())
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				if t == reflect.TypeFor[Pipeline]() && f.Name == "fields" {
					continue
				}
				return nil, fmt.Errorf("%s.%s is unexported", t, f.Name)
			}
			x, err := cacheValue(v.Field(i))
			if err != nil {
				return nil, err
			}
			m[f.Name] = x
		}
		return m, nil
	case reflect.Slice:
		if v.IsNil() {
			return nil, nil
		}
		s := make([]any, v.Len())
		for i := range s {
			x, err := cacheValue(v.Index(i))
			if err != nil {
				return nil, err
			}
			s[i] = x
		}
		return s, nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("%s: keys are not strings", v.Type())
		}
		if v.IsNil() {
			return nil, nil
		}
		m := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			x, err := cacheValue(it.Value())
			if err != nil {
				return nil, err
			}
			m[it.Key().String()] = x
		}
		return m, nil
	case reflect.Interface:
		// A dynamic value (a category's allowed values) keeps its type.
		if v.IsNil() {
			return nil, nil
		}
		e := v.Elem()
		if dynamicTypes[e.Type().String()] != e.Type() {
			return nil, fmt.Errorf("cannot keep a %s in a %s", e.Type(), v.Type())
		}
		x, err := cacheValue(e)
		if err != nil {
			return nil, err
		}
		return []any{e.Type().String(), x}, nil
	case reflect.String:
		return v.String(), nil
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		// As text: exact, and NaN and infinities survive.
		return strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits()), nil
	}
	return nil, fmt.Errorf("cannot keep a %s", v.Type())
}

// uncacheValue sets v, a settable zero value, from data cacheValue made and
// encoding/json read back; an error for anything cacheValue would not have
// written for v's type.
func uncacheValue(v reflect.Value, x any) error {
	t := v.Type()
	if x == nil {
		switch v.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			return nil
		}
		return fmt.Errorf("%s is null", t)
	}
	switch v.Kind() {
	case reflect.Interface:
		tv, ok := x.([]any)
		if !ok || len(tv) != 2 {
			return fmt.Errorf("%s is not a typed value", t)
		}
		name, _ := tv[0].(string)
		dt := dynamicTypes[name]
		if dt == nil || !dt.Implements(t) {
			return fmt.Errorf("%s cannot hold a %q", t, name)
		}
		e := reflect.New(dt).Elem()
		if err := uncacheValue(e, tv[1]); err != nil {
			return err
		}
		v.Set(e)
		return nil
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := uncacheValue(p.Elem(), x); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case reflect.Struct:
		m, ok := x.(map[string]any)
		if !ok {
			return fmt.Errorf("%s is not an object", t)
		}
		n := 0
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			fx, ok := m[f.Name]
			if !ok {
				return fmt.Errorf("%s.%s is missing", t, f.Name)
			}
			if err := uncacheValue(v.Field(i), fx); err != nil {
				return err
			}
			n++
		}
		if n != len(m) {
			return fmt.Errorf("%s has unknown fields", t)
		}
		return nil
	case reflect.Slice:
		s, ok := x.([]any)
		if !ok {
			return fmt.Errorf("%s is not a list", t)
		}
		sv := reflect.MakeSlice(t, len(s), len(s))
		for i, e := range s {
			if err := uncacheValue(sv.Index(i), e); err != nil {
				return err
			}
		}
		v.Set(sv)
		return nil
	case reflect.Map:
		m, ok := x.(map[string]any)
		if !ok || t.Key().Kind() != reflect.String {
			return fmt.Errorf("%s is not an object", t)
		}
		mv := reflect.MakeMapWithSize(t, len(m))
		for k, e := range m {
			ev := reflect.New(t.Elem()).Elem()
			if err := uncacheValue(ev, e); err != nil {
				return err
			}
			mv.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
		}
		v.Set(mv)
		return nil
	case reflect.Bool:
		b, ok := x.(bool)
		if !ok {
			return fmt.Errorf("%s is not a boolean", t)
		}
		v.SetBool(b)
		return nil
	}
	s, ok := x.(string)
	if !ok {
		return fmt.Errorf("%s is not a string", t)
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil {
			return err
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, t.Bits())
		if err != nil {
			return err
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, t.Bits())
		if err != nil {
			return err
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("cannot read a %s", t)
	}
	return nil
}

// marshalCached and unmarshalCached carry x (a pointer) through JSON with
// cacheValue and uncacheValue.
func marshalCached(x any) ([]byte, error) {
	d, err := cacheValue(reflect.ValueOf(x))
	if err != nil {
		return nil, err
	}
	return json.Marshal(d)
}

func unmarshalCached(b []byte, x any) error {
	var d any
	if err := json.Unmarshal(b, &d); err != nil {
		return err
	}
	return uncacheValue(reflect.ValueOf(x).Elem(), d)
}
