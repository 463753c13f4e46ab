// Package jsonx is encoding/json with one difference: non-finite floats,
// which JSON cannot hold, are written as the strings "NaN", "Inf" and
// "-Inf" and read back from them. The aca command writes every JSON it
// produces with it (--json lines, metrics.json, results.jsonl), and the
// experiments write their run records with it, so that a result that is
// NaN or infinite is still written whole.
package jsonx

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strings"
)

// The contract for numbers: a finite float is a JSON number, as
// encoding/json writes it; a non-finite one, which JSON cannot hold, is one
// of the strings "NaN", "Inf" and "-Inf". A result may be non-finite (a
// method that blows up, an exact gradient that underflows so that a
// relative error is infinite), and the whole result is still written.

// nonFinite returns the string that stands for a non-finite float.
func nonFinite(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case v > 0:
		return "Inf"
	default:
		return "-Inf"
	}
}

// Marshal encodes v like encoding/json (struct tags with omitempty
// and "-", embedded structs, maps with sorted keys, json.Marshaler and
// encoding.TextMarshaler), except that non-finite floats become the
// strings "NaN", "Inf" and "-Inf". With indent, the output is indented by
// two spaces.
func Marshal(v any, indent bool) ([]byte, error) {
	var b bytes.Buffer
	if err := encodeJSON(&b, reflect.ValueOf(v), 0); err != nil {
		return nil, err
	}
	if !indent {
		return b.Bytes(), nil
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// maxJSONDepth bounds the nesting, as a guard against cyclic pointers.
const maxJSONDepth = 200

// encodeJSON writes v as compact JSON.
func encodeJSON(b *bytes.Buffer, v reflect.Value, depth int) error {
	if depth > maxJSONDepth {
		return fmt.Errorf("json: nesting deeper than %d (a cycle?)", maxJSONDepth)
	}
	if !v.IsValid() {
		b.WriteString("null")
		return nil
	}
	t := v.Type()
	// Types that encode themselves: delegate to encoding/json, which
	// handles the nil pointer and the text form the same way.
	if (t.Implements(jsonMarshalerType) || t.Implements(textMarshalerType)) && t.Kind() != reflect.Interface {
		if t.Kind() == reflect.Pointer && v.IsNil() {
			b.WriteString("null")
			return nil
		}
		j, err := json.Marshal(v.Interface())
		if err != nil {
			return err
		}
		b.Write(j)
		return nil
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			b.WriteString(`"` + nonFinite(f) + `"`)
			return nil
		}
		var j []byte
		var err error
		if t.Kind() == reflect.Float32 {
			j, err = json.Marshal(float32(f))
		} else {
			j, err = json.Marshal(f)
		}
		if err != nil {
			return err
		}
		b.Write(j)
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		j, err := json.Marshal(v.Interface())
		if err != nil {
			return err
		}
		b.Write(j)
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			b.WriteString("null")
			return nil
		}
		return encodeJSON(b, v.Elem(), depth+1)
	case reflect.Slice:
		if v.IsNil() {
			b.WriteString("null")
			return nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			j, err := json.Marshal(v.Interface()) // base64, as encoding/json
			if err != nil {
				return err
			}
			b.Write(j)
			return nil
		}
		return encodeArray(b, v, depth)
	case reflect.Array:
		return encodeArray(b, v, depth)
	case reflect.Map:
		if v.IsNil() {
			b.WriteString("null")
			return nil
		}
		if t.Key().Kind() != reflect.String {
			return fmt.Errorf("json: unsupported map key type %s", t.Key())
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, c reflect.Value) int { return strings.Compare(a.String(), c.String()) })
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kj, _ := json.Marshal(k.String())
			b.Write(kj)
			b.WriteByte(':')
			if err := encodeJSON(b, v.MapIndex(k), depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case reflect.Struct:
		b.WriteByte('{')
		first := true
		if err := encodeFields(b, v, depth, &first); err != nil {
			return err
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("json: unsupported type %s", t)
	}
	return nil
}

func encodeArray(b *bytes.Buffer, v reflect.Value, depth int) error {
	b.WriteByte('[')
	for i := range v.Len() {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := encodeJSON(b, v.Index(i), depth+1); err != nil {
			return err
		}
	}
	b.WriteByte(']')
	return nil
}

// encodeFields writes the fields of struct v as encoding/json does: the
// fields of untagged embedded structs in place, and where two fields
// claim one name the shallower wins (at equal depth the tagged one; if
// that does not decide, neither is written).
func encodeFields(b *bytes.Buffer, v reflect.Value, depth int, first *bool) error {
	for _, f := range jsonFields(v.Type()) {
		fv, ok := fieldByIndex(v, f.index)
		if !ok || (f.omitEmpty && emptyJSON(fv)) {
			continue
		}
		if !*first {
			b.WriteByte(',')
		}
		*first = false
		kj, _ := json.Marshal(f.name)
		b.Write(kj)
		b.WriteByte(':')
		if err := encodeJSON(b, fv, depth+1); err != nil {
			return fmt.Errorf("field %s: %w", f.name, err)
		}
	}
	return nil
}

// jsonField is a field encoding/json would write.
type jsonField struct {
	name      string
	index     []int
	tagged    bool
	omitEmpty bool
}

// jsonFields lists the fields of struct type t that encoding/json writes,
// in its order (by index sequence), after its dominance rules.
func jsonFields(t reflect.Type) []jsonField {
	var all []jsonField
	var walk func(t reflect.Type, index []int, seen map[reflect.Type]bool)
	walk = func(t reflect.Type, index []int, seen map[reflect.Type]bool) {
		if seen[t] {
			return
		}
		seen[t] = true
		defer delete(seen, t)
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			idx := append(slices.Clone(index), i)
			if sf.Anonymous && name == "" {
				ft := sf.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct && !ft.Implements(jsonMarshalerType) && !reflect.PointerTo(ft).Implements(jsonMarshalerType) {
					walk(ft, idx, seen)
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			f := jsonField{name: name, index: idx, tagged: name != "", omitEmpty: slices.Contains(strings.Split(opts, ","), "omitempty")}
			if f.name == "" {
				f.name = sf.Name
			}
			all = append(all, f)
		}
	}
	walk(t, nil, map[reflect.Type]bool{})
	byName := map[string][]jsonField{}
	for _, f := range all {
		byName[f.name] = append(byName[f.name], f)
	}
	var out []jsonField
	for _, fs := range byName {
		minDepth := len(fs[0].index)
		for _, f := range fs {
			minDepth = min(minDepth, len(f.index))
		}
		var top, tagged []jsonField
		for _, f := range fs {
			if len(f.index) == minDepth {
				top = append(top, f)
				if f.tagged {
					tagged = append(tagged, f)
				}
			}
		}
		switch {
		case len(top) == 1:
			out = append(out, top[0])
		case len(tagged) == 1:
			out = append(out, tagged[0])
		}
	}
	slices.SortFunc(out, func(a, b jsonField) int { return slices.Compare(a.index, b.index) })
	return out
}

// fieldByIndex is v.FieldByIndex that reports false where the path goes
// through a nil embedded pointer (encoding/json skips those fields).
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for k, i := range index {
		if k > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(i)
	}
	return v, true
}

// emptyJSON is encoding/json's notion of empty for omitempty.
func emptyJSON(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// Unmarshal is json.Unmarshal that also reads back what Marshal
// writes for non-finite floats: the strings "NaN", "Inf" and "-Inf" in a
// float field (of nested and embedded structs, of slices and arrays, and
// through pointers) become NaN, +Inf and −Inf. The same strings in a string
// field stay strings. Floats inside maps are not read back: a non-finite
// one there is an error, as with encoding/json.
func Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return json.Unmarshal(data, v)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return json.Unmarshal(data, v) // its error, for the whole input
	}
	if _, err := dec.Token(); err != io.EOF {
		return json.Unmarshal(data, v) // something after the value
	}
	var fixes []nonFiniteFix
	tree = findNonFinite(tree, rv.Type().Elem(), nil, &fixes)
	if len(fixes) == 0 {
		return json.Unmarshal(data, v)
	}
	b, err := json.Marshal(tree)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return err
	}
	for _, f := range fixes {
		f.apply(rv.Elem())
	}
	return nil
}

