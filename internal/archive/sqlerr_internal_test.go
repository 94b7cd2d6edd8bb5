package archive

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/mailark/mailark/internal/mailerr"
)

func TestCodeKind(t *testing.T) {
	for _, c := range []struct {
		code int
		want mailerr.Kind
	}{
		{sqlite3.SQLITE_FULL, mailerr.DiskFull},
		{sqlite3.SQLITE_BUSY, mailerr.ArchiveLocked},
		{sqlite3.SQLITE_BUSY | 2<<8, mailerr.ArchiveLocked}, // SQLITE_BUSY_TIMEOUT
		{sqlite3.SQLITE_LOCKED, mailerr.ArchiveLocked},
		{sqlite3.SQLITE_READONLY, mailerr.Permission},
		{sqlite3.SQLITE_READONLY | 3<<8, mailerr.Permission}, // SQLITE_READONLY_ROLLBACK
		{sqlite3.SQLITE_PERM, mailerr.Permission},
		{sqlite3.SQLITE_CANTOPEN, mailerr.Permission},
		{sqlite3.SQLITE_CORRUPT, mailerr.ArchiveBroken},
		{sqlite3.SQLITE_NOTADB, mailerr.ArchiveBroken},
		{sqlite3.SQLITE_IOERR, mailerr.ArchiveBroken},
		{sqlite3.SQLITE_IOERR | 3<<8, mailerr.ArchiveBroken}, // SQLITE_IOERR_WRITE
		{sqlite3.SQLITE_ERROR, mailerr.ArchiveBroken},
	} {
		if got := codeKind(c.code); got != c.want {
			t.Errorf("codeKind(%d) = %v, want %v", c.code, got, c.want)
		}
	}
}

// TestClassifyDriverErrors provokes each condition in the real driver and
// checks the kind the one classifier gives it.
func TestClassifyDriverErrors(t *testing.T) {
	ctx := context.Background()
	open := func(t *testing.T, dsn string) *sql.DB {
		t.Helper()
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	dbFile := func(t *testing.T) string {
		t.Helper()
		p := filepath.Join(t.TempDir(), "x.sqlite")
		db := open(t, "file:"+p)
		if _, err := db.Exec(`CREATE TABLE t(b BLOB)`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		return p
	}
	for _, c := range []struct {
		name string
		do   func(t *testing.T) error
		want mailerr.Kind
	}{
		{"full", func(t *testing.T) error {
			db := open(t, "file:"+dbFile(t))
			db.SetMaxOpenConns(1)
			if _, err := db.Exec(`PRAGMA max_page_count = 8`); err != nil {
				t.Fatal(err)
			}
			_, err := db.Exec(`INSERT INTO t VALUES(zeroblob(1000000))`)
			return err
		}, mailerr.DiskFull},
		{"busy", func(t *testing.T) error {
			p := dbFile(t)
			holder := open(t, "file:"+p+"?_txlock=immediate")
			tx, err := holder.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.Exec(`INSERT INTO t VALUES(x'00')`); err != nil {
				t.Fatal(err)
			}
			_, err = open(t, "file:"+p+"?_pragma=busy_timeout(0)").Exec(`INSERT INTO t VALUES(x'01')`)
			return err
		}, mailerr.ArchiveLocked},
		{"read-only", func(t *testing.T) error {
			_, err := open(t, "file:"+dbFile(t)+"?mode=ro").Exec(`INSERT INTO t VALUES(x'00')`)
			return err
		}, mailerr.Permission},
		{"cannot open", func(t *testing.T) error {
			_, err := open(t, "file:"+filepath.Join(t.TempDir(), "no", "such", "x.sqlite")).Exec(`CREATE TABLE t(x)`)
			return err
		}, mailerr.Permission},
		{"not a database", func(t *testing.T) error {
			p := filepath.Join(t.TempDir(), "x.sqlite")
			if err := os.WriteFile(p, []byte(strings.Repeat("not a database at all. ", 400)), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := open(t, "file:"+p).Exec(`SELECT * FROM t`)
			return err
		}, mailerr.ArchiveBroken},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.do(t)
			if err == nil {
				t.Fatal("no error: the case provokes nothing")
			}
			got := classifyDB("test", "x", err)
			if k := mailerr.KindOf(got); k != c.want {
				t.Errorf("classifyDB(%v) kind = %v, want %v", err, k, c.want)
			}
		})
	}
	// Cancellation passes through, unclassified.
	if err := classifyDB("test", "x", context.Canceled); !errors.Is(err, context.Canceled) || mailerr.As(err) != nil {
		t.Errorf("classifyDB(context.Canceled) = %v", err)
	}
}
