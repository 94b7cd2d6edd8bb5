//go:build unix

package backup

import (
	"path/filepath"
	"syscall"
)

// freeBytes returns the free space on the filesystem that holds path (or its
// nearest existing parent), -1 when unknown.
func freeBytes(path string) int64 {
	for p := path; ; p = filepath.Dir(p) {
		var st syscall.Statfs_t
		if err := syscall.Statfs(p, &st); err == nil {
			return int64(st.Bavail) * int64(st.Bsize)
		}
		if parent := filepath.Dir(p); parent == p {
			return -1
		}
	}
}
