package archive

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The copy log: which archived message is in which folder of which new
// account, so a rerun of the copy knows what is done (package migrate), and
// the messages a new account refused. See docs/archive.md, "Migration
// records".

// schemaCopies is schema version 5. Releases up to 0.1.0 created these
// tables outside the versioned schema, the first time a copy ran, with
// these same statements: IF NOT EXISTS keeps their rows.
var schemaCopies = []string{
	`CREATE TABLE IF NOT EXISTS copies(
  folder_id        INTEGER NOT NULL REFERENCES folders(id),
  uid              INTEGER NOT NULL,
  dest_host        TEXT NOT NULL,
  dest_user        TEXT NOT NULL,
  dest_folder      TEXT NOT NULL,
  dest_uidvalidity INTEGER NOT NULL,
  dest_uid         INTEGER NOT NULL,
  how              TEXT NOT NULL,
  at               TEXT NOT NULL,
  PRIMARY KEY(folder_id, uid, dest_host, dest_user)
)`,
	`CREATE INDEX IF NOT EXISTS copies_dest ON copies(dest_host, dest_user, dest_folder, dest_uidvalidity, dest_uid)`,
	`CREATE TABLE IF NOT EXISTS copy_failures(
  folder_id   INTEGER NOT NULL REFERENCES folders(id),
  uid         INTEGER NOT NULL,
  dest_host   TEXT NOT NULL,
  dest_user   TEXT NOT NULL,
  dest_folder TEXT NOT NULL,
  reason      TEXT NOT NULL,
  at          TEXT NOT NULL,
  PRIMARY KEY(folder_id, uid, dest_host, dest_user)
)`,
}

// CopyLog reads and writes the copy records of one destination account.
type CopyLog struct {
	a          *Archive
	host, user string
	noTables   bool // a read-only archive from before schema version 5 that was never copied from

	// mu makes Saves one at a time: a copy saves from each connection's
	// goroutine, and failures is read and set by each.
	mu       sync.Mutex
	failures bool // copy_failures may hold rows for this account
}

// CopyRecord is one archived message known to be in the destination.
type CopyRecord struct {
	FolderID        int64
	UID             uint32
	DestFolder      string
	DestUIDValidity uint32
	DestUID         uint32 // 0: unknown (no UIDPLUS)
	How             string // "appended" or "found"
	At              string // RFC 3339; set by Save
}

// CopyFailure is an archived message the destination refused.
type CopyFailure struct {
	FolderID   int64
	UID        uint32
	DestFolder string
	Reason     string // the server's words
	At         string // RFC 3339; set by Save
}

// CopyMessage is an archived message as the copy needs it.
type CopyMessage struct {
	ID           int64
	UID          uint32
	Size         int64
	SHA256       string
	Flags        string // space-separated
	InternalDate string // RFC 3339
	Date         string // the Date header as RFC 3339, "" when missing or unreadable
	MessageID    string
}

// CopyLog opens the copy log of the account user on host (the host name's
// case does not matter).
func (a *Archive) CopyLog(ctx context.Context, host, user string) (*CopyLog, error) {
	l := &CopyLog{a: a, host: strings.ToLower(host), user: user}
	var n int
	err := a.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'copy_failures'`).Scan(&n)
	if err != nil {
		return nil, classifyDB("read archive", a.dir, err)
	}
	if n == 0 {
		l.noTables = true
		return l, nil
	}
	err = a.db.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM copy_failures WHERE dest_host = ? AND dest_user = ?)`,
		l.host, l.user).Scan(&l.failures)
	return l, classifyDB("read archive", a.dir, err)
}

// Save writes records and failures in one transaction, stamped at. A record
// replaces an earlier one for the same message and account (the folder was
// remapped, or recreated on the destination), and clears its failure.
func (l *CopyLog) Save(ctx context.Context, recs []CopyRecord, fails []CopyFailure, at time.Time) error {
	if len(recs) == 0 && len(fails) == 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.save(ctx, recs, fails, at.Format(time.RFC3339))
	if err != nil {
		return classifyDB("record copies", l.a.dir, err)
	}
	l.failures = l.failures || len(fails) > 0
	return nil
}

