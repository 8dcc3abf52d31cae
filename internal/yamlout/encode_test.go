package yamlout

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"

	"github.com/vigil-dev/vigil/drift/config"
	"github.com/vigil-dev/vigil/internal/yamlout/yamltest"
)

// Types that reach every branch of the writer, and some it must refuse.
type (
	kitchen struct {
		S        string            `yaml:"s"`
		SO       string            `yaml:"so,omitempty"`
		I        int               `yaml:"i,omitempty"`
		I8       int8              `yaml:"i8"`
		U        uint32            `yaml:"u,omitempty"`
		F        float64           `yaml:"f,omitempty"`
		F32      float32           `yaml:"f32"`
		B        bool              `yaml:"b,omitempty"`
		P        *inner            `yaml:"p,omitempty"`
		PN       *inner            `yaml:"pn"`
		In       inner             `yaml:"in,omitempty"`
		Strs     []string          `yaml:"strs"`
		StrsO    []string          `yaml:"strs_o,omitempty"`
		Items    []inner           `yaml:"items,omitempty"`
		PItems   []*inner          `yaml:"p_items"`
		M        map[string]string `yaml:"m"`
		MI       map[string]inner  `yaml:"mi,omitempty"`
		Any      any               `yaml:"any"`
		D        time.Duration     `yaml:"d,omitempty"`
		MD       model.Duration    `yaml:"md,omitempty"`
		Named    named             `yaml:"named"`
		NoTag    string
		Skip     string           `yaml:"-"`
		private  string           //nolint:unused // must be ignored
		Arr      [2]string        `yaml:"arr"`
		Nested   [][]string       `yaml:"nested,omitempty"`
		Bytes    []byte           `yaml:"bytes,omitempty"`
		MNamed   map[named]string `yaml:"m_named,omitempty"`
		Inl      *inlined         `yaml:"inl,omitempty"`
		Flowed   []string         `yaml:"flowed,flow,omitempty"`
		TimeO    *time.Time       `yaml:"time_o,omitempty"`
		Interval model.Duration   `yaml:"interval"`
	}
	inner struct {
		A string `yaml:"a"`
		B int    `yaml:"b,omitempty"`
		C []int  `yaml:"c,omitempty"`
	}
	named   string
	inlined struct {
		inner `yaml:",inline"`
		X     string `yaml:"x"`
	}
)

// filler fills values of any type at random.
type filler struct {
	r    *rand.Rand
	tame bool // strings redrawn until the scalar writer takes them
}

func (f *filler) str() string {
	for {
		s := yamltest.String(f.r)
		if _, ok := AppendValue(nil, s, 0); ok || !f.tame {
			return s
		}
	}
}

func (f *filler) key() string {
	for {
		s := yamltest.String(f.r)
		if _, ok := AppendKey(nil, s); ok || !f.tame {
			return s
		}
	}
}

var floats = []float64{0, math.Copysign(0, -1), 1, -1.5, 0.1, 1e21, 1e-7, 123456789, math.Inf(1), math.Inf(-1), math.NaN(), 0.999, 1.0 / 3}

// fill sets v (settable) to a random value of its type; depth bounds the
// recursion.
func (f *filler) fill(v reflect.Value, depth int) {
	r := f.r
	switch t := v.Type(); {
	case t == reflect.TypeFor[time.Duration]():
		v.SetInt(r.Int64N(int64(100 * time.Hour)))
		return
	case t == reflect.TypeFor[model.Duration]():
		if r.IntN(2) == 0 {
			v.SetInt(r.Int64N(int64(400 * 24 * time.Hour)))
		}
		return
	case t == reflect.TypeFor[time.Time]():
		return
	case t == reflect.TypeFor[config.Number]():
		// Numbers as the compiler writes them, and a few it does not.
		valid := []string{"0.001", "1", "30", "2.5e-3", "-1", "0", "0.10", "1E6"}
		odd := []string{"abc", "", "1_000", "+1", ".5", "017"}
		if r.IntN(10) == 0 {
			v.SetString(odd[r.IntN(len(odd))])
		} else {
			v.SetString(valid[r.IntN(len(valid))])
		}
		return
	}
	switch v.Kind() {
	case reflect.String:
		if r.IntN(4) != 0 {
			v.SetString(f.str())
		}
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if r.IntN(3) != 0 {
			v.SetInt(r.Int64N(200) - 100)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if r.IntN(3) != 0 {
			v.SetUint(r.Uint64N(1000))
		}
	case reflect.Float32, reflect.Float64:
		v.SetFloat(floats[r.IntN(len(floats))])
	case reflect.Pointer:
		if depth > 0 && r.IntN(3) != 0 {
			p := reflect.New(v.Type().Elem())
			f.fill(p.Elem(), depth-1)
			v.Set(p)
		}
	case reflect.Interface:
		if depth == 0 {
			return
		}
		choices := []any{"", 0, false, 1.5, map[string]string{}, []string{}, inner{}, &inner{}, map[string]any{}, []any{}, config.Number("")}
		if r.IntN(len(choices)+1) == 0 {
			return // nil
		}
		c := reflect.New(reflect.TypeOf(choices[r.IntN(len(choices))]))
		f.fill(c.Elem(), depth-1)
		v.Set(c.Elem())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), depth)
			}
		}
	case reflect.Slice:
		if r.IntN(4) == 0 || depth == 0 {
			return
		}
		n := r.IntN(4)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			f.fill(s.Index(i), depth-1)
		}
		v.Set(s)
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			f.fill(v.Index(i), depth-1)
		}
	case reflect.Map:
		if r.IntN(4) == 0 || depth == 0 {
			return
		}
		m := reflect.MakeMap(v.Type())
		for n := r.IntN(4); n > 0; n-- {
			k := reflect.New(v.Type().Key()).Elem()
			if k.Kind() == reflect.String {
				k.SetString(f.key())
				if r.IntN(2) == 0 {
					k.SetString([]string{"model", "slo", "x1", "x10", "A", "_a", "b"}[r.IntN(7)])
				}
			}
			e := reflect.New(v.Type().Elem()).Elem()
			f.fill(e, depth-1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	}
}

