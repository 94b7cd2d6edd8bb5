//go:build unix

package archive

import (
	"errors"
	"os"
	"syscall"

	"github.com/mailark/mailark/internal/mailerr"
)

// lockFile takes an exclusive, non-blocking lock that the kernel releases if
// the process dies, so a killed run never leaves a stale lock.
func lockFile(path string) (*os.File, error) {
	f, err := openNoFollow(path, os.O_CREATE|os.O_RDWR, fileMode)
	if err != nil {
		return nil, fsError("lock archive", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, mailerr.New(mailerr.ArchiveLocked, "lock archive", path,
				errors.New("another Mailark is writing this archive"))
		}
		return nil, fsError("lock archive", path, err)
	}
	return f, nil
}

// readersSeen tells the bulk writer of readers (bulk.go): every reader
// holds a shared flock on the file while it has the archive open.
const readersSeen = true

// markReader takes a reader's shared lock on path (made if missing). It
// waits only while a writer looks (lookForReaders holds the exclusive lock
// for no longer than that). Nil when the file cannot be had: the reader
// goes on unseen.
func markReader(path string) *os.File {
	f, err := openNoFollow(path, os.O_CREATE|os.O_RDONLY, fileMode)
	if err != nil {
		return nil
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		f.Close()
		return nil
	}
	return f
}

// lookForReaders says whether a reader holds its lock on path.
func lookForReaders(path string) bool {
	f, err := openNoFollow(path, os.O_CREATE|os.O_RDONLY, fileMode)
	if err != nil {
		return true // unknown: as if one did
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return true
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}
