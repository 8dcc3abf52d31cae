package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/vigil-dev/vigil/diag"
)

// Reporter collects findings.
type Reporter struct{ Findings Findings }

// Drop records source content that was not imported.
func (r *Reporter) Drop(n Node, msg, instead string) {
	r.Findings = append(r.Findings, Finding{Level: Dropped, Pos: n.Pos(), Path: n.Path, Message: msg, Instead: instead})
}

// Note records a change that keeps the meaning.
func (r *Reporter) Note(n Node, msg, instead string) {
	r.Findings = append(r.Findings, Finding{Level: Note, Pos: n.Pos(), Path: n.Path, Message: msg, Instead: instead})
}

// Node is a YAML node with the file it came from and its field path.
type Node struct {
	N    *yaml.Node
	File string
	Path string
	// parent positions an absent field (N nil) at the mapping that lacks
	// it.
	parent *yaml.Node
}

// Pos is the node's position (for an absent field, the position of the
// mapping that lacks it).
func (n Node) Pos() diag.Position {
	if n.N == nil {
		if n.parent != nil {
			return diag.Position{File: n.File, Line: n.parent.Line, Column: n.parent.Column}
		}
		return diag.Position{File: n.File}
	}
	return diag.Position{File: n.File, Line: n.N.Line, Column: n.N.Column}
}

// Valid reports whether the node exists.
func (n Node) Valid() bool { return n.N != nil }

// child is the node of field key (value) or index i.
func (n Node) field(key string, v *yaml.Node) Node {
	p := key
	if n.Path != "" {
		p = n.Path + "." + key
	}
	return Node{N: resolve(v), File: n.File, Path: p}
}

// Index is the node of list element i.
func (n Node) Index(i int) Node {
	return Node{N: resolve(n.N.Content[i]), File: n.File, Path: fmt.Sprintf("%s[%d]", n.Path, i)}
}

func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// IsNull reports whether the node is absent or an explicit null.
func (n Node) IsNull() bool {
	return n.N == nil || (n.N.Kind == yaml.ScalarNode && n.N.Tag == "!!null")
}

// Kind names the node's YAML kind for messages.
func (n Node) Kind() string {
	if n.N == nil {
		return "nothing"
	}
	switch n.N.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.N.Tag {
		case "!!null":
			return "null"
		case "!!str":
			return "a string"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		}
		return "a scalar"
	}
	return "an unsupported YAML node"
}

// Obj is a YAML mapping whose fields are consumed one by one, so that
// the fields nobody read can be reported.
type Obj struct {
	Node
	keys []Node // key nodes, in order
	vals []Node
	used []bool
}

// AsObj returns n as a mapping; ok is false (and a finding recorded) when
// it is not one. A null node is an empty mapping.
func (r *Reporter) AsObj(n Node) (*Obj, bool) {
	o := &Obj{Node: n}
	if n.IsNull() {
		return o, true
	}
	if n.N.Kind != yaml.MappingNode {
		r.Drop(n, "expected a mapping, found "+n.Kind(), "")
		return o, false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.N.Content); i += 2 {
		k := n.N.Content[i]
		kn := Node{N: k, File: n.File, Path: n.Path}
		if seen[k.Value] {
			r.Drop(kn, fmt.Sprintf("duplicate field %q; the first one was imported", k.Value), "remove one of them")
			continue
		}
		seen[k.Value] = true
		o.keys = append(o.keys, kn)
		o.vals = append(o.vals, n.field(k.Value, n.N.Content[i+1]))
		o.used = append(o.used, false)
	}
	return o, true
}

// Get returns field key's value node and marks it read; the node is
// invalid when the field is absent.
func (o *Obj) Get(key string) Node {
	for i, k := range o.keys {
		if k.N.Value == key {
			o.used[i] = true
			return o.vals[i]
		}
	}
	p := key
	if o.Path != "" {
		p = o.Path + "." + key
	}
	return Node{File: o.File, Path: p, parent: o.N}
}

// Has reports whether field key is present.
func (o *Obj) Has(key string) bool {
	for _, k := range o.keys {
		if k.N.Value == key {
			return true
		}
	}
	return false
}

// Skip marks fields as read without looking at them.
func (o *Obj) Skip(keys ...string) {
	for _, k := range keys {
		o.Get(k)
	}
}