func (l *CopyLog) save(ctx context.Context, recs []CopyRecord, fails []CopyFailure, at string) error {
	tx, err := l.a.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO copies(folder_id, uid, dest_host, dest_user, dest_folder,
		dest_uidvalidity, dest_uid, how, at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(folder_id, uid, dest_host, dest_user) DO UPDATE SET dest_folder = excluded.dest_folder,
		dest_uidvalidity = excluded.dest_uidvalidity, dest_uid = excluded.dest_uid, how = excluded.how, at = excluded.at`)
	if err != nil {
		return err
	}
	defer ins.Close()
	for _, r := range recs {
		if _, err := ins.ExecContext(ctx, r.FolderID, r.UID, l.host, l.user, r.DestFolder, r.DestUIDValidity, r.DestUID, r.How, at); err != nil {
			return err
		}
		if !l.failures {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM copy_failures WHERE folder_id = ? AND uid = ? AND dest_host = ? AND dest_user = ?`,
			r.FolderID, r.UID, l.host, l.user); err != nil {
			return err
		}
	}
	for _, f := range fails {
		if _, err := tx.ExecContext(ctx, `INSERT INTO copy_failures(folder_id, uid, dest_host, dest_user, dest_folder, reason, at)
			VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(folder_id, uid, dest_host, dest_user) DO UPDATE SET
			dest_folder = excluded.dest_folder, reason = excluded.reason, at = excluded.at`,
			f.FolderID, f.UID, l.host, l.user, f.DestFolder, f.Reason, at); err != nil {
			return err
		}
	}
	if err := checkFence(ctx); err != nil {
		return err
	}
	return tx.Commit()
}

// Records returns every copy record of the account, by folder and UID.
func (l *CopyLog) Records(ctx context.Context) ([]CopyRecord, error) {
	if l.noTables {
		return nil, nil
	}
	rows, err := l.a.db.QueryContext(ctx, `SELECT folder_id, uid, dest_folder, dest_uidvalidity, dest_uid, how, at
		FROM copies WHERE dest_host = ? AND dest_user = ? ORDER BY folder_id, uid`, l.host, l.user)
	return scanAll(l.a, rows, err, func(s scanner) (r CopyRecord, err error) {
		err = s.Scan(&r.FolderID, &r.UID, &r.DestFolder, &r.DestUIDValidity, &r.DestUID, &r.How, &r.At)
		return r, err
	})
}

// Failures returns the messages the account refused, by folder and UID.
func (l *CopyLog) Failures(ctx context.Context) ([]CopyFailure, error) {
	if l.noTables {
		return nil, nil
	}
	rows, err := l.a.db.QueryContext(ctx, `SELECT folder_id, uid, dest_folder, reason, at
		FROM copy_failures WHERE dest_host = ? AND dest_user = ? ORDER BY folder_id, uid`, l.host, l.user)
	return scanAll(l.a, rows, err, func(s scanner) (f CopyFailure, err error) {
		err = s.Scan(&f.FolderID, &f.UID, &f.DestFolder, &f.Reason, &f.At)
		return f, err
	})
}

// notCopied is the condition "no record puts this message in dest folder
// f with UIDVALIDITY v"; its arguments follow the folder id.
const notCopied = `NOT EXISTS (SELECT 1 FROM copies c WHERE c.folder_id = m.folder_id AND c.uid = m.uid
	AND c.dest_host = ? AND c.dest_user = ? AND c.dest_folder = ? AND c.dest_uidvalidity = ?)`

// EachPending calls fn for every message of the folder generation without a
// record in dest (with UIDVALIDITY v), by ascending UID, a page at a time:
// no cursor stays open while fn runs.
func (l *CopyLog) EachPending(ctx context.Context, folderID int64, dest string, v uint32, fn func(CopyMessage) error) error {
	if l.noTables {
		return l.EachMessage(ctx, folderID, fn)
	}
	return l.eachPage(ctx, `AND `+notCopied, []any{l.host, l.user, dest, v}, folderID, fn)
}

// EachMessage is EachPending without the copy log: every message of the
// folder generation.
func (l *CopyLog) EachMessage(ctx context.Context, folderID int64, fn func(CopyMessage) error) error {
	return l.eachPage(ctx, "", nil, folderID, fn)
}

