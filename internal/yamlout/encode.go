package yamlout

import (
	"encoding"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"
)

// A reflection-based writer of block-style documents that produces the
// bytes yaml.v3's Encoder (indent 2) produces for the same value, about
// ten times faster: it writes bytes directly instead of going through
// yaml.v3's event emitter. It follows yaml.v3's encoder (encode.go:
// marshal, structv, mapv, slicev and the scalar functions; yaml.go:
// getStructInfo and isZero) for the values vigil's artifacts are built
// from, and reports false for anything outside that subset, in which case
// Render falls back to yaml.v3 for the whole document:
//
//   - the document is a non-empty mapping (a struct or a map);
//   - struct fields with `inline` or `flow`, anonymous (embedded) fields,
//     time.Time, []byte, map keys that are not plain strings, and
//     sequences directly inside sequences are not supported;
//   - a yaml.Node (from a MarshalYAML) only as a plain !!int or !!float
//     scalar whose value resolves to its tag (numericNode);
//   - strings are those the scalar writer (scalar.go) supports.
//
// encode_test.go compares it with yaml.v3 on random values of vigil's
// artifact types and of types made to reach every branch.

// appendDoc appends the document for v, or reports false (dst unchanged)
// when v is outside the supported subset.
func appendDoc(dst []byte, v any) ([]byte, bool) {
	e := encoder{buf: dst}
	rv, ok := e.resolve(reflect.ValueOf(v))
	if !ok || !rv.IsValid() {
		return dst, false
	}
	empty, ok := mappingEmpty(rv)
	if !ok || empty {
		return dst, false
	}
	if !e.mapping(rv, 0, false) {
		return dst, false
	}
	return e.buf, true
}

type encoder struct {
	buf []byte
}

var (
	marshalerType     = reflect.TypeFor[yaml.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	isZeroerType      = reflect.TypeFor[yaml.IsZeroer]()
	durationType      = reflect.TypeFor[time.Duration]()
	timeType          = reflect.TypeFor[time.Time]()
	nodeType          = reflect.TypeFor[yaml.Node]()
)

// resolve follows yaml.v3's marshal down to the value it writes: pointers
// and interfaces are dereferenced, yaml.Marshaler and
// encoding.TextMarshaler are called, time.Duration becomes its String.
// An invalid result stands for null. It reports false for values outside
// the subset.
func (e *encoder) resolve(in reflect.Value) (reflect.Value, bool) {
	for {
		if !in.IsValid() || in.Kind() == reflect.Pointer && in.IsNil() {
			return reflect.Value{}, true
		}
		t := in.Type()
		switch {
		case t == nodeType || t == reflect.PointerTo(nodeType):
			if !in.CanInterface() {
				return in, false
			}
			n, ok := in.Interface().(*yaml.Node)
			if !ok {
				nv := in.Interface().(yaml.Node)
				n = &nv
			}
			return numericNode(n)
		case t == timeType || t == reflect.PointerTo(timeType):
			return in, false
		case t == durationType:
			return reflect.ValueOf(time.Duration(in.Int()).String()), true
		case t.Implements(marshalerType):
			if !in.CanInterface() {
				return in, false
			}
			v, err := in.Interface().(yaml.Marshaler).MarshalYAML()
			if err != nil {
				return in, false
			}
			if v == nil {
				return reflect.Value{}, true
			}
			in = reflect.ValueOf(v)
			continue
		case t.Implements(textMarshalerType):
			if !in.CanInterface() {
				return in, false
			}
			text, err := in.Interface().(encoding.TextMarshaler).MarshalText()
			if err != nil {
				return in, false
			}
			return reflect.ValueOf(string(text)), true
		}
		switch in.Kind() {
		case reflect.Interface:
			if in.IsNil() {
				return reflect.Value{}, true
			}
			in = in.Elem()
		case reflect.Pointer:
			in = in.Elem()
		default:
			return in, true
		}
	}
}

// plainScalar is a scalar written as is, unquoted.
type plainScalar string

var plainScalarType = reflect.TypeFor[plainScalar]()

var (
	intRE   = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)
	floatRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)
)

