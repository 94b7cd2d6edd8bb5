package archive_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
)

// TestSpoolOfEarlierRunsRemoved: spool files a killed run left in DIR/tmp
// are removed by the next writer, and never while another run holds the
// archive (its spool files are in use).
func TestSpoolOfEarlierRunsRemoved(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	dir := filepath.Join(base, "arch")
	a := openArchive(t, dir)
	spool := filepath.Join(dir, archive.TmpDir)
	inUse := filepath.Join(spool, "fetch-123.eml")
	if err := os.WriteFile(inUse, []byte("a large message, arriving"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A second writer or a check while the first runs: refused, and the
	// running backup's spool file stays.
	if _, err := archive.Open(ctx, dir, archive.Options{}); mailerr.KindOf(err) != mailerr.ArchiveLocked {
		t.Fatalf("second Open() = %v, want ArchiveLocked", err)
	}
	if _, err := archive.OpenForCheck(ctx, dir, archive.Options{}); mailerr.KindOf(err) != mailerr.ArchiveLocked {
		t.Fatalf("OpenForCheck() = %v, want ArchiveLocked", err)
	}
	if _, err := os.Stat(inUse); err != nil {
		t.Fatalf("the running writer's spool file was removed: %v", err)
	}
	a.Close() // as a kill -9 would: the file stays behind

	outside := filepath.Join(base, "outside.eml")
	if err := os.WriteFile(outside, []byte(precious), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(spool, "fetch-link.eml")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	for _, open := range []func() (*archive.Archive, error){
		func() (*archive.Archive, error) { return archive.Open(ctx, dir, archive.Options{}) },
		func() (*archive.Archive, error) { return archive.OpenForCheck(ctx, dir, archive.Options{}) },
	} {
		b, err := open()
		if err != nil {
			t.Fatal(err)
		}
		b.Close()
		if entries, _ := os.ReadDir(spool); len(entries) != 0 {
			t.Errorf("DIR/tmp after the next run's start holds %d entries, want none", len(entries))
		}
		if err := os.WriteFile(inUse, []byte("left by a killed run"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	checkVictim(t, outside)
}