func (l *CopyLog) eachPage(ctx context.Context, cond string, condArgs []any, folderID int64, fn func(CopyMessage) error) error {
	const page = 500
	var after int64 = -1
	for {
		args := append([]any{folderID, after}, condArgs...)
		rows, err := l.a.db.QueryContext(ctx, `SELECT m.id, m.uid, m.size, m.sha256, m.flags, m.internal_date, m.date, m.message_id
			FROM messages m WHERE m.folder_id = ? AND m.uid > ? `+cond+` ORDER BY m.uid LIMIT `+strconv.Itoa(page), args...)
		msgs, err := scanAll(l.a, rows, err, func(s scanner) (m CopyMessage, err error) {
			err = s.Scan(&m.ID, &m.UID, &m.Size, &m.SHA256, &m.Flags, &m.InternalDate, &m.Date, &m.MessageID)
			return m, err
		})
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if err := fn(m); err != nil {
				return err
			}
		}
		if len(msgs) < page {
			return nil
		}
		after = int64(msgs[len(msgs)-1].UID)
	}
}

// CountPending counts the messages and bytes EachPending would visit.
func (l *CopyLog) CountPending(ctx context.Context, folderID int64, dest string, v uint32) (n, size int64, err error) {
	q := `SELECT count(*), COALESCE(sum(m.size), 0) FROM messages m WHERE m.folder_id = ? AND ` + notCopied
	args := []any{folderID, l.host, l.user, dest, v}
	if l.noTables {
		q, args = `SELECT count(*), COALESCE(sum(m.size), 0) FROM messages m WHERE m.folder_id = ?`, args[:1]
	}
	err = l.a.db.QueryRowContext(ctx, q, args...).Scan(&n, &size)
	return n, size, classifyDB("read archive", l.a.dir, err)
}

// DestUIDs returns the destination UIDs recorded in dest folder (with
// UIDVALIDITY v), by any archive folder, ascending.
func (l *CopyLog) DestUIDs(ctx context.Context, dest string, v uint32) ([]uint32, error) {
	if l.noTables {
		return nil, nil
	}
	rows, err := l.a.db.QueryContext(ctx, `SELECT dest_uid FROM copies WHERE dest_host = ? AND dest_user = ?
		AND dest_folder = ? AND dest_uidvalidity = ? AND dest_uid > 0 ORDER BY dest_uid`, l.host, l.user, dest, v)
	return scanAll(l.a, rows, err, func(s scanner) (u uint32, err error) {
		err = s.Scan(&u)
		return u, err
	})
}

// Recorded returns, for the folder generation, archive UID → destination
// UID of the messages recorded in dest (with UIDVALIDITY v).
func (l *CopyLog) Recorded(ctx context.Context, folderID int64, dest string, v uint32) (map[uint32]uint32, error) {
	out := map[uint32]uint32{}
	if l.noTables {
		return out, nil
	}
	rows, err := l.a.db.QueryContext(ctx, `SELECT uid, dest_uid FROM copies WHERE folder_id = ? AND dest_host = ?
		AND dest_user = ? AND dest_folder = ? AND dest_uidvalidity = ?`, folderID, l.host, l.user, dest, v)
	pairs, err := scanAll(l.a, rows, err, func(s scanner) (p [2]uint32, err error) {
		err = s.Scan(&p[0], &p[1])
		return p, err
	})
	for _, p := range pairs {
		out[p[0]] = p[1]
	}
	return out, err
}

// CountUnrecorded counts the messages of a folder generation that no record
// puts anywhere in the destination account.
func (l *CopyLog) CountUnrecorded(ctx context.Context, folderID int64) (n, size int64, err error) {
	q := `SELECT count(*), COALESCE(sum(m.size), 0) FROM messages m WHERE m.folder_id = ?`
	args := []any{folderID}
	if !l.noTables {
		q += ` AND NOT EXISTS (SELECT 1 FROM copies c WHERE c.folder_id = m.folder_id AND c.uid = m.uid
			AND c.dest_host = ? AND c.dest_user = ?)`
		args = append(args, l.host, l.user)
	}
	err = l.a.db.QueryRowContext(ctx, q, args...).Scan(&n, &size)
	return n, size, classifyDB("read archive", l.a.dir, err)
}