// TestAppendDocMatchesYAMLv3 fills vigil's artifact types and the types
// above at random and compares the writer with yaml.v3 on every value
// the writer accepts; it also requires that the writer accepts most of
// the tame values of the artifact types (so the property is not
// vacuous) and refuses the kitchen type when one of its unsupported
// fields is set.
func TestAppendDocMatchesYAMLv3(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	types := []reflect.Type{
		reflect.TypeFor[rulefmt.RuleGroups](),
		reflect.TypeFor[config.Config](),
		reflect.TypeFor[kitchen](),
		reflect.TypeFor[map[string]inner](),
		reflect.TypeFor[map[string]any](),
	}
	for _, typ := range types {
		accepted, tameAccepted, tameTotal := 0, 0, 0
		const total = 1500
		for n := 0; n < total; n++ {
			f := filler{r: r, tame: r.IntN(5) != 0}
			v := reflect.New(typ)
			f.fill(v.Elem(), 4)
			if k, ok := v.Interface().(*kitchen); ok && r.IntN(4) != 0 {
				// Mostly without the fields the writer refuses.
				k.Nested, k.Bytes, k.MNamed, k.Inl, k.Flowed, k.TimeO = nil, nil, nil, nil, nil, nil
			}
			doc := v.Interface()
			if r.IntN(2) == 0 {
				doc = v.Elem().Interface()
			}
			got, ok := appendDoc(nil, doc)
			if f.tame {
				tameTotal++
			}
			if !ok {
				continue
			}
			accepted++
			if f.tame {
				tameAccepted++
			}
			if want := encodeV3(t, doc); string(got) != want {
				t.Fatalf("%v value %d: the writer differs from yaml.v3\nwriter:\n%s\nyaml.v3:\n%s", typ, n, got, want)
			}
		}
		t.Logf("%v: %d of %d values took the writer (%d of %d tame ones)", typ, accepted, total, tameAccepted, tameTotal)
		if tameAccepted < tameTotal/3 {
			t.Errorf("%v: only %d of %d tame values took the writer", typ, tameAccepted, tameTotal)
		}
	}
}

// TestAppendDocRefusesWhatItDoesNotSupport: each unsupported construct
// alone makes the writer fall back (and yaml.v3 then writes it).
func TestAppendDocRefusesWhatItDoesNotSupport(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for name, v := range map[string]kitchen{
		"nested sequence":   {Nested: [][]string{{"a"}}},
		"bytes":             {Bytes: []byte("a")},
		"named map key":     {MNamed: map[named]string{"a": "b"}},
		"inline":            {Inl: &inlined{X: "x"}},
		"flow":              {Flowed: []string{"a"}},
		"time":              {TimeO: &now},
		"unsupported value": {S: "a\tb"},
	} {
		if _, ok := appendDoc(nil, v); ok {
			t.Errorf("%s: the writer took it", name)
		}
		b, err := RenderDocs([]any{v})
		if err != nil {
			t.Fatal(err)
		}
		if want := "# " + "Code generated by vigil. DO NOT EDIT." + "\n" + encodeV3(t, v); string(b) != want {
			t.Errorf("%s: RenderDocs differs from yaml.v3", name)
		}
	}
	for name, v := range map[string]any{"empty map": map[string]string{}, "sequence": []string{"a"}, "string": "a", "nil": nil} {
		if _, ok := appendDoc(nil, v); ok {
			t.Errorf("%s: the writer took a document that is not a non-empty mapping", name)
		}
	}
}
