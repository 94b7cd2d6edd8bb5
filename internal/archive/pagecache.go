package archive

// The page cache. A batch's messages go into the database file as new
// pages at its end (in a backup, most of them the messages' chunks), and
// once the batch has committed they are on the disk and nothing of the
// backup reads them again. Left cached, every batch takes memory the
// kernel has not handed out for a while. In some virtual machines (the
// bench's, most likely because its host takes back memory the guest
// leaves idle) filling such memory costs up to three times as much as
// memory just let go: written through to 2 GB, 0.54-0.62 s of system time when
// each 64 MiB was let go after its fsync, against 0.54-1.94 s when not.
// So after each commit the batch tells the kernel it may let go of what
// the database file grew by since the batch began (dropCached; pages not
// yet on the disk stay): the next batch's writes, to both files, reuse
// that memory. Measured on the bench's loopback run (N = 20,000, one run
// of each under perf): the database's writes took 1.91 s of the kernel's
// time instead of 2.77, the mbox files' 1.54 s instead of 2.20, for 0.14 s
// of fadvise calls. In WAL mode a batch's pages reach the database file
// when the checkpointer copies the log in (wal.go): it does the same after
// each checkpoint. Outside a virtual machine it keeps a backup of
// several gigabytes from pushing the rest of the computer's files out of
// the cache. The mbox files stay cached: the indexer reads them back
// after the writer (backup/index.go).
//
// The database file is held open (Archive.dbFile) from before SQLite
// opens it until after SQLite closed it: closing any other descriptor of
// the file would drop SQLite's POSIX locks on it.

// dbSize is the database file's size, 0 when unknown.
func (a *Archive) dbSize() int64 {
	if a.dbFile == nil {
		return 0
	}
	st, err := a.dbFile.Stat()
	if err != nil {
		return 0
	}
	return st.Size()
}

// dropAddedPages lets the kernel drop the cached pages the database file
// grew by since it was from bytes long.
func (a *Archive) dropAddedPages(from int64) {
	if to := a.dbSize(); from > 0 && to > from {
		dropCached(a.dbFile, from, to-from)
	}
}
