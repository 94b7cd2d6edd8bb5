package archive_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/testimap"
)

// fillDisk writes a file into dir until the disk is full.
func fillDisk(t testing.TB, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 64<<10)
	for {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill disk: %v", err)
			}
			return
		}
	}
}

// TestRecordsOnFullDisk: on a full disk, writing the copy log and recording
// an export say "disk full", as a backup does (not "archive broken"), and
// what was saved before is still there once space is freed.
func TestRecordsOnFullDisk(t *testing.T) {
	ctx := context.Background()
	disk, grow := testimap.SmallDisk(t, "8")
	dir := filepath.Join(disk, "archive")
	a := openArchive(t, dir)
	f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	if err != nil {
		t.Fatal(err)
	}
	run, _ := a.BeginRun(ctx, "backup")
	addBatch(t, a, f, run, entry(1, "Subject: one\r\n\r\nkept\r\n"))
	log, err := a.CopyLog(ctx, "imap.new.example", "hanako@new.example")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := log.Save(ctx, []archive.CopyRecord{{FolderID: f.ID, UID: 1, DestFolder: "INBOX", DestUIDValidity: 7, DestUID: 1, How: "appended"}}, nil, at); err != nil {
		t.Fatal(err)
	}
	fillDisk(t, disk)

	// Enough records that the log must grow.
	long := strings.Repeat("送信済み/", 40)
	var recs []archive.CopyRecord
	for i := range 20000 {
		recs = append(recs, archive.CopyRecord{FolderID: f.ID, UID: 1, DestFolder: long + string(rune('a'+i%26)),
			DestUIDValidity: uint32(i), DestUID: uint32(i + 2), How: "appended"})
	}
	fails := make([]archive.CopyFailure, 0, len(recs))
	for i := range recs {
		fails = append(fails, archive.CopyFailure{FolderID: f.ID, UID: uint32(i + 2), DestFolder: long, Reason: long})
	}
	err = log.Save(ctx, recs, fails, at)
	if k := mailerr.KindOf(err); k != mailerr.DiskFull {
		t.Errorf("CopyLog.Save() on a full disk = %v (kind %v), want DiskFull", err, k)
	}
	exp := archive.ExportRecord{At: at, Format: "vcard4", Path: "/x/" + strings.Repeat("c", 8<<20), SHA256: "00"}
	err = a.RecordExport(ctx, exp, nil)
	if k := mailerr.KindOf(err); k != mailerr.DiskFull {
		t.Errorf("RecordExport() on a full disk = %v (kind %v), want DiskFull", err, k)
	}

	grow("64")
	got, err := log.Records(ctx)
	if err != nil || len(got) != 1 || got[0].DestUID != 1 {
		t.Errorf("Records() after the fill = %+v, %v, want the one saved before", got, err)
	}
	if _, ok, err := a.LastExport(ctx); ok || err != nil {
		t.Errorf("LastExport() = %v, %v: the failed export was recorded", ok, err)
	}
}

// TestRestoreIndexOnFullDisk: a restore whose index.tsv cannot be written
// fails with DiskFull instead of reporting success with a cut index. The
// folder's name is longer than the disk, so the index's line for a tiny
// message is what fills it.
func TestRestoreIndexOnFullDisk(t *testing.T) {
	ctx := context.Background()
	a := openArchive(t, filepath.Join(t.TempDir(), "arch"))
	f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: strings.Repeat("長い名前", 200<<10), UIDValidity: 5})
	if err != nil {
		t.Fatal(err)
	}
	run, _ := a.BeginRun(ctx, "backup")
	addBatch(t, a, f, run, entry(10, "ten\r\n"))
	disk, _ := testimap.SmallDisk(t, "1")
	n, err := archive.Restore(ctx, a, filepath.Join(disk, "restored"))
	if k := mailerr.KindOf(err); k != mailerr.DiskFull {
		t.Errorf("Restore() with index.tsv on a full disk = %d, %v (kind %v), want DiskFull", n, err, k)
	}
}
