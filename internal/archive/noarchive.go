package archive

import (
	"errors"
	"os"
	"path/filepath"

	"github.com/mailark/mailark/internal/mailerr"
)

// ErrNoArchive is in the chain of the error of opening, to read it, a
// folder that holds no Mailark archive (no archive.sqlite).
var ErrNoArchive = errors.New("no Mailark archive there")

// NoArchiveError names the folder that holds no archive.
type NoArchiveError struct{ Dir string }

func (e *NoArchiveError) Error() string { return "no Mailark archive at " + e.Dir }

// Is makes errors.Is(err, ErrNoArchive) true.
func (e *NoArchiveError) Is(target error) bool { return target == ErrNoArchive }

// mustExist is a BadInput *NoArchiveError when dir holds no archive.sqlite.
func mustExist(dir string) error {
	if _, err := os.Lstat(filepath.Join(dir, DBFile)); errors.Is(err, os.ErrNotExist) {
		return mailerr.New(mailerr.BadInput, "open archive", dir, &NoArchiveError{Dir: dir})
	}
	return nil
}
