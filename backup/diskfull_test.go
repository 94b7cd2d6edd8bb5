package backup_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/testimap"
)

// smallDisk mounts a tmpfs of sizeMB and returns its path and a function
// that grows it (space freed).
func smallDisk(t *testing.T, sizeMB string) (string, func(string)) {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+sizeMB+"m,mode=0700", "tmpfs", dir).CombinedOutput()
	testimap.SkipUnless(t, "tmpfs", err == nil, "cannot mount a tmpfs (needs root): "+strings.TrimSpace(string(out)))
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	grow := func(mb string) {
		if out, err := exec.Command("mount", "-o", "remount,size="+mb+"m", dir).CombinedOutput(); err != nil {
			t.Fatalf("grow tmpfs: %v %s", err, out)
		}
	}
	return dir, grow
}

func TestDiskFull(t *testing.T) {
	// 8 MB: the mbox file runs up to 32 messages ahead of the database
	// (the fill must come after committed work), and the demo account holds
	// more than 12 MB (it must come).
	disk, grow := smallDisk(t, "8")
	srv := testimap.Start(t, nil)
	dir := filepath.Join(disk, "archive")
	opts := options(srv, dir)
	opts.BatchMessages = 20 // commit often, so the fill comes after saved work
	sum, err := backup.Run(context.Background(), opts)
	if mailerr.KindOf(err) != mailerr.DiskFull {
		t.Fatalf("Run() on a full disk = %v (kind %v), want DiskFull", err, mailerr.KindOf(err))
	}
	// The CLI and the GUI name the place from the error's subject.
	if e := mailerr.As(err); e == nil || !strings.HasPrefix(e.Subject, disk) {
		t.Errorf("DiskFull error does not name a path on the full disk: %v", err)
	}
	if sum.New == 0 {
		t.Fatalf("nothing was committed before the disk filled: the test proves little")
	}
	saved := sum.New
	checkConsistent(t, dir)

	grow("64")
	sum, err = backup.Run(context.Background(), options(srv, dir))
	if err != nil || !sum.OK() {
		t.Fatalf("Run() after space was freed = %v", err)
	}
	if sum.Total != saved+sum.New {
		t.Errorf("after the fill %d were saved, the rerun added %d, the archive holds %d", saved, sum.New, sum.Total)
	}
	checkArchive(t, dir, serverState(t, srv.Client(t)))
}
