package mailerr

import (
	"context"
	"errors"
	"io/fs"
	"syscall"
)

// FromFS classifies an error from the file system by what really happened:
// a full disk or quota (DiskFull), a refused permission (Permission), a
// read-only file system (ReadOnlyFS), a missing folder (BadInput);
// anything else stays Unknown, with the system's words in Err. An error that
// is already classified, and cancellation, pass through as they are.
func FromFS(op, path string, err error) error {
	if err == nil {
		return nil
	}
	if As(err) != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return New(fsKind(err), op, path, err)
}

func fsKind(err error) Kind {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return DiskFull
	case errors.Is(err, syscall.EROFS):
		return ReadOnlyFS
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return Permission
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return BadInput
	}
	return Unknown
}
