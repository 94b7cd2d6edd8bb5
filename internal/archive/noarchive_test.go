package archive_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
)

// TestReaderOfAnArchiveNeverMade: a reader opening an archive whose first
// backup stopped while making it (the database file is there, with no
// table) is told that nothing was saved yet and the backup can simply run
// again, not that the archive is broken; the next backup then makes it. A
// database of something else is still not a Mailark archive.
func TestReaderOfAnArchiveNeverMade(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name      string
		make      []string // SQL run on a new database file; nil: an empty file
		neverMade bool
	}{
		{"empty file", nil, true},
		{"page size and log set, no schema", []string{`PRAGMA page_size = 65536`, `PRAGMA journal_mode = WAL`}, true},
		{"schema rolled back", []string{`BEGIN`, `CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)`, `ROLLBACK`}, true},
		{"another program's database", []string{`CREATE TABLE notes(body TEXT)`}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "a")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			dbPath := filepath.Join(dir, archive.DBFile)
			if err := os.WriteFile(dbPath, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if c.make != nil {
				db, err := sql.Open("sqlite", dbPath)
				if err != nil {
					t.Fatal(err)
				}
				db.SetMaxOpenConns(1)
				for _, q := range c.make {
					if _, err := db.ExecContext(ctx, q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				db.Close()
			}
			ro, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
			if err == nil {
				ro.Close()
				t.Fatal("Open(ReadOnly) = nil error, want one")
			}
			if got := errors.Is(err, archive.ErrNothingSaved); got != c.neverMade {
				t.Fatalf("Open(ReadOnly) = %v; nothing saved: %v, want %v", err, got, c.neverMade)
			}
			if !c.neverMade {
				if k := mailerr.KindOf(err); k != mailerr.ArchiveBroken {
					t.Errorf("Open(ReadOnly) kind = %v, want %v", k, mailerr.ArchiveBroken)
				}
				return
			}
			if k := mailerr.KindOf(err); k == mailerr.ArchiveBroken {
				t.Errorf("Open(ReadOnly) kind = %v: an archive never made is not broken", k)
			}
			// Running the backup again makes the archive.
			a := openArchive(t, dir)
			if _, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1}); err != nil {
				t.Fatal(err)
			}
			a.Close()
			ro, err = archive.Open(ctx, dir, archive.Options{ReadOnly: true})
			if err != nil {
				t.Fatalf("Open(ReadOnly) after the next backup = %v", err)
			}
			ro.Close()
		})
	}
}
