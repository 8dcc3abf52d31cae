package output

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFS flushes the file system holding dir (every staged file at once,
// instead of an fsync per file), so that a power cut after the commit
// cannot leave a journal pointing at staged files whose data never
// reached the disk.
func syncFS(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}
