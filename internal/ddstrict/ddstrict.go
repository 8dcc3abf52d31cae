// Package ddstrict decodes Datadog API payloads strictly into the
// official client's model types (github.com/DataDog/datadog-api-client-go/v2).
//
// The client's types decode leniently: their UnmarshalJSON keeps unknown
// fields in AdditionalProperties, and keeps the raw object in
// UnparsedObject when a value does not fit (an unknown enum value, a
// nested object that misses a required field, a union no variant
// matches), without returning an error. json.Decoder's
// DisallowUnknownFields does not reach into custom UnmarshalJSON
// methods, so it cannot see either. Decode therefore (1) decodes with
// the type's own UnmarshalJSON, which enforces the type's required
// fields at the top level, (2) walks the result and fails on any
// non-empty UnparsedObject or AdditionalProperties at any depth, and
// (3) re-encodes the value and requires the same JSON as the input, so
// nothing was dropped on the way.
package ddstrict

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Decode decodes data into a T strictly (see the package comment).
func Decode[T any](data []byte) (T, error) {
	var v T
	// The outer structure (a JSON array of payloads, say) is decoded
	// with unknown fields disallowed; the client's UnmarshalJSON takes
	// over for its own types.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, err
	}
	if dec.More() {
		return v, fmt.Errorf("data after the JSON value")
	}
	if err := Check(v); err != nil {
		return v, err
	}
	again, err := json.Marshal(v)
	if err != nil {
		return v, fmt.Errorf("re-encoding: %w", err)
	}
	var in, out any
	if err := json.Unmarshal(data, &in); err != nil {
		return v, err
	}
	if err := json.Unmarshal(again, &out); err != nil {
		return v, err
	}
	if !reflect.DeepEqual(in, out) {
		return v, fmt.Errorf("the payload does not survive decoding into %T and encoding again: %s", v, firstDiff("", in, out))
	}
	return v, nil
}

// Check fails when any value reachable from v (structs, pointers,
// slices, maps) has a non-empty UnparsedObject or AdditionalProperties.
func Check(v any) error {
	return walk(reflect.ValueOf(v), "$")
}

func walk(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return walk(v.Elem(), path)
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if err := walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if err := walk(v.MapIndex(k), fmt.Sprintf("%s[%v]", path, k)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			switch f.Name {
			case "UnparsedObject":
				if !empty(fv) {
					return fmt.Errorf("%s: %s does not fit %s: %v", path, describe(fv), t.Name(), keys(fv))
				}
				continue
			case "AdditionalProperties":
				if !empty(fv) {
					return fmt.Errorf("%s: unknown fields for %s: %v", path, t.Name(), keys(fv))
				}
				continue
			}
			name := f.Name
			if tag := strings.Split(f.Tag.Get("json"), ",")[0]; tag != "" && tag != "-" {
				name = tag
			}
			if err := walk(fv, path+"."+name); err != nil {
				return err
			}
		}
	}
	return nil
}

// empty reports whether an UnparsedObject or AdditionalProperties field
// holds nothing (they are maps in model types, an interface in unions).
func empty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Map, reflect.Slice:
		return v.Len() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return v.IsZero()
}

func describe(v reflect.Value) string {
	if v.Kind() == reflect.Map {
		return "an object"
	}
	return "a value"
}

func keys(v reflect.Value) []string {
	if v.Kind() != reflect.Map {
		return nil
	}
	var out []string
	for _, k := range v.MapKeys() {
		out = append(out, fmt.Sprint(k.Interface()))
	}
	sort.Strings(out)
	return out
}

// firstDiff describes the first difference between two decoded JSON
// values.
func firstDiff(path string, a, b any) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return path + ": object became " + fmt.Sprintf("%T", b)
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok {
				return path + "." + k + ": dropped"
			}
			if !reflect.DeepEqual(v, w) {
				return firstDiff(path+"."+k, v, w)
			}
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				return path + "." + k + ": added"
			}
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return path + ": array changed length or type"
		}
		for i := range x {
			if !reflect.DeepEqual(x[i], y[i]) {
				return firstDiff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i])
			}
		}
	}
	return fmt.Sprintf("%s: %v became %v", path, a, b)
}
