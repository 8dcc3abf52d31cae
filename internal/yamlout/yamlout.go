// Package yamlout writes generated YAML artifacts: the generated-code
// header, optional comment lines, then the document(s), two-space
// indented, with map keys sorted (yaml.v3's behaviour), so output is
// byte-stable.
package yamlout

import (
	"bytes"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/vigil-dev/vigil/compiler"
)

// Render writes v after the header and comments.
func Render(v any, comments ...string) ([]byte, error) {
	return RenderDocs([]any{v}, comments...)
}

// RenderDocs writes several documents separated by "---". The bytes are
// yaml.v3's Encoder's (indent 2); the faster writer in encode.go produces
// them when every document is in the subset it supports.
func RenderDocs(docs []any, comments ...string) ([]byte, error) {
	header := []byte("# " + compiler.GeneratedHeader + "\n")
	for _, c := range comments {
		header = append(header, "# "+c+"\n"...)
	}
	if b, ok := appendDocs(slices.Clip(header), docs); ok {
		return b, nil
	}
	buf := bytes.NewBuffer(header)
	for i, d := range docs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		enc := yaml.NewEncoder(buf)
		enc.SetIndent(2)
		if err := enc.Encode(d); err != nil {
			return nil, err
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// appendDocs writes the documents with the writer in encode.go, or
// reports false when one of them is outside its subset.
func appendDocs(dst []byte, docs []any) ([]byte, bool) {
	for i, d := range docs {
		if i > 0 {
			dst = append(dst, "---\n"...)
		}
		var ok bool
		if dst, ok = appendDoc(dst, d); !ok {
			return nil, false
		}
	}
	return dst, true
}
