package archive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Sources other than the account's IMAP server (schema version 6): a POP3
// mailbox, or a mail app's store on this computer (Apple Mail, Thunderbird,
// Outlook Express, Windows Live Mail, Becky!, an mbox file, a Maildir, a
// folder of .eml files).
//
// Each source gets its own folders, named "<source label>/<folder>", whose
// UIDVALIDITY is the source's id and whose UIDs Mailark assigns (1, 2, …).
// A message's identity within its source is its key (a POP3 UIDL, or what a
// store reader derives from the message, see package mailstore): the archive
// keeps one row per (folder, key) in source_keys, written in the same
// transaction as the message, so importing again adds nothing and a stopped
// import resumes where its last batch committed.
var schemaSources = []string{
	`CREATE TABLE sources(
		id INTEGER PRIMARY KEY,
		kind TEXT NOT NULL,
		location TEXT NOT NULL,
		label TEXT NOT NULL UNIQUE,
		account TEXT NOT NULL DEFAULT '',
		server TEXT NOT NULL DEFAULT '',
		protocol TEXT NOT NULL DEFAULT '',
		added_at TEXT NOT NULL,
		last_import_at TEXT,
		UNIQUE(kind, location))`,
	`ALTER TABLE folders ADD COLUMN source_id INTEGER NOT NULL DEFAULT 0`,
	`CREATE TABLE source_keys(
		folder_id INTEGER NOT NULL REFERENCES folders(id),
		key TEXT NOT NULL,
		uid INTEGER NOT NULL,
		origin TEXT NOT NULL DEFAULT '',
		PRIMARY KEY(folder_id, key))`,
	`CREATE UNIQUE INDEX source_keys_uid ON source_keys(folder_id, uid)`,
	`ALTER TABLE failures ADD COLUMN source_key TEXT NOT NULL DEFAULT ''`,
	contentTrigger("source_keys_updated", "UPDATE", "source_keys"),
	contentTrigger("source_keys_deleted", "DELETE", "source_keys"),
}

// Source kinds.
const (
	SourcePOP3            = "pop3"
	SourceAppleMail       = "apple-mail"
	SourceThunderbird     = "thunderbird"
	SourceOutlookExpress  = "outlook-express"
	SourceWindowsLiveMail = "windows-live-mail"
	SourceBecky           = "becky"
	SourceMbox            = "mbox"
	SourceMaildir         = "maildir"
	SourceEML             = "eml"
)

// Source is one place messages were imported from.
type Source struct {
	ID       int64
	Kind     string // one of the Source* kinds
	Location string // pop3: "user@host"; a store: the absolute path of its root
	Label    string // unique in the archive; the first part of its folders' names
	Account  string // the address the mail belongs to, when known
	Server   string // the server that account used, when known
	Protocol string // "pop3", "imap" or "" (unknown): how the account got its mail
	AddedAt  string
	// LastImportAt is when an import of the whole source last finished
	// without failures; empty if never.
	LastImportAt string
}

// POP3Location is the Location of a POP3 source: "user@host", the host
// in lower case. The port is not part of it: the same maildrop reached
// over 995 (TLS) one day and 110 (STLS) the next is one mailbox, and its
// UIDLs say what is archived already.
func POP3Location(user, host string) string {
	return user + "@" + strings.ToLower(strings.TrimSuffix(host, "."))
}

const sourceCols = `id, kind, location, label, account, server, protocol, added_at, COALESCE(last_import_at, '')`

func scanSource(s scanner) (*Source, error) {
	var src Source
	err := s.Scan(&src.ID, &src.Kind, &src.Location, &src.Label, &src.Account, &src.Server, &src.Protocol,
		&src.AddedAt, &src.LastImportAt)
	if err != nil {
		return nil, err
	}
	return &src, nil
}

