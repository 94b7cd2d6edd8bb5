// Package archivetest is for tests only: it opens an archive read-only to
// check what a run stored, and opens an archive's database straight, past
// the archive, to damage it on purpose (as someone with sqlite3 could) or to
// leave it as a crash would have. The archive has no method to change stored
// messages, paths or records, and should not have one; no package outside
// tests imports this one (internal/layering checks).
package archivetest

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/mailark/mailark/internal/archive"
)

// Open opens the archive in dir read-only, failing the test if it cannot. It
// is closed when the test ends; Close closes it earlier (Close may be called
// twice).
func Open(t testing.TB, dir string) *archive.Archive {
	t.Helper()
	a, err := archive.Open(context.Background(), dir, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open archive %s read-only: %v", dir, err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// Tamper opens the database of the archive in dir, closed when the test ends.
func Tamper(t testing.TB, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, archive.DBFile)+"?_pragma=busy_timeout(15000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Exec runs query on db, fails the test on an error, and returns the number
// of rows it changed.
func Exec(t testing.TB, db *sql.DB, query string, args ...any) int64 {
	t.Helper()
	res, err := db.Exec(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatalf("%s: rows affected: %v", query, err)
	}
	return n
}
