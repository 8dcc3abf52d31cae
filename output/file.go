package output

import (
	"os"
	"path/filepath"
)

// WriteFile replaces name with b atomically: b goes to a temporary file in
// the same directory, which is renamed over name, so a reader (or a
// process killed mid-write) sees the old content or the new, never part
// of it. On failure the temporary file is removed.
func WriteFile(name string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
