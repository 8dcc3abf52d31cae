//go:build !linux

package output

// syncFS is a no-op where syncfs(2) does not exist: the transaction is
// still safe against a killed process, which is what it is for; only
// its durability through a power cut depends on the file system.
func syncFS(dir string) error { return nil }
