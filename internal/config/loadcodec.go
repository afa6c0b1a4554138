package config

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
)

// The load cache must give back exactly what the evaluation decoded, and
// encoding/json does not: omitempty turns an empty list into an absent
// one, and custom marshalers write what the user wrote, not the decoded
// fields. marshalCached and unmarshalCached write a value field by field
// (every exported field, in the order of its type, nil kept apart from
// empty) in a compact binary form, and refuse what they cannot carry
// exactly: an interface holding a type outside dynamicTypes, a struct with
// unexported fields other than the pipeline's field positions, which Load
// restores itself. The form is only ever read by the same executable
// (the cache key holds its identity), so it carries no type names but an
// interface's.

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

// cacheWriter writes values; a string written before is written as its
// number (field paths and file names repeat thousands of times).
type cacheWriter struct {
	strings map[string]uint64
}

// appendString appends s: 0 and its bytes the first time, else its number
// plus one.
func (w *cacheWriter) appendString(b []byte, s string) []byte {
	if n, ok := w.strings[s]; ok {
		return binary.AppendUvarint(b, n+1)
	}
	w.strings[s] = uint64(len(w.strings))
	b = append(b, 0)
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// encode appends the encoding of v to b.
func (w *cacheWriter) encode(b []byte, v reflect.Value) ([]byte, error) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		if v.IsNil() {
			return append(b, 0), nil
		}
		b = append(b, 1)
	}
	switch v.Kind() {
	case reflect.Pointer:
		return w.encode(b, v.Elem())
	case reflect.Interface:
		e := v.Elem()
		if dynamicTypes[e.Type().String()] != e.Type() {
			return nil, fmt.Errorf("cannot keep a %s in a %s", e.Type(), v.Type())
		}
		b = w.appendString(b, e.Type().String())
		return w.encode(b, e)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				if t == reflect.TypeFor[Pipeline]() && f.Name == "fields" {
					continue
				}
				return nil, fmt.Errorf("%s.%s is unexported", t, f.Name)
			}
			var err error
			if b, err = w.encode(b, v.Field(i)); err != nil {
				return nil, err
			}
		}
		return b, nil
	case reflect.Slice:
		b = binary.AppendUvarint(b, uint64(v.Len()))
		for i := range v.Len() {
			var err error
			if b, err = w.encode(b, v.Index(i)); err != nil {
				return nil, err
			}
		}
		return b, nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("%s: keys are not strings", v.Type())
		}
		b = binary.AppendUvarint(b, uint64(v.Len()))
		for it := v.MapRange(); it.Next(); {
			b = w.appendString(b, it.Key().String())
			var err error
			if b, err = w.encode(b, it.Value()); err != nil {
				return nil, err
			}
		}
		return b, nil
	case reflect.String:
		return w.appendString(b, v.String()), nil
	case reflect.Bool:
		if v.Bool() {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return binary.AppendVarint(b, v.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return binary.AppendUvarint(b, v.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Float())), nil
	}
	return nil, fmt.Errorf("cannot keep a %s", v.Type())
}

var errCorrupt = errors.New("corrupt entry")

// cacheReader reads what a cacheWriter wrote.
type cacheReader struct {
	b       []byte
	strings []string
}

func (r *cacheReader) byte() (byte, error) {
	if len(r.b) == 0 {
		return 0, errCorrupt
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c, nil
}

func (r *cacheReader) uvarint() (uint64, error) {
	n, k := binary.Uvarint(r.b)
	if k <= 0 {
		return 0, errCorrupt
	}
	r.b = r.b[k:]
	return n, nil
}

// count reads a length, which cannot exceed the bytes left: every element
// takes at least one.
func (r *cacheReader) count() (int, error) {
	n, err := r.uvarint()
	if err != nil || n > uint64(len(r.b)) {
		return 0, errCorrupt
	}
	return int(n), nil
}

func (r *cacheReader) string() (string, error) {
	ref, err := r.uvarint()
	if err != nil {
		return "", err
	}
	if ref > 0 {
		if ref > uint64(len(r.strings)) {
			return "", errCorrupt
		}
		return r.strings[ref-1], nil
	}
	n, err := r.count()
	if err != nil {
		return "", err
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	r.strings = append(r.strings, s)
	return s, nil
}

// decode sets v, a settable zero value, from what a cacheWriter wrote for
// its type.
func (r *cacheReader) decode(v reflect.Value) error {
	t := v.Type()
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		present, err := r.byte()
		if err != nil || present > 1 {
			return errCorrupt
		}
		if present == 0 {
			return nil
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := r.decode(p.Elem()); err != nil {
			return err
		}
		v.Set(p)
	case reflect.Interface:
		name, err := r.string()
		if err != nil {
			return err
		}
		dt := dynamicTypes[name]
		if dt == nil || !dt.Implements(t) {
			return errCorrupt
		}
		e := reflect.New(dt).Elem()
		if err := r.decode(e); err != nil {
			return err
		}
		v.Set(e)
	case reflect.Struct:
		for i := range t.NumField() {
			if !t.Field(i).IsExported() {
				continue
			}
			if err := r.decode(v.Field(i)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		n, err := r.count()
		if err != nil {
			return err
		}
		s := reflect.MakeSlice(t, n, n)
		for i := range n {
			if err := r.decode(s.Index(i)); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Map:
		n, err := r.count()
		if err != nil || t.Key().Kind() != reflect.String {
			return errCorrupt
		}
		m := reflect.MakeMapWithSize(t, n)
		for range n {
			k, err := r.string()
			if err != nil {
				return err
			}
			e := reflect.New(t.Elem()).Elem()
			if err := r.decode(e); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), e)
		}
		v.Set(m)
	case reflect.String:
		s, err := r.string()
		if err != nil {
			return err
		}
		v.SetString(s)
	case reflect.Bool:
		c, err := r.byte()
		if err != nil || c > 1 {
			return errCorrupt
		}
		v.SetBool(c == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, k := binary.Varint(r.b)
		if k <= 0 || v.OverflowInt(n) {
			return errCorrupt
		}
		r.b = r.b[k:]
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := r.uvarint()
		if err != nil || v.OverflowUint(n) {
			return errCorrupt
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		if len(r.b) < 8 {
			return errCorrupt
		}
		v.SetFloat(math.Float64frombits(binary.LittleEndian.Uint64(r.b)))
		r.b = r.b[8:]
	default:
		return fmt.Errorf("cannot read a %s", t)
	}
	return nil
}

// marshalCached and unmarshalCached carry *x through the cache form; an
// entry with bytes left over is corrupt.
func marshalCached(x any) ([]byte, error) {
	w := cacheWriter{strings: map[string]uint64{}}
	return w.encode(nil, reflect.ValueOf(x).Elem())
}

func unmarshalCached(b []byte, x any) error {
	r := cacheReader{b: b}
	if err := r.decode(reflect.ValueOf(x).Elem()); err != nil {
		return err
	}
	if len(r.b) != 0 {
		return errCorrupt
	}
	return nil
}
