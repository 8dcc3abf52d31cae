package output

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ManifestName is the manifest's file name inside the output directory.
const ManifestName = ".vigil-manifest.json"

// Manifest lists the files a compile wrote, so the next compile can remove
// the ones it no longer generates and never touch anything else.
type Manifest struct {
	// Generator is always "vigil".
	Generator string `json:"generator"`
	// Files are slash-separated paths relative to the output directory,
	// sorted.
	Files []string `json:"files"`
}

// Encode renders the manifest (deterministic, trailing newline).
func (m Manifest) Encode() []byte {
	b, _ := json.MarshalIndent(m, "", "  ")
	return append(b, '\n')
}

// ReadManifest reads dir's manifest. A missing manifest is an empty one.
func ReadManifest(dir string) (Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return Manifest{}, nil
	}
	if err != nil {
		return Manifest{}, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil || m.Generator != "vigil" {
		return Manifest{}, fmt.Errorf("%s is not a vigil manifest; refusing to manage %s", filepath.Join(dir, ManifestName), dir)
	}
	for _, f := range m.Files {
		if !safeRel(f) {
			return Manifest{}, fmt.Errorf("%s lists unsafe path %q", filepath.Join(dir, ManifestName), f)
		}
	}
	return m, nil
}

// safeRel reports whether p is a clean, relative, slash-separated path
// that stays inside the directory it is relative to.
func safeRel(p string) bool {
	return p != "" && !filepath.IsAbs(p) && filepath.Clean(filepath.FromSlash(p)) == filepath.FromSlash(p) &&
		p != ".." && !strings.HasPrefix(p, "../")
}