// EnsureSource returns the archive's record of the source (same Kind and
// Location), creating it when new. Account, Server and Protocol are updated
// when given. A new source's Label is s.Label, or its kind when empty, made
// unique with " (2)", " (3)"…; a label may not contain "/".
func (a *Archive) EnsureSource(ctx context.Context, s Source) (*Source, error) {
	if s.Kind == "" || s.Location == "" {
		return nil, fmt.Errorf("archive: a source needs a kind and a location")
	}
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, classifyDB("write archive", a.dir, err)
	}
	defer tx.Rollback()
	cur, err := scanSource(tx.QueryRowContext(ctx, `SELECT `+sourceCols+` FROM sources WHERE kind = ? AND location = ?`,
		s.Kind, s.Location))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		label := strings.ReplaceAll(strings.TrimSpace(s.Label), "/", "-")
		if label == "" {
			label = s.Kind
		}
		for n := 1; ; n++ {
			try := label
			if n > 1 {
				try = fmt.Sprintf("%s (%d)", label, n)
			}
			var count int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sources WHERE label = ?`, try).Scan(&count); err != nil {
				return nil, classifyDB("read archive", a.dir, err)
			}
			if count == 0 {
				label = try
				break
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO sources(kind, location, label, account, server, protocol, added_at)
			VALUES(?, ?, ?, ?, ?, ?, ?)`, s.Kind, s.Location, label, s.Account, s.Server, s.Protocol, a.stamp())
		if err != nil {
			return nil, classifyDB("write archive", a.dir, err)
		}
		id, _ := res.LastInsertId()
		cur = &Source{ID: id, Kind: s.Kind, Location: s.Location, Label: label, Account: s.Account,
			Server: s.Server, Protocol: s.Protocol, AddedAt: a.stamp()}
	case err != nil:
		return nil, classifyDB("read archive", a.dir, err)
	default:
		changed := false
		for _, f := range []struct {
			cur  *string
			want string
		}{{&cur.Account, s.Account}, {&cur.Server, s.Server},
			{&cur.Protocol, s.Protocol}} {
			if f.want != "" && *f.cur != f.want {
				*f.cur, changed = f.want, true
			}
		}
		if changed {
			if _, err := tx.ExecContext(ctx, `UPDATE sources SET account = ?, server = ?, protocol = ? WHERE id = ?`,
				cur.Account, cur.Server, cur.Protocol, cur.ID); err != nil {
				return nil, classifyDB("write archive", a.dir, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, classifyDB("write archive", a.dir, err)
	}
	return cur, nil
}

// Sources lists every source, in the order they were added.
func (a *Archive) Sources(ctx context.Context) ([]*Source, error) {
	if a.version < 6 {
		return nil, nil
	}
	rows, err := a.db.QueryContext(ctx, `SELECT `+sourceCols+` FROM sources ORDER BY id`)
	return scanAll(a, rows, err, scanSource)
}

// SourceImported records that an import of the whole source finished
// without failures.
func (a *Archive) SourceImported(ctx context.Context, sourceID int64) error {
	_, err := a.db.ExecContext(ctx, `UPDATE sources SET last_import_at = ? WHERE id = ?`, a.stamp(), sourceID)
	return classifyDB("write archive", a.dir, err)
}

// SourceFolderName is the archive's name for a source's folder: the
// source's label, "/", and the folder's own name ("/" between its levels).
func SourceFolderName(src *Source, name string) string { return src.Label + "/" + name }

// SourceFolder returns the archive folder for the source's folder name
// (levels separated by "/"), creating it when new.
func (a *Archive) SourceFolder(ctx context.Context, src *Source, name, role string) (*Folder, error) {
	full := SourceFolderName(src, name)
	f, err := scanFolder(a.db.QueryRowContext(ctx, `SELECT `+a.folderCols()+` FROM folders
		WHERE source_id = ? AND name = ? AND current = 1`, src.ID, full))
	switch {
	case err == nil:
		return f, nil
	case !errors.Is(err, sql.ErrNoRows):
		return nil, classifyDB("read archive", a.dir, err)
	}
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, classifyDB("write archive", a.dir, err)
	}
	defer tx.Rollback()
	path, err := a.freePath(ctx, tx, MboxPath(full, "/"))
	if err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO folders(name, delimiter, attrs, role, uidvalidity, current, mbox_path,
		mbox_size, source_id) VALUES(?, '/', '', ?, ?, 1, ?, 0, ?)`, full, role, src.ID, path, src.ID)
	if err != nil {
		return nil, classifyDB("write archive", a.dir, fmt.Errorf("folder %q: %w", full, err))
	}
	id, _ := res.LastInsertId()
	if err := tx.Commit(); err != nil {
		return nil, classifyDB("write archive", a.dir, err)
	}
	f, err = scanFolder(a.db.QueryRowContext(ctx, `SELECT `+a.folderCols()+` FROM folders WHERE id = ?`, id))
	if err != nil {
		return nil, classifyDB("read archive", a.dir, err)
	}
	if err := a.touch(f.MboxPath); err != nil {
		return nil, err
	}
	return f, nil
}

// SourceFolders lists the current folders of one source, by name.
func (a *Archive) SourceFolders(ctx context.Context, sourceID int64) ([]*Folder, error) {
	if a.version < 6 {
		return nil, nil
	}
	rows, err := a.db.QueryContext(ctx, `SELECT `+a.folderCols()+` FROM folders WHERE source_id = ? AND current = 1
		ORDER BY name`, sourceID)
	return scanAll(a, rows, err, scanFolder)
}

// SourceKey is one imported message's identity in its source.
type SourceKey struct {
	Key    string
	UID    uint32
	Origin string // where in the store it was read (a path relative to the store's root), if known
	SHA256 string // of the archived bytes, hex
	Size   int64
}

// LookupSourceKey reports the archived message with that key in folder f,
// nil if none.
func (a *Archive) LookupSourceKey(ctx context.Context, folderID int64, key string) (*SourceKey, error) {
	k, err := scanSourceKey(a.db.QueryRowContext(ctx, `SELECT k.key, k.uid, k.origin, m.sha256, m.size FROM source_keys k
		JOIN messages m ON m.folder_id = k.folder_id AND m.uid = k.uid
		WHERE k.folder_id = ? AND k.key = ?`, folderID, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return k, classifyDB("read archive", a.dir, err)
}

func scanSourceKey(s scanner) (*SourceKey, error) {
	var k SourceKey
	if err := s.Scan(&k.Key, &k.UID, &k.Origin, &k.SHA256, &k.Size); err != nil {
		return nil, err
	}
	return &k, nil
}

// EachSourceKey calls fn for every archived message of folder f that has a
// key, in UID order.
func (a *Archive) EachSourceKey(ctx context.Context, folderID int64, fn func(*SourceKey) error) error {
	rows, err := a.db.QueryContext(ctx, `SELECT k.key, k.uid, k.origin, m.sha256, m.size FROM source_keys k
		JOIN messages m ON m.folder_id = k.folder_id AND m.uid = k.uid
		WHERE k.folder_id = ? ORDER BY k.uid`, folderID)
	return eachRow(a, rows, err, scanSourceKey, fn)
}

// NextSourceUID is the UID the next message (or failure) of source folder f
// gets: one past the largest given so far.
func (a *Archive) NextSourceUID(ctx context.Context, folderID int64) (uint32, error) {
	var n sql.NullInt64
	err := a.db.QueryRowContext(ctx, `SELECT max(u) FROM (SELECT max(uid) AS u FROM messages WHERE folder_id = ?
		UNION ALL SELECT max(uid) FROM failures WHERE folder_id = ?)`, folderID, folderID).Scan(&n)
	if err != nil {
		return 0, classifyDB("read archive", a.dir, err)
	}
	return uint32(n.Int64) + 1, nil
}

// RecordSourceFailure stores, within the batch, that the message with that
// key could not be imported in this run. Its UID is fresh; when the key is
// archived later, the failure is resolved. A message whose key comes from
// its content fails under the key "origin:" + where it was read.
func (b *Batch) RecordSourceFailure(ctx context.Context, uid uint32, key, reason string) error {
	// The newest failure of a key stands for it: an earlier one is closed,
	// so a message that fails in every run is listed once.
	if _, err := b.tx.ExecContext(ctx, `UPDATE failures SET resolved_at = ?, reason = reason || ' (failed again later)'
		WHERE folder_id = ? AND source_key = ? AND resolved_at IS NULL`, b.a.stamp(), b.f.ID, key); err != nil {
		return classifyDB("write archive", b.a.dir, err)
	}
	_, err := b.tx.ExecContext(ctx, `INSERT INTO failures(folder_id, uid, run_id, reason, at, source_key)
		VALUES(?, ?, ?, ?, ?, ?)`, b.f.ID, uid, b.runID, reason, b.a.stamp(), key)
	return classifyDB("write archive", b.a.dir, err)
}

// addSourceKey records e's key within the batch and resolves earlier
// failures of the same key.
func (b *Batch) addSourceKey(ctx context.Context, e *Entry) error {
	if _, err := b.tx.ExecContext(ctx, `INSERT INTO source_keys(folder_id, key, uid, origin) VALUES(?, ?, ?, ?)`,
		b.f.ID, e.SourceKey, e.UID, e.SourceOrigin); err != nil {
		return classifyDB("write archive", b.a.dir, fmt.Errorf("key %q: %w", e.SourceKey, err))
	}
	// A message without a key of its own failed under its origin.
	_, err := b.tx.ExecContext(ctx, `UPDATE failures SET resolved_at = ? WHERE folder_id = ?
		AND source_key IN (?, ?) AND resolved_at IS NULL`, b.a.stamp(), b.f.ID, e.SourceKey, "origin:"+e.SourceOrigin)
	return classifyDB("write archive", b.a.dir, err)
}

// ResolveSourceGone marks resolved the open failures of source folder f
// whose key onServer says the source no longer holds (a POP3 message
// deleted since it failed): nothing is left to fetch. It returns how many.
func (a *Archive) ResolveSourceGone(ctx context.Context, folderID int64, onServer func(key string) bool) (int, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT DISTINCT source_key FROM failures WHERE folder_id = ? AND resolved_at IS NULL
		AND source_key != ''`, folderID)
	if err != nil {
		return 0, classifyDB("read archive", a.dir, err)
	}
	var gone []string
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			rows.Close()
			return 0, classifyDB("read archive", a.dir, err)
		}
		if !onServer(key) {
			gone = append(gone, key)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, classifyDB("read archive", a.dir, err)
	}
	for _, key := range gone {
		if _, err := a.db.ExecContext(ctx, `UPDATE failures SET resolved_at = ?, reason = reason || ' (message no longer on the server)'
			WHERE folder_id = ? AND source_key = ? AND resolved_at IS NULL`, a.stamp(), folderID, key); err != nil {
			return 0, classifyDB("write archive", a.dir, err)
		}
	}
	return len(gone), nil
}
