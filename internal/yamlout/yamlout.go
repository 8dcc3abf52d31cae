// Package yamlout writes generated YAML artifacts: the generated-code
// header, optional comment lines, then the document(s), two-space
// indented, with map keys sorted (yaml.v3's behaviour), so output is
// byte-stable.
package yamlout

import (
	"bytes"

	"go.yaml.in/yaml/v3"

	"github.com/vigil-dev/vigil/compiler"
)

// Render writes v after the header and comments.
func Render(v any, comments ...string) ([]byte, error) {
	return RenderDocs([]any{v}, comments...)
}

// RenderDocs writes several documents separated by "---".
func RenderDocs(docs []any, comments ...string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# " + compiler.GeneratedHeader + "\n")
	for _, c := range comments {
		buf.WriteString("# " + c + "\n")
	}
	for i, d := range docs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		enc := yaml.NewEncoder(&buf)
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
