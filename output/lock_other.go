//go:build !unix

package output

import "os"

// lockDir opens the directory; there is no lock on systems without
// flock, so concurrent compiles into one directory must be avoided there.
func lockDir(dir string) (*os.File, error) { return os.Open(dir) }
