package archive

import (
	"os"

	"golang.org/x/sys/unix"
)

// dropsCache: dropCached does something here, so a writer holds the
// database file open for it.
const dropsCache = true

// dropCached tells the kernel it may drop f's cached pages in [off,
// off+n) that are on the disk; pages not written back yet stay.
func dropCached(f *os.File, off, n int64) {
	_ = unix.Fadvise(int(f.Fd()), off, n, unix.FADV_DONTNEED)
}
