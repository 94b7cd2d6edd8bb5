//go:build unix

package archive

import (
	"errors"
	"os"
	"syscall"
)

// openNoFollow opens the regular file p without following a link there:
// O_NOFOLLOW makes the kernel refuse one, so no link can be slipped in
// between a check and the open. The file is checked to be regular after
// the open (a pipe or a device is refused).
func openNoFollow(p string, flag int, perm os.FileMode) (*os.File, error) {
	if st, err := os.Lstat(p); err == nil && !st.Mode().IsRegular() {
		// Checked first, too: opening a pipe for writing would block.
		return nil, notRegular(p, st.Mode(), false)
	}
	f, err := os.OpenFile(p, flag|syscall.O_NOFOLLOW, perm)
	if errors.Is(err, syscall.ELOOP) {
		if st, lerr := os.Lstat(p); lerr == nil {
			return nil, notRegular(p, st.Mode(), false)
		}
	}
	if err != nil {
		return nil, err
	}
	return checkOpened(f, p)
}
