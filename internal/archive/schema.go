package archive

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// SchemaVersion is the version this code writes; docs/archive.md documents it.
// Version 2 adds what verification and the removal gate record
// (verifications, verification_folders, discrepancies, gate_checks).
// Version 3 makes message_chunks a rowid table; version 4 counts every
// change to stored content (see schemaV4); version 5 adds the copy log
// (copies, copy_failures: see copies.go); version 6 adds sources other than
// the account's IMAP server (sources, source_keys, folders.source_id,
// failures.source_key: see sources.go); version 7 the list of messages not
// yet in the full-text index (unindexed: see index.go); version 8 has the
// guards of content_version refuse with RAISE(FAIL) (schemaGuardsFail).
const SchemaVersion = 8

var schemaV1 = []string{
	`CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
	`CREATE TABLE folders(
		id INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		delimiter TEXT NOT NULL,
		attrs TEXT NOT NULL,
		role TEXT NOT NULL,
		uidvalidity INTEGER NOT NULL,
		current INTEGER NOT NULL,
		mbox_path TEXT NOT NULL UNIQUE,
		mbox_size INTEGER NOT NULL,
		server_uidnext INTEGER NOT NULL DEFAULT 0,
		server_messages INTEGER NOT NULL DEFAULT 0,
		complete_uidnext INTEGER NOT NULL DEFAULT 0,
		last_backup_at TEXT,
		UNIQUE(name, uidvalidity))`,
	`CREATE TABLE runs(
		id INTEGER PRIMARY KEY,
		kind TEXT NOT NULL,
		started_at TEXT NOT NULL,
		finished_at TEXT,
		status TEXT NOT NULL,
		messages INTEGER NOT NULL DEFAULT 0,
		bytes INTEGER NOT NULL DEFAULT 0,
		failed INTEGER NOT NULL DEFAULT 0,
		error TEXT NOT NULL DEFAULT '')`,
	`CREATE TABLE messages(
		id INTEGER PRIMARY KEY,
		folder_id INTEGER NOT NULL REFERENCES folders(id),
		uid INTEGER NOT NULL,
		size INTEGER NOT NULL,
		sha256 TEXT NOT NULL,
		flags TEXT NOT NULL,
		internal_date TEXT NOT NULL,
		mbox_offset INTEGER NOT NULL,
		mbox_length INTEGER NOT NULL,
		message_id TEXT NOT NULL,
		subject TEXT NOT NULL,
		from_addr TEXT NOT NULL,
		to_addr TEXT NOT NULL,
		cc_addr TEXT NOT NULL,
		date TEXT NOT NULL,
		addr_fields BLOB NOT NULL,
		archived_at TEXT NOT NULL,
		run_id INTEGER NOT NULL REFERENCES runs(id),
		UNIQUE(folder_id, uid))`,
	`CREATE INDEX messages_message_id ON messages(message_id)`,
	`CREATE TABLE message_chunks(
		message_id INTEGER NOT NULL REFERENCES messages(id),
		seq INTEGER NOT NULL,
		data BLOB NOT NULL,
		PRIMARY KEY(message_id, seq)) WITHOUT ROWID`,
	`CREATE TABLE failures(
		id INTEGER PRIMARY KEY,
		folder_id INTEGER NOT NULL REFERENCES folders(id),
		uid INTEGER NOT NULL,
		run_id INTEGER NOT NULL REFERENCES runs(id),
		reason TEXT NOT NULL,
		at TEXT NOT NULL,
		resolved_at TEXT,
		UNIQUE(folder_id, uid, run_id))`,
	`CREATE TABLE exports(
		id INTEGER PRIMARY KEY,
		at TEXT NOT NULL,
		format TEXT NOT NULL,
		path TEXT NOT NULL,
		contacts INTEGER NOT NULL,
		sha256 TEXT NOT NULL)`,
	`CREATE VIRTUAL TABLE message_fts USING fts5(subject, addresses, body, content='',
		tokenize='unicode61 remove_diacritics 2')`,
}

// schemaV2 is what version 2 adds to version 1: the results of
// verification and of the removal gate's checks (see migrate and
// docs/archive.md). Nothing of version 1 changes, so a version 1 archive
// is brought up by adding these tables.
var schemaV2 = []string{
	`CREATE TABLE verifications(
		id INTEGER PRIMARY KEY,
		started_at TEXT NOT NULL,
		finished_at TEXT NOT NULL,
		deep INTEGER NOT NULL,
		backup_run_id INTEGER NOT NULL DEFAULT 0,
		folders INTEGER NOT NULL DEFAULT 0,
		messages INTEGER NOT NULL DEFAULT 0,
		bytes INTEGER NOT NULL DEFAULT 0,
		verified INTEGER NOT NULL DEFAULT 0,
		problems INTEGER NOT NULL DEFAULT 0,
		notes INTEGER NOT NULL DEFAULT 0,
		content_version INTEGER NOT NULL DEFAULT 0)`,
	`CREATE TABLE verification_folders(
		id INTEGER PRIMARY KEY,
		verification_id INTEGER NOT NULL REFERENCES verifications(id),
		name TEXT NOT NULL,
		folder_id INTEGER REFERENCES folders(id),
		on_server INTEGER NOT NULL,
		server_uidvalidity INTEGER NOT NULL DEFAULT 0,
		server_uidnext INTEGER NOT NULL DEFAULT 0,
		server_messages INTEGER NOT NULL DEFAULT 0,
		server_bytes INTEGER NOT NULL DEFAULT 0,
		archived INTEGER NOT NULL DEFAULT 0,
		archived_bytes INTEGER NOT NULL DEFAULT 0,
		verified INTEGER NOT NULL DEFAULT 0,
		verified_uids TEXT NOT NULL DEFAULT '',
		mbox_size INTEGER NOT NULL DEFAULT 0,
		mbox_mtime INTEGER NOT NULL DEFAULT 0)`,
	`CREATE INDEX verification_folders_verification ON verification_folders(verification_id)`,
	`CREATE TABLE discrepancies(
		id INTEGER PRIMARY KEY,
		verification_id INTEGER NOT NULL REFERENCES verifications(id),
		kind TEXT NOT NULL,
		folder TEXT NOT NULL,
		uid INTEGER NOT NULL DEFAULT 0,
		want TEXT NOT NULL DEFAULT '',
		got TEXT NOT NULL DEFAULT '',
		blocking INTEGER NOT NULL,
		detail TEXT NOT NULL)`,
	`CREATE INDEX discrepancies_verification ON discrepancies(verification_id)`,
	`CREATE TABLE gate_checks(
		id INTEGER PRIMARY KEY,
		at TEXT NOT NULL,
		verification_id INTEGER NOT NULL DEFAULT 0,
		live INTEGER NOT NULL,
		open INTEGER NOT NULL,
		verdict TEXT NOT NULL)`,
	// Any change to archived messages after they were written (Mailark
	// only ever inserts them) bumps meta.content_version, so the removal
	// gate sees an edit made even with sqlite3 without reading every byte.
	`INSERT INTO meta(key, value) VALUES('content_version', '0') ON CONFLICT(key) DO NOTHING`,
	contentTrigger("messages_updated", "UPDATE", "messages"),
	contentTrigger("messages_deleted", "DELETE", "messages"),
	contentTrigger("message_chunks_updated", "UPDATE", "message_chunks"),
	contentTrigger("message_chunks_deleted", "DELETE", "message_chunks"),
}

// schemaV3 rebuilds message_chunks as an ordinary rowid table. Its rows are
// up to 1 MiB, and in a WITHOUT ROWID table SQLite reads whole overflowing
// rows to compare keys on every insert (a quarter of a backup's CPU). The
// columns, the key and the SQL to read a message stay the same.
var schemaV3 = []string{
	`CREATE TABLE message_chunks_v3(
		message_id INTEGER NOT NULL REFERENCES messages(id),
		seq INTEGER NOT NULL,
		data BLOB NOT NULL,
		PRIMARY KEY(message_id, seq))`,
	`INSERT INTO message_chunks_v3(message_id, seq, data) SELECT message_id, seq, data FROM message_chunks ORDER BY message_id, seq`,
	`DROP TABLE message_chunks`, // its triggers go with it; DROP fires none
	`ALTER TABLE message_chunks_v3 RENAME TO message_chunks`,
	contentTrigger("message_chunks_updated", "UPDATE", "message_chunks"),
	contentTrigger("message_chunks_deleted", "DELETE", "message_chunks"),
}

// schemaV4 makes every change to stored content, however made, bump
// meta.content_version: an INSERT too (INSERT OR REPLACE deletes the row it
// replaces without firing a DELETE trigger), and the folders table, whose
// mbox_path, uidvalidity and mbox_size say where a folder's messages are.
// Backups insert and update these tables too, so content_version moves on
// every backup; the gate already closes after a backup that follows the
// verification. content_version itself can only grow: lowering, deleting or
// re-inserting it is refused. (Whoever drops these triggers can still edit
// the database unseen; the removal re-hashes every message it is about to
// delete, from SQLite and from the mbox file, for that.)
var schemaV4 = append([]string{
	contentTrigger("messages_inserted", "INSERT", "messages"),
	contentTrigger("message_chunks_inserted", "INSERT", "message_chunks"),
	contentTrigger("folders_inserted", "INSERT", "folders"),
	contentTrigger("folders_updated", "UPDATE", "folders"),
	contentTrigger("folders_deleted", "DELETE", "folders"),
}, guards("ABORT")...)

// schemaGuardsFail has the guards of content_version refuse with
// RAISE(FAIL) rather than ABORT. Either way the change refused is not
// made (FAIL keeps what the same statement changed before: rows of meta
// other than content_version, which nothing guards). But a statement that
// may abort makes SQLite keep a statement journal for it, and an INSERT
// into messages or message_chunks fires a content trigger whose UPDATE of
// meta fires the guard: each one copied the pages it touched, 64 KiB
// each, to a file first (1.2 s of CPU in a backup of 20,000 messages).
// With these guards, a Batch's INSERT OR FAIL keeps none (batch.go).
var schemaGuardsFail = append([]string{
	`DROP TRIGGER content_version_only_grows`,
	`DROP TRIGGER content_version_kept`,
	`DROP TRIGGER content_version_not_replaced`,
}, guards("FAIL")...)

// guards are the triggers that keep content_version from being lowered,
// deleted or re-inserted, refusing with RAISE(raise).
func guards(raise string) []string {
	return []string{
		`CREATE TRIGGER content_version_only_grows BEFORE UPDATE ON meta
		WHEN (old.key = 'content_version' OR new.key = 'content_version')
		AND NOT (old.key = new.key AND CAST(new.value AS INTEGER) > CAST(old.value AS INTEGER))
		BEGIN SELECT RAISE(` + raise + `, 'meta.content_version can only grow'); END`,
		`CREATE TRIGGER content_version_kept BEFORE DELETE ON meta WHEN old.key = 'content_version'
		BEGIN SELECT RAISE(` + raise + `, 'meta.content_version cannot be deleted'); END`,
		`CREATE TRIGGER content_version_not_replaced BEFORE INSERT ON meta WHEN new.key = 'content_version'
		BEGIN SELECT RAISE(` + raise + `, 'meta.content_version cannot be replaced'); END`,
	}
}

func contentTrigger(name, event, table string) string {
	return `CREATE TRIGGER ` + name + ` AFTER ` + event + ` ON ` + table + ` BEGIN
		UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'content_version'; END`
}

// upgrade brings the schema to SchemaVersion, one version at a time, in one
// transaction. A newer schema than this code knows is refused rather than
// guessed at.
func upgrade(ctx context.Context, db *sql.DB, now string) error {
	var v int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return err
	}
	if v > SchemaVersion {
		return fmt.Errorf("archive schema version %d is newer than this Mailark understands (%d): update Mailark", v, SchemaVersion)
	}
	if v == SchemaVersion {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Read again inside the write transaction: another process may have
	// upgraded meanwhile.
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return err
	}
	if v == SchemaVersion {
		return nil
	}
	steps := [][]string{schemaV1, schemaV2, schemaV3, schemaV4, schemaCopies, schemaSources, schemaIndexLater, schemaGuardsFail} // steps[i] brings version i to i+1
	for _, stmts := range steps[v:] {
		for _, stmt := range stmts {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("create schema: %w", err)
			}
		}
	}
	if v == 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES('created_at', ?)`, now); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES('schema_version', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, strconv.Itoa(SchemaVersion)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, SchemaVersion)); err != nil {
		return err
	}
	return tx.Commit()
}
