package backup_test

import (
	"context"
	"os"
	"testing"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

func TestSurvey(t *testing.T) {
	srv := testimap.Start(t, nil)
	acct := demo.OldProvider()
	dir := tempArchive(t)
	ctx := context.Background()
	s, err := backup.Survey(ctx, options(srv, dir))
	if err != nil {
		t.Fatalf("Survey() = %v", err)
	}
	if s.Messages != int64(acct.MessageCount()) || s.ToFetch != s.Messages || s.Bytes != acct.TotalBytes() {
		t.Errorf("Survey() = %d messages, %d to fetch, %d bytes; want %d, %d, %d", s.Messages, s.ToFetch, s.Bytes,
			acct.MessageCount(), acct.MessageCount(), acct.TotalBytes())
	}
	if s.FreeBytes <= 0 || s.Rate <= 0 || s.ETA < 0 {
		t.Errorf("Survey() free %d, rate %v, ETA %v", s.FreeBytes, s.Rate, s.ETA)
	}
	if len(s.Folders) != len(acct.Folders) {
		t.Errorf("Survey() lists %d folders, want %d", len(s.Folders), len(acct.Folders))
	}
	// Survey writes nothing: no archive appears.
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Survey() created %s (%v)", dir, err)
	}
	if _, err := backup.Run(ctx, options(srv, dir)); err != nil {
		t.Fatal(err)
	}
	s, err = backup.Survey(ctx, options(srv, dir))
	if err != nil || s.ToFetch != 0 || s.ToFetchBytes != 0 {
		t.Fatalf("Survey() after backup: %d to fetch, %v", s.ToFetch, err)
	}
	for _, f := range s.Folders {
		if f.Archived != int64(f.Messages) {
			t.Errorf("%s: %d archived of %d", f.Name, f.Archived, f.Messages)
		}
	}
}
