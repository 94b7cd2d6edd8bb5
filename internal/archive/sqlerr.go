package archive

import (
	"context"
	"errors"
	"os"
	"syscall"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/mailark/mailark/internal/mailerr"
)

// classifyDB classifies an error from SQLite for the user, by the driver's
// result code (SQLITE_FULL is a full disk: the driver does not report it as
// ENOSPC). Every SQL error of the archive goes through here, so a full disk
// reads the same whichever table was being written. Cancellation and errors
// already classified pass through as they are.
func classifyDB(op, path string, err error) error {
	if err == nil {
		return nil
	}
	if mailerr.As(err) != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return mailerr.New(dbKind(err), op, path, err)
}

// dbKind is the kind of a database error: by the SQLite result code when the
// driver gives one, else by the operating system's error.
func dbKind(err error) mailerr.Kind {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return codeKind(se.Code())
	}
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return mailerr.DiskFull
	case errors.Is(err, os.ErrPermission), errors.Is(err, syscall.EROFS):
		return mailerr.Permission
	}
	return mailerr.ArchiveBroken
}

// codeKind maps an SQLite result code (primary or extended) to a kind.
func codeKind(code int) mailerr.Kind {
	switch code & 0xff { // the primary code; extended codes add bits above
	case sqlite3.SQLITE_FULL:
		return mailerr.DiskFull
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return mailerr.ArchiveLocked
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_AUTH:
		return mailerr.Permission
	}
	// SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_IOERR (the device failed to
	// read or write) and anything else: the archive cannot be used as it is.
	return mailerr.ArchiveBroken
}
