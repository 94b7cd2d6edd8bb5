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
