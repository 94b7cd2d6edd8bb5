package archive

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// The spool: a backup writes a large message to DIR/tmp while it arrives;
// once the message is written, the file is kept for the next one or
// removed, and the files kept go when the session ends. A run killed (kill
// -9, a power cut) leaves its spool files behind, each up to the largest
// message; the next writer removes them when it opens the archive. It holds
// the archive's lock by then, and only the lock's holder spools, so no
// running backup's file is ever removed.

// lockWriter takes the writer's lock and prepares the archive under it.
func (a *Archive) lockWriter() error {
	lock, err := lockFile(filepath.Join(a.dir, LockFile))
	if err != nil {
		return err
	}
	a.lock = lock
	if err := a.prepareLocked(); err != nil {
		a.unlock()
		return err
	}
	return nil
}

// prepareLocked runs once the lock is held: the modes of the archive are
// fixed, links refused, and the spool emptied.
func (a *Archive) prepareLocked() error {
	if err := fixModes(a.dir); err != nil {
		return err
	}
	return cleanSpool(filepath.Join(a.dir, TmpDir))
}

// cleanSpool removes what earlier runs left in the spool folder: files
// and links (a link is removed, never followed). A folder there is not
// Mailark's and is left alone.
func cleanSpool(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fsError("clean spool", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fsError("clean spool", p, err)
		}
	}
	return nil
}
