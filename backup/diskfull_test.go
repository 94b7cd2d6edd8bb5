package backup_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/testimap"
)

// smallDisk mounts a tmpfs of size ("8m", "700k") and returns its path and
// a function that grows it (space freed).
func smallDisk(t *testing.T, size string) (string, func(string)) {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput()
	testimap.SkipUnless(t, "tmpfs", err == nil, "cannot mount a tmpfs (needs root): "+strings.TrimSpace(string(out)))
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	grow := func(size string) {
		if out, err := exec.Command("mount", "-o", "remount,size="+size, dir).CombinedOutput(); err != nil {
			t.Fatalf("grow tmpfs: %v %s", err, out)
		}
	}
	return dir, grow
}

func TestDiskFull(t *testing.T) {
	// 8 MB: the mbox file runs up to 32 messages ahead of the database
	// (the fill must come after committed work), and the demo account holds
	// more than 12 MB (it must come).
	disk, grow := smallDisk(t, "8m")
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

	grow("64m")
	sum, err = backup.Run(context.Background(), options(srv, dir))
	if err != nil || !sum.OK() {
		t.Fatalf("Run() after space was freed = %v", err)
	}
	if sum.Total != saved+sum.New {
		t.Errorf("after the fill %d were saved, the rerun added %d, the archive holds %d", saved, sum.New, sum.Total)
	}
	checkArchive(t, dir, serverState(t, srv.Client(t)))
}

var (
	fills    = testimap.SoakFlag("fills", 2, "how many random disk sizes TestDiskFullAnywhere fills")
	fillSeed = flag.Uint64("fill-seed", 0, "seed of TestDiskFullAnywhere's disk sizes (0: a new one, logged)")
)

// TestDiskFullAnywhere fills the disk at a random point of a backup (a
// tmpfs from 64 KB, before the archive exists, to past the whole account)
// each time: the run stops with DiskFull or completes, the archive is
// consistent, and once space is freed a rerun leaves every message of the
// server in the archive exactly once.
func TestDiskFullAnywhere(t *testing.T) {
	srv := testimap.Start(t, nil)
	state := serverState(t, srv.Client(t))
	seed := *fillSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("disk sizes from -fill-seed=%d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for i := range *fills {
		sizeKB := 64 + rng.IntN(40<<10)
		t.Run(fmt.Sprintf("%02d_%dk", i, sizeKB), func(t *testing.T) {
			disk, grow := smallDisk(t, strconv.Itoa(sizeKB)+"k")
			dir := filepath.Join(disk, "archive")
			opts := options(srv, dir)
			opts.BatchMessages = 1 + rng.IntN(40)
			sum, err := backup.Run(context.Background(), opts)
			tally.Faults.Add(1)
			if err != nil && mailerr.KindOf(err) != mailerr.DiskFull {
				t.Fatalf("Run() on a %d KB disk = %v (kind %v), want DiskFull or success", sizeKB, err, mailerr.KindOf(err))
			}
			t.Logf("Run() = %v after %d new messages", err, sum.New)
			// Space first: opening an archive writes (recovery, and the
			// schema when the run could not even create it), and on a
			// full disk that fails with DiskFull, as it should. Growing
			// the tmpfs changes none of the files the run left.
			grow("256m")
			checkConsistent(t, dir)
			if sum, err = backup.Run(context.Background(), options(srv, dir)); err != nil || !sum.OK() {
				t.Fatalf("Run() after space was freed = %v", err)
			}
			checkArchive(t, dir, state)
		})
	}
}
