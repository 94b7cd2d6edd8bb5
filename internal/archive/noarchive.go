package archive

import (
	"context"
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

// ErrNothingSaved is in the chain of the error of opening, to read it, an
// archive whose first backup stopped while making it (killed, or the disk
// filled up, before its schema was committed): the database holds no table
// at all, so no message was saved, and running the backup again makes the
// archive afresh.
var ErrNothingSaved = errors.New("nothing was saved in the archive yet: its first backup stopped while making it")

// nothingSaved reports whether the database of an archive without a
// schema version is one a first backup began (no table at all) rather
// than a database of something else.
func (a *Archive) nothingSaved(ctx context.Context) (bool, error) {
	var tables int
	err := a.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&tables)
	return tables == 0, err
}
