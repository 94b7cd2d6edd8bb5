//go:build !linux

package archive

import "os"

const dropsCache = false

// dropCached does nothing where there is no posix_fadvise (pagecache.go).
func dropCached(*os.File, int64, int64) {}
