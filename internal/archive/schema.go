package archive

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// SchemaVersion is the version this code writes; docs/archive.md documents it.
const SchemaVersion = 1

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

// migrate brings the schema to SchemaVersion. A newer schema than this code
// knows is refused rather than guessed at.
func migrate(ctx context.Context, db *sql.DB, now string) error {
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
	for _, stmt := range schemaV1 {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
	}
	for k, val := range map[string]string{"schema_version": strconv.Itoa(SchemaVersion), "created_at": now} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES(?, ?)`, k, val); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, SchemaVersion)); err != nil {
		return err
	}
	return tx.Commit()
}
