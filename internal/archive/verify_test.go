package archive_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
)

// makeV1 turns a fresh archive into what Mailark wrote at schema version 1:
// without the version 2 tables and triggers, user_version 1.
func makeV1(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	a := openArchive(t, dir)
	f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 7})
	if err != nil {
		t.Fatal(err)
	}
	run, _ := a.BeginRun(ctx, "backup")
	addBatch(t, a, f, run, entry(1, "one\r\n"), entry(2, "two\r\n"))
	for _, q := range []string{
		`DROP TRIGGER messages_updated`, `DROP TRIGGER messages_deleted`,
		`DROP TRIGGER message_chunks_updated`, `DROP TRIGGER message_chunks_deleted`,
		`DROP TRIGGER messages_inserted`, `DROP TRIGGER message_chunks_inserted`, `DROP TRIGGER folders_inserted`,
		`DROP TRIGGER folders_updated`, `DROP TRIGGER folders_deleted`, `DROP TRIGGER content_version_only_grows`,
		`DROP TRIGGER content_version_kept`, `DROP TRIGGER content_version_not_replaced`,
		`DROP TABLE discrepancies`, `DROP TABLE verification_folders`, `DROP TABLE verifications`, `DROP TABLE gate_checks`,
		`DELETE FROM meta WHERE key = 'content_version'`,
		`DROP TABLE source_keys`, `DROP TABLE sources`, `DROP TABLE unindexed`,
		`ALTER TABLE folders DROP COLUMN source_id`, `ALTER TABLE failures DROP COLUMN source_key`,
		// Versions 1 and 2 kept the chunks in a WITHOUT ROWID table.
		`CREATE TABLE chunks_v1(message_id INTEGER NOT NULL REFERENCES messages(id), seq INTEGER NOT NULL,
			data BLOB NOT NULL, PRIMARY KEY(message_id, seq)) WITHOUT ROWID`,
		`INSERT INTO chunks_v1 SELECT message_id, seq, data FROM message_chunks`,
		`DROP TABLE message_chunks`,
		`ALTER TABLE chunks_v1 RENAME TO message_chunks`,
		`UPDATE meta SET value = '1' WHERE key = 'schema_version'`,
		`PRAGMA user_version = 1`,
	} {
		if _, err := archive.DB(a).ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	a.Close()
}

