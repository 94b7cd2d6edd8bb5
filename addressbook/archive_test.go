package addressbook_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/mailark/mailark/addressbook"
)

// archiveSchema is the part of docs/archive.md (schema version 1) the address
// book reads and writes, written out here so this package's tests do not
// depend on internal/archive.
var archiveSchema = []string{
	`CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
	`CREATE TABLE folders(id INTEGER PRIMARY KEY, name TEXT NOT NULL, delimiter TEXT NOT NULL, attrs TEXT NOT NULL,
		role TEXT NOT NULL, uidvalidity INTEGER NOT NULL, current INTEGER NOT NULL, mbox_path TEXT NOT NULL UNIQUE,
		mbox_size INTEGER NOT NULL, server_uidnext INTEGER NOT NULL DEFAULT 0, server_messages INTEGER NOT NULL DEFAULT 0,
		complete_uidnext INTEGER NOT NULL DEFAULT 0, last_backup_at TEXT, UNIQUE(name, uidvalidity))`,
	`CREATE TABLE messages(id INTEGER PRIMARY KEY, folder_id INTEGER NOT NULL REFERENCES folders(id), uid INTEGER NOT NULL,
		size INTEGER NOT NULL, sha256 TEXT NOT NULL, flags TEXT NOT NULL, internal_date TEXT NOT NULL,
		mbox_offset INTEGER NOT NULL, mbox_length INTEGER NOT NULL, message_id TEXT NOT NULL, subject TEXT NOT NULL,
		from_addr TEXT NOT NULL, to_addr TEXT NOT NULL, cc_addr TEXT NOT NULL, date TEXT NOT NULL,
		addr_fields BLOB NOT NULL, archived_at TEXT NOT NULL, run_id INTEGER NOT NULL, UNIQUE(folder_id, uid))`,
	`CREATE TABLE exports(id INTEGER PRIMARY KEY, at TEXT NOT NULL, format TEXT NOT NULL, path TEXT NOT NULL,
		contacts INTEGER NOT NULL, sha256 TEXT NOT NULL)`,
}

// newArchive creates an archive database in a temporary folder holding msgs,
// in the order given (ids ascending), with account_user set to user.
func newArchive(tb testing.TB, user string, msgs []addressbook.Message) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", filepath.Join(tb.TempDir(), "archive.sqlite"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	ctx := context.Background()
	for _, s := range archiveSchema {
		if _, err := db.ExecContext(ctx, s); err != nil {
			tb.Fatal(err)
		}
	}
	if user != "" {
		if _, err := db.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES('account_user', ?)`, user); err != nil {
			tb.Fatal(err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	folders := map[string]int64{}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO messages(folder_id, uid, size, sha256, flags, internal_date, mbox_offset,
		mbox_length, message_id, subject, from_addr, to_addr, cc_addr, date, addr_fields, archived_at, run_id)
		VALUES(?, ?, 0, ?, '', ?, 0, 0, ?, '', '', '', '', ?, ?, '2024-03-08T00:00:00Z', 1)`)
	if err != nil {
		tb.Fatal(err)
	}
	for i, m := range msgs {
		fid, ok := folders[m.Folder]
		if !ok {
			res, err := tx.ExecContext(ctx, `INSERT INTO folders(name, delimiter, attrs, role, uidvalidity, current, mbox_path, mbox_size)
				VALUES(?, '/', '', ?, 1, 1, ?, 0)`, m.Folder, m.Role, m.Folder+".mbox")
			if err != nil {
				tb.Fatal(err)
			}
			fid, _ = res.LastInsertId()
			folders[m.Folder] = fid
		}
		date, internal := "", time.Date(2024, 3, 8, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
		if !m.Date.IsZero() {
			date = m.Date.Format(time.RFC3339)
		}
		if !m.InternalDate.IsZero() {
			internal = m.InternalDate.Format(time.RFC3339)
		}
		sum := "sha-of-" + m.ID
		if _, err := stmt.ExecContext(ctx, fid, i+1, sum, internal, m.ID, date, m.AddrFields); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	return db
}

func TestFromArchive(t *testing.T) {
	// The archive holds the INBOX first: FromArchive still reads the sent
	// folder first, so the alias is known when m10 (sent from it, in INBOX) comes.
	msgs := fixtureMessages(t)
	stored := append(slices.Clone(msgs[3:]), msgs[:3]...)
	db := newArchive(t, login, stored)
	var calls int
	got, err := addressbook.FromArchive(context.Background(), db, addressbook.Options{
		Progress: func(done, total int64) {
			calls++
			if total != int64(len(msgs)) {
				t.Errorf("Progress total = %d, want %d", total, len(msgs))
			}
		},
	})
	if err != nil {
		t.Fatalf("FromArchive() error = %v", err)
	}
	want := extractFixture(t)
	if !slices.Equal(keys(got), keys(want)) {
		t.Fatalf("FromArchive() contacts = %q, want %q", keys(got), keys(want))
	}
	for i, c := range got.Contacts {
		w := want.Contacts[i]
		if c.Name != w.Name || c.SentTo != w.SentTo || c.ReceivedFrom != w.ReceivedFrom || c.Seen != w.Seen ||
			!c.Last.Equal(w.Last) || !slices.Equal(c.Folders, w.Folders) || c.Automated != w.Automated {
			t.Errorf("%s: FromArchive %+v\nExtract %+v", c.Key, c, w)
		}
	}
	if got.Stats != want.Stats {
		t.Errorf("Stats = %+v, want %+v", got.Stats, want.Stats)
	}
	if calls == 0 {
		t.Error("Progress never called")
	}
}

func TestFromArchiveCancel(t *testing.T) {
	db := newArchive(t, login, fixtureMessages(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := addressbook.FromArchive(ctx, db, addressbook.Options{}); err == nil {
		t.Error("FromArchive() error = nil, want the cancellation")
	}
}

func TestRecordExport(t *testing.T) {
	db := newArchive(t, login, nil)
	ctx := context.Background()
	if _, ok, err := addressbook.LastExport(ctx, db); ok || err != nil {
		t.Fatalf("LastExport() on an empty archive = %v, %v, want none", ok, err)
	}
	at := time.Date(2024, 3, 8, 12, 0, 0, 0, time.FixedZone("", 9*3600))
	recs := []addressbook.ExportRecord{
		{At: at, Format: addressbook.FormatVCard3, Path: "/home/h/a.vcf", Contacts: 50, SHA256: "aa"},
		{At: at.Add(time.Hour), Format: addressbook.FormatGoogleCSV, Path: "/home/h/b.csv", Contacts: 51, SHA256: "bb"},
	}
	for _, r := range recs {
		if err := addressbook.RecordExport(ctx, db, r); err != nil {
			t.Fatal(err)
		}
	}
	got, ok, err := addressbook.LastExport(ctx, db)
	if !ok || err != nil {
		t.Fatalf("LastExport() = %v, %v", ok, err)
	}
	w := recs[1]
	if !got.At.Equal(w.At) || got.Format != w.Format || got.Path != w.Path || got.Contacts != w.Contacts || got.SHA256 != w.SHA256 {
		t.Errorf("LastExport() = %+v, want %+v", got, w)
	}
	var stored string
	if err := db.QueryRow(`SELECT at FROM exports WHERE id = 1`).Scan(&stored); err != nil || stored != "2024-03-08T12:00:00+09:00" {
		t.Errorf("exports.at = %q, %v, want RFC 3339", stored, err)
	}
}