// numericNode supports the one kind of yaml.Node vigil's types marshal
// to (drift config numbers): a plain scalar tagged !!int or !!float whose
// value yaml.v3 resolves to that same tag, so yaml.v3 drops the tag and
// writes the value plain. Anything else is outside the subset.
func numericNode(n *yaml.Node) (reflect.Value, bool) {
	if n.Kind != yaml.ScalarNode || n.Style != 0 || n.Anchor != "" || n.Alias != nil ||
		n.HeadComment != "" || n.LineComment != "" || n.FootComment != "" || len(n.Content) > 0 {
		return reflect.Value{}, false
	}
	switch {
	case n.Tag == "!!int" && intRE.MatchString(n.Value),
		n.Tag == "!!float" && floatRE.MatchString(n.Value) && !intRE.MatchString(n.Value):
		return reflect.ValueOf(plainScalar(n.Value)), true
	}
	return reflect.Value{}, false
}

// mappingEmpty reports whether v (resolved) would be written as an empty
// mapping, stopping at the first entry it finds, and false for ok when v
// is not a supported mapping.
func mappingEmpty(v reflect.Value) (empty, ok bool) {
	switch v.Kind() {
	case reflect.Map:
		if v.Type().Key() != reflect.TypeFor[string]() {
			return false, false
		}
		return v.Len() == 0, true
	case reflect.Struct:
		fields, ok := structFields(v.Type())
		if !ok {
			return false, false
		}
		for _, f := range fields {
			if !f.omitEmpty || !isZero(v.Field(f.index)) {
				return false, true
			}
		}
		return true, true
	}
	return false, false
}