// Fields returns the keys and values of every field (and marks them read).
func (o *Obj) Fields() (keys, vals []Node) {
	for i := range o.used {
		o.used[i] = true
	}
	return o.keys, o.vals
}

// Unknown reports every field nobody read as not imported.
func (o *Obj) Unknown(r *Reporter, what string) {
	for i, k := range o.keys {
		if o.used[i] {
			continue
		}
		r.Drop(o.vals[i], fmt.Sprintf("unknown field %q in %s", k.N.Value, what), "check its spelling against the format's specification")
	}
}

// Str returns a scalar field as a string (numbers and booleans as
// written); a non-scalar value is reported and gives ok false. Absent or
// null gives "", true.
func (r *Reporter) Str(n Node) (string, bool) {
	if n.IsNull() {
		return "", true
	}
	if n.N.Kind != yaml.ScalarNode {
		r.Drop(n, "expected a string, found "+n.Kind(), "")
		return "", false
	}
	return n.N.Value, true
}

// Bool returns a boolean field; absent is false.
func (r *Reporter) Bool(n Node) (bool, bool) {
	if n.IsNull() {
		return false, true
	}
	if n.N.Kind == yaml.ScalarNode {
		switch strings.ToLower(n.N.Value) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	r.Drop(n, "expected true or false, found "+n.Kind(), "")
	return false, false
}

var numberRE = regexp.MustCompile(`^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$`)

// Number returns a numeric field as its decimal text (as written, when
// it is a plain decimal) and its value.
func (r *Reporter) Number(n Node) (string, float64, bool) {
	if n.IsNull() || n.N.Kind != yaml.ScalarNode || !numberRE.MatchString(strings.TrimSpace(n.N.Value)) {
		r.Drop(n, "expected a non-negative number, found "+n.Kind(), "")
		return "", 0, false
	}
	s := strings.TrimPrefix(strings.TrimSpace(n.N.Value), "+")
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		r.Drop(n, "expected a number: "+err.Error(), "")
		return "", 0, false
	}
	return s, f, true
}

// Entry is one field of a mapping of scalars.
type Entry struct {
	Key   string
	Value string
	// Node is the value's node (its position and path).
	Node Node
}

// StringMap reads a mapping of scalars (labels, annotations, options).
// Values that are not scalars are reported.
func (r *Reporter) StringMap(n Node) []Entry {
	o, ok := r.AsObj(n)
	if !ok {
		return nil
	}
	var out []Entry
	ks, vs := o.Fields()
	for i, k := range ks {
		v, ok := r.Str(vs[i])
		if !ok {
			continue
		}
		out = append(out, Entry{Key: k.N.Value, Value: v, Node: vs[i]})
	}
	return out
}

// List returns the elements of a sequence; null is empty.
func (r *Reporter) List(n Node) ([]Node, bool) {
	if n.IsNull() {
		return nil, true
	}
	if n.N.Kind != yaml.SequenceNode {
		r.Drop(n, "expected a list, found "+n.Kind(), "")
		return nil, false
	}
	out := make([]Node, len(n.N.Content))
	for i := range n.N.Content {
		out[i] = n.Index(i)
	}
	return out, true
}

// maxFileSize bounds the files an import reads.
const maxFileSize = 32 << 20

// Documents parses a multi-document YAML file into its documents' root
// nodes. A syntax error is reported with its line and ends the file.
func (r *Reporter) Documents(file string, data []byte) []Node {
	if len(data) > maxFileSize {
		r.Drop(Node{File: file}, fmt.Sprintf("file is larger than %d MiB", maxFileSize>>20), "split it")
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []Node
	for {
		var doc yaml.Node
		err := decodeSafe(dec, &doc)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			n := Node{File: file}
			line := 0
			if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
				line, _ = strconv.Atoi(m[1])
			}
			n.N = &yaml.Node{Line: line}
			r.Drop(n, "YAML syntax error: "+strings.TrimPrefix(err.Error(), "yaml: "), "fix the file; nothing after this point was read")
			return out
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := resolve(doc.Content[0])
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue
		}
		out = append(out, Node{N: root, File: file})
	}
}

var lineRE = regexp.MustCompile(`line (\d+)`)

// decodeSafe decodes one document, turning a panic of the decoder into an
// error.
func decodeSafe(dec *yaml.Decoder, v *yaml.Node) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the YAML decoder failed: %v", p)
		}
	}()
	return dec.Decode(v)
}
