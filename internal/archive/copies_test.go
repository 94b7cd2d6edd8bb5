package archive_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/archive"
)

// TestCopyLogSavesFromManyGoroutines: a copy saves its records from each
// connection's goroutine, refusals among them, at once. Every record and
// every failure not cleared by a later record is kept. (Run with -race, as
// make test does for this package, it also fails on unguarded state.)
func TestCopyLogSavesFromManyGoroutines(t *testing.T) {
	ctx := context.Background()
	a := openArchive(t, filepath.Join(t.TempDir(), "arch"))
	f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 5})
	if err != nil {
		t.Fatal(err)
	}
	log, err := a.CopyLog(ctx, "imap.new.example", "hanako@new.example")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	const lanes, each = 4, 50
	var wg sync.WaitGroup
	for lane := range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				uid := uint32(lane*each + i + 1)
				var err error
				if i%5 == 0 {
					err = log.Save(ctx, nil, []archive.CopyFailure{{FolderID: f.ID, UID: uid, DestFolder: "INBOX", Reason: "too large"}}, at)
				} else {
					err = log.Save(ctx, []archive.CopyRecord{{FolderID: f.ID, UID: uid, DestFolder: "INBOX",
						DestUIDValidity: 7, DestUID: uid, How: "appended"}}, nil, at)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	recs, err := log.Records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fails, err := log.Failures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != lanes*each*4/5 || len(fails) != lanes*each/5 {
		t.Errorf("%d records and %d failures kept, want %d and %d", len(recs), len(fails), lanes*each*4/5, lanes*each/5)
	}
}