// value writes v (resolved) after a mapping key written at column indent
// (inSeq false), or after "-" of a sequence item at column indent (inSeq
// true), and ends the line.
func (e *encoder) value(v reflect.Value, indent int, inSeq bool) bool {
	v, ok := e.resolve(v)
	if !ok {
		return false
	}
	if !v.IsValid() {
		e.buf = append(e.buf, " null\n"...)
		return true
	}
	if v.Type() == plainScalarType {
		e.buf = append(e.buf, ' ')
		e.buf = append(e.buf, v.String()...)
		e.buf = append(e.buf, '\n')
		return true
	}
	switch v.Kind() {
	case reflect.String:
		if e.buf, ok = AppendValue(e.buf, v.String(), indent); !ok {
			return false
		}
		e.buf = append(e.buf, '\n')
		return true
	case reflect.Bool:
		e.buf = append(e.buf, ' ')
		e.buf = strconv.AppendBool(e.buf, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.buf = append(e.buf, ' ')
		e.buf = strconv.AppendInt(e.buf, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.buf = append(e.buf, ' ')
		e.buf = strconv.AppendUint(e.buf, v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		e.buf = append(e.buf, ' ')
		e.buf = appendFloat(e.buf, v.Float(), v.Type().Bits())
	case reflect.Map, reflect.Struct:
		empty, ok := mappingEmpty(v)
		if !ok {
			return false
		}
		if empty {
			e.buf = append(e.buf, " {}\n"...)
			return true
		}
		if inSeq {
			// "- " then the first key on the same line.
			e.buf = append(e.buf, ' ')
			return e.mapping(v, indent+2, true)
		}
		e.buf = append(e.buf, '\n')
		return e.mapping(v, indent+2, false)
	case reflect.Slice, reflect.Array:
		if inSeq || v.Type().Elem().Kind() == reflect.Uint8 {
			return false
		}
		if v.Len() == 0 {
			e.buf = append(e.buf, " []\n"...)
			return true
		}
		e.buf = append(e.buf, '\n')
		for i := 0; i < v.Len(); i++ {
			e.indent(indent + 2)
			e.buf = append(e.buf, '-')
			if !e.value(v.Index(i), indent+2, true) {
				return false
			}
		}
		return true
	default:
		return false
	}
	e.buf = append(e.buf, '\n')
	return true
}

// mapping writes the entries of a struct or map (resolved, non-empty) with
// keys at column indent; when inline, the first key follows what is
// already on the line.
func (e *encoder) mapping(v reflect.Value, indent int, inline bool) bool {
	first := inline
	entry := func(key string, val reflect.Value) bool {
		if !first {
			e.indent(indent)
		}
		first = false
		var ok bool
		if e.buf, ok = AppendKey(e.buf, key); !ok {
			return false
		}
		e.buf = append(e.buf, ':')
		return e.value(val, indent, false)
	}
	if v.Kind() == reflect.Map {
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sortKeys(keys)
		for _, k := range keys {
			if !entry(k, v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key()))) {
				return false
			}
		}
		return true
	}
	fields, _ := structFields(v.Type())
	for _, f := range fields {
		fv := v.Field(f.index)
		if f.omitEmpty && isZero(fv) {
			continue
		}
		if f.flow || !entry(f.key, fv) {
			return false
		}
	}
	return true
}

// indent writes n spaces.
func (e *encoder) indent(n int) { e.buf = appendSpaces(e.buf, n) }

// field is a struct field as yaml.v3's getStructInfo sees it.
type field struct {
	index     int
	key       string
	omitEmpty bool
	flow      bool // not supported: the writer refuses a value that writes it
}

var structCache sync.Map // reflect.Type → []field, or nil when unsupported

// structFields returns t's fields in yaml.v3's order, and false when t
// has a field outside the subset (inline, anonymous, an unknown flag, a
// duplicate key); a flow field is refused only when it is written.
func structFields(t reflect.Type) ([]field, bool) {
	if c, ok := structCache.Load(t); ok {
		fs := c.([]field)
		return fs, fs != nil
	}
	fs, ok := buildFields(t)
	if !ok {
		fs = nil
	}
	structCache.Store(t, fs)
	return fs, ok
}

func buildFields(t reflect.Type) ([]field, bool) {
	fs := []field{}
	seen := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous {
			return nil, false
		}
		if sf.PkgPath != "" {
			continue // unexported
		}
		tag := sf.Tag.Get("yaml")
		if tag == "" && !strings.Contains(string(sf.Tag), ":") {
			tag = string(sf.Tag)
		}
		if tag == "-" {
			continue
		}
		f := field{index: i}
		parts := strings.Split(tag, ",")
		for _, flag := range parts[1:] {
			switch flag {
			case "omitempty":
				f.omitEmpty = true
			case "flow":
				f.flow = true
			default: // inline, or a flag yaml.v3 refuses
				return nil, false
			}
		}
		f.key = parts[0]
		if f.key == "" {
			f.key = strings.ToLower(sf.Name)
		}
		if seen[f.key] {
			return nil, false
		}
		seen[f.key] = true
		fs = append(fs, f)
	}
	return fs, true
}

// isZero is yaml.v3's isZero (omitempty).
func isZero(v reflect.Value) bool {
	kind := v.Kind()
	if v.Type().Implements(isZeroerType) && v.CanInterface() {
		if (kind == reflect.Pointer || kind == reflect.Interface) && v.IsNil() {
			return true
		}
		return v.Interface().(yaml.IsZeroer).IsZero()
	}
	switch kind {
	case reflect.String:
		return v.Len() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Struct:
		t := v.Type()
		for i := v.NumField() - 1; i >= 0; i-- {
			if t.Field(i).PkgPath != "" {
				continue
			}
			if !isZero(v.Field(i)) {
				return false
			}
		}
		return true
	}
	return false
}

// appendFloat writes a float of the given bit size (32 or 64) as
// yaml.v3's encoder does (floatv): the shortest 'g' form, or .inf, -.inf,
// .nan.
func appendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, ".inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-.inf"...)
	case math.IsNaN(f):
		return append(dst, ".nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}