// nonFiniteFix is a float to set after decoding: where it is, from the
// decoded value, and its value.
type nonFiniteFix struct {
	path  []pathStep
	value float64
}

// pathStep is one step from a value to a float inside it: the struct field
// at index field (through embedded structs) when field is not nil, the
// element elem of a slice or array otherwise. Pointers on the way are
// followed.
type pathStep struct {
	field []int
	elem  int
}

// apply sets the float that f names inside v.
func (f nonFiniteFix) apply(v reflect.Value) {
	deref := func() bool {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return false
			}
			v = v.Elem()
		}
		return true
	}
	for _, s := range f.path {
		if !deref() {
			return
		}
		if s.field != nil {
			w, err := v.FieldByIndexErr(s.field)
			if err != nil {
				return
			}
			v = w
		} else {
			if s.elem >= v.Len() {
				return
			}
			v = v.Index(s.elem)
		}
	}
	if deref() {
		v.SetFloat(f.value)
	}
}

// findNonFinite walks a decoded JSON value beside the type t it will be
// decoded into, replaces each non-finite string that lands in a float by 0
// and records where it is and its value in fixes.
func findNonFinite(node any, t reflect.Type, path []pathStep, fixes *[]nonFiniteFix) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if decodesItself(t) {
		return node
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		if s, ok := node.(string); ok {
			var val float64
			switch s {
			case "NaN":
				val = math.NaN()
			case "Inf":
				val = math.Inf(1)
			case "-Inf":
				val = math.Inf(-1)
			default:
				return node
			}
			*fixes = append(*fixes, nonFiniteFix{slices.Clone(path), val})
			return json.Number("0")
		}
	case reflect.Struct:
		obj, ok := node.(map[string]any)
		if !ok {
			return node
		}
		// The fields encoding/json decodes into, after its dominance rules
		// (the same list Marshal writes).
		for _, f := range jsonFields(t) {
			key, ok := f.name, false
			if _, ok = obj[key]; !ok {
				for k := range obj {
					if strings.EqualFold(k, f.name) {
						key, ok = k, true
						break
					}
				}
			}
			if ok {
				obj[key] = findNonFinite(obj[key], t.FieldByIndex(f.index).Type, append(slices.Clip(path), pathStep{field: f.index}), fixes)
			}
		}
		return obj
	case reflect.Slice, reflect.Array:
		arr, ok := node.([]any)
		if !ok {
			return node
		}
		n := len(arr)
		if t.Kind() == reflect.Array {
			n = min(n, t.Len()) // encoding/json drops the extra elements
		}
		for i := range n {
			arr[i] = findNonFinite(arr[i], t.Elem(), append(slices.Clip(path), pathStep{elem: i}), fixes)
		}
		return arr
	}
	return node
}

var (
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decodesItself reports whether t (or *t) decodes its own JSON, so that a
// non-finite string in it is its business.
func decodesItself(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Implements(jsonUnmarshalerType) || pt.Implements(jsonUnmarshalerType) ||
		t.Implements(textUnmarshalerType) || pt.Implements(textUnmarshalerType)
}
