package archive_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mailark/mailark/internal/archive"
)

// TestContentVersionSeesEverySQLChange: any change to stored content made
// with SQL, however it is phrased, moves content_version, and
// content_version itself cannot be set back.
func TestContentVersionSeesEverySQLChange(t *testing.T) {
	ctx := context.Background()
	changes := []struct {
		name string
		sql  string
	}{
		{"chunk replaced", `INSERT OR REPLACE INTO message_chunks(message_id, seq, data) VALUES(1, 0, zeroblob(5))`},
		{"chunk updated", `UPDATE message_chunks SET data = x'00' WHERE message_id = 1`},
		{"chunk deleted", `DELETE FROM message_chunks WHERE message_id = 2`},
		{"chunk added", `INSERT INTO message_chunks(message_id, seq, data) VALUES(1, 1, x'00')`},
		{"message replaced", `INSERT OR REPLACE INTO messages SELECT * FROM messages WHERE id = 1`},
		{"message hash updated", `UPDATE messages SET sha256 = '00' WHERE id = 1`},
		{"message deleted", `DELETE FROM messages WHERE id = 2`},
		{"folder path changed", `UPDATE folders SET mbox_path = 'mbox/other.mbox'`},
		{"folder replaced", `INSERT OR REPLACE INTO folders SELECT * FROM folders`},
		{"folder added", `INSERT INTO folders(name, delimiter, attrs, role, uidvalidity, current, mbox_path, mbox_size)
			VALUES('X', '/', '', '', 1, 1, 'mbox/X.mbox', 0)`},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			a := openArchive(t, filepath.Join(t.TempDir(), "a"))
			f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 7})
			if err != nil {
				t.Fatal(err)
			}
			run, _ := a.BeginRun(ctx, "backup")
			addBatch(t, a, f, run, entry(1, "one\r\n"), entry(2, "two\r\n"))
			before, _ := a.ContentVersion(ctx)
			if _, err := a.DB().ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
				t.Fatal(err)
			}
			if _, err := a.DB().ExecContext(ctx, c.sql); err != nil {
				t.Fatalf("%s: %v", c.sql, err)
			}
			if after, _ := a.ContentVersion(ctx); after <= before {
				t.Errorf("content_version = %d after %s, was %d: the change is not seen", after, c.sql, before)
			}
		})
	}
	t.Run("content_version cannot be reset", func(t *testing.T) {
		a := openArchive(t, filepath.Join(t.TempDir(), "a"))
		if _, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 7}); err != nil {
			t.Fatal(err)
		}
		before, _ := a.ContentVersion(ctx)
		for _, q := range []string{
			`UPDATE meta SET value = '0' WHERE key = 'content_version'`,
			`DELETE FROM meta WHERE key = 'content_version'`,
			`INSERT OR REPLACE INTO meta(key, value) VALUES('content_version', '0')`,
			`UPDATE OR REPLACE meta SET key = 'content_version' WHERE key = 'created_at'`,
		} {
			if _, err := a.DB().ExecContext(ctx, q); err == nil {
				t.Errorf("%s succeeded, want it refused", q)
			}
		}
		if after, _ := a.ContentVersion(ctx); after != before {
			t.Errorf("content_version = %d, want %d", after, before)
		}
	})
}