func TestMigrateV1ToCurrent(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a")
	makeV1(t, dir)

	// Read-only, a version 1 archive still opens and has no verification.
	ro, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("Open(read-only, v1) = %v", err)
	}
	if v, err := ro.LastVerification(ctx); v != nil || err != nil {
		t.Errorf("LastVerification() on v1 = %+v, %v; want none", v, err)
	}
	if g, err := ro.LastLiveGateCheck(ctx); g != nil || err != nil {
		t.Errorf("LastLiveGateCheck() on v1 = %+v, %v; want none", g, err)
	}
	ro.Close()

	a := openArchive(t, dir)
	var uv int
	if err := archive.DB(a).QueryRowContext(ctx, `PRAGMA user_version`).Scan(&uv); err != nil || uv != archive.SchemaVersion {
		t.Fatalf("user_version = %d, %v; want %d", uv, err, archive.SchemaVersion)
	}
	if v, _ := a.Meta(ctx, "schema_version"); v != strconv.Itoa(archive.SchemaVersion) {
		t.Errorf("meta schema_version = %q, want %d", v, archive.SchemaVersion)
	}
	var ddl string
	archive.DB(a).QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE name = 'message_chunks'`).Scan(&ddl)
	if strings.Contains(strings.ToUpper(ddl), "WITHOUT ROWID") {
		t.Errorf("message_chunks after migration: %s", ddl)
	}
	if b, err := io.ReadAll(a.OpenMessage(ctx, 2)); err != nil || string(b) != "two\r\n" {
		t.Errorf("message 2 after migration = %q, %v", b, err)
	}
	if v, _ := a.Meta(ctx, "created_at"); v == "" {
		t.Error("created_at lost in the migration")
	}
	if uids, err := a.ArchivedUIDs(ctx, 1); err != nil || len(uids) != 2 {
		t.Errorf("messages after migration = %v, %v", uids, err)
	}
	// The triggers count changes to archived messages.
	cv0, _ := a.ContentVersion(ctx)
	if _, err := archive.DB(a).ExecContext(ctx, `UPDATE message_chunks SET data = x'00' WHERE message_id = 1`); err != nil {
		t.Fatal(err)
	}
	// Mailark's own bookkeeping (runs, failures) does not count.
	if _, err := archive.DB(a).ExecContext(ctx, `UPDATE runs SET messages = messages`); err != nil {
		t.Fatal(err)
	}
	if cv, _ := a.ContentVersion(ctx); cv != cv0+1 {
		t.Errorf("content_version %d after one chunk update, want %d", cv, cv0+1)
	}
}

func TestVerificationRecords(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a")
	a := openArchive(t, dir)
	f, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 7})
	v := archive.Verification{StartedAt: "2026-03-01T10:00:00Z", FinishedAt: "2026-03-01T10:01:00Z", Deep: true, BackupRunID: 3,
		Folders: 2, Messages: 10, Bytes: 1000, Verified: 9, Problems: 1, Notes: 1, ContentVersion: 4}
	folders := []archive.VerificationFolder{
		{Name: "INBOX", FolderID: f.ID, OnServer: true, ServerUIDValidity: 7, ServerUIDNext: 12, ServerMessages: 10,
			ServerBytes: 1000, Archived: 10, ArchivedBytes: 1000, Verified: 9, VerifiedUIDs: "1:9", MboxSize: 1100, MboxMTime: 5},
		{Name: "New", OnServer: true, ServerUIDValidity: 1, ServerUIDNext: 2, ServerMessages: 1},
	}
	ds := []archive.Discrepancy{
		{Kind: "message-not-on-server", Folder: "INBOX", UID: 11, Detail: "note"},
		{Kind: "folder-not-archived", Folder: "New", Got: "1", Blocking: true, Detail: "New: not archived"},
	}
	id, err := a.SaveVerification(ctx, v, folders, ds)
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.LastVerification(ctx)
	v.ID = id
	if err != nil || got == nil || *got != v {
		t.Fatalf("LastVerification() = %+v, %v; want %+v", got, err, v)
	}
	gf, err := a.VerificationFolders(ctx, id)
	if err != nil || len(gf) != 2 || gf[0] != folders[0] || gf[1] != folders[1] {
		t.Fatalf("VerificationFolders() = %+v, %v", gf, err)
	}
	gd, err := a.Discrepancies(ctx, id, 0)
	if err != nil || len(gd) != 2 || gd[0] != ds[1] || gd[1] != ds[0] {
		t.Fatalf("Discrepancies() = %+v, %v; want the blocking one first", gd, err)
	}
	if err := a.SaveGateCheck(ctx, archive.GateCheck{At: "x", VerificationID: id, Live: false, Verdict: "{}"}); err != nil {
		t.Fatal(err)
	}
	if g, _ := a.LastLiveGateCheck(ctx); g != nil {
		t.Errorf("LastLiveGateCheck() = %+v; an offline check is not live", g)
	}
	want := archive.GateCheck{At: "y", VerificationID: id, Live: true, Open: true, Verdict: `{"open":true}`}
	if err := a.SaveGateCheck(ctx, want); err != nil {
		t.Fatal(err)
	}
	if g, err := a.LastLiveGateCheck(ctx); err != nil || g == nil || *g != want {
		t.Errorf("LastLiveGateCheck() = %+v, %v; want %+v", g, err, want)
	}
}

// TestOpenForCheckLeavesFilesAlone: unlike Open, it neither refuses nor cuts
// an mbox file that differs from what SQLite committed, and it takes the
// writer's lock.
func TestOpenForCheckLeavesFilesAlone(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a")
	a, f, _ := filled(t, dir, archive.FolderInfo{Name: "INBOX", UIDValidity: 7}, entry(1, "one\r\n"), entry(2, "two\r\n"))
	a.Close()
	path := filepath.Join(dir, filepath.FromSlash(f.MboxPath))
	if err := os.Truncate(path, 10); err != nil {
		t.Fatal(err)
	}
	w, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.NewAppender(f); !errors.Is(err, archive.ErrMboxChanged) {
		t.Fatalf("NewAppender() on a cut mbox file = %v; the test needs Open to refuse writing it", err)
	}
	w.Close()
	c, err := archive.OpenForCheck(ctx, dir, archive.Options{})
	if err != nil {
		t.Fatalf("OpenForCheck() = %v", err)
	}
	if st, _ := os.Stat(path); st.Size() != 10 {
		t.Errorf("OpenForCheck changed the mbox file to %d bytes", st.Size())
	}
	if _, err := archive.Open(ctx, dir, archive.Options{}); mailerr.KindOf(err) != mailerr.ArchiveLocked {
		t.Errorf("Open() while checked = %v, want ArchiveLocked", err)
	}
	if err := c.Checkpoint(ctx); err != nil {
		t.Errorf("Checkpoint() = %v", err)
	}
	c.Close()
	if _, err := archive.OpenForCheck(ctx, filepath.Join(t.TempDir(), "none"), archive.Options{}); err == nil {
		t.Error("OpenForCheck() of no archive = nil error; it must not create one")
	}
}

// TestOpenForCheckOddFolderName: '#', '?' and '%' are file name characters,
// not URI syntax (an archive folder may be called "Mail #2").
func TestOpenForCheckOddFolderName(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	plain := filepath.Join(base, "plain")
	a := openArchive(t, plain)
	if _, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 7}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	odd := filepath.Join(base, "Mail #2 ?x=1 100%")
	if err := os.Rename(plain, odd); err != nil {
		t.Fatal(err)
	}
	c, err := archive.OpenForCheck(ctx, odd, archive.Options{})
	if err != nil {
		t.Fatalf("OpenForCheck(%q) = %v", odd, err)
	}
	defer c.Close()
	if f, err := c.Folder(ctx, "INBOX"); err != nil || f == nil {
		t.Fatalf("Folder(INBOX) in %q = %v, %v: the database opened is not the archive's", odd, f, err)
	}
	if entries, _ := os.ReadDir(base); len(entries) != 1 {
		t.Errorf("files beside the archive: %v", entries)
	}
}
