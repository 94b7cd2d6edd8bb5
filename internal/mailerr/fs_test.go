package mailerr_test

import (
	"context"
	"fmt"
	"io/fs"
	"syscall"
	"testing"

	"github.com/mailark/mailark/internal/mailerr"
)

func TestFromFS(t *testing.T) {
	pathErr := func(errno syscall.Errno) error { return &fs.PathError{Op: "open", Path: "/x", Err: errno} }
	for _, tc := range []struct {
		name string
		err  error
		want mailerr.Kind
	}{
		{"disk full", pathErr(syscall.ENOSPC), mailerr.DiskFull},
		{"quota", pathErr(syscall.EDQUOT), mailerr.DiskFull},
		{"access", pathErr(syscall.EACCES), mailerr.Permission},
		{"not permitted", pathErr(syscall.EPERM), mailerr.Permission},
		{"read-only", pathErr(syscall.EROFS), mailerr.ReadOnlyFS},
		{"missing", pathErr(syscall.ENOENT), mailerr.BadInput},
		{"other", pathErr(syscall.EIO), mailerr.Unknown},
		{"wrapped", fmt.Errorf("write: %w", pathErr(syscall.ENOSPC)), mailerr.DiskFull},
		{"already classified", mailerr.New(mailerr.ArchiveLocked, "", "", nil), mailerr.ArchiveLocked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mailerr.KindOf(mailerr.FromFS("write", "/x", tc.err)); got != tc.want {
				t.Errorf("FromFS(%v) kind = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
	if err := mailerr.FromFS("write", "/x", context.Canceled); err != context.Canceled {
		t.Errorf("FromFS(context.Canceled) = %v, want it unchanged", err)
	}
	if mailerr.FromFS("write", "/x", nil) != nil {
		t.Error("FromFS(nil) != nil")
	}
}
