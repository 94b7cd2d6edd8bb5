//go:build !unix

package archive

import "os"

// lockFile on systems without flock holds the file open; Windows refuses a
// second writer through the database's own locking.
func lockFile(path string) (*os.File, error) {
	f, err := openNoFollow(path, os.O_CREATE|os.O_RDWR, fileMode)
	if err != nil {
		return nil, fsError("lock archive", path, err)
	}
	return f, nil
}
