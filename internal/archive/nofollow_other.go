//go:build !unix

package archive

import "os"

// openNoFollow opens the regular file p, refusing a link there. Without
// O_NOFOLLOW the check is an Lstat before the open, and the open file is
// compared with what was checked.
func openNoFollow(p string, flag int, perm os.FileMode) (*os.File, error) {
	before, err := os.Lstat(p)
	if err == nil && !before.Mode().IsRegular() {
		return nil, notRegular(p, before.Mode(), false)
	}
	f, err := os.OpenFile(p, flag, perm)
	if err != nil {
		return nil, err
	}
	after, err := os.Lstat(p)
	if err != nil || !after.Mode().IsRegular() {
		f.Close()
		if err != nil {
			return nil, err
		}
		return nil, notRegular(p, after.Mode(), false)
	}
	f, err = checkOpened(f, p)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || !os.SameFile(st, after) {
		f.Close()
		return nil, notRegular(p, os.ModeSymlink, false) // replaced while it was opened
	}
	return f, nil
}
