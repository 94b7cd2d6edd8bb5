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

// readersSeen: without flock a writer cannot see readers, so a backup
// keeps the write-ahead log (bulk.go).
const readersSeen = false

func markReader(string) *os.File { return nil }

func lookForReaders(string) bool { return true }
