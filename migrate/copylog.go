package migrate

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
)

// The copy log: what was copied to which account, kept in the archive so a
// rerun knows what is done. The tables are created here, not by the archive's
// schema migrations, because only migrate writes or reads them; see
// docs/archive.md, "Migration records".

var copyLogSchema = []string{
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

// copyLog reads and writes the copy records of one destination account.
type copyLog struct {
	db         *sql.DB
	dir        string
	host, user string
	now        func() time.Time
	noTables   bool // a read-only archive that was never migrated from
	failures   bool // copy_failures may hold rows for this account
}

// copyRecord is one message known to be in the destination.
type copyRecord struct {
	folderID        int64
	uid             uint32
	destFolder      string
	destUIDValidity uint32
	destUID         uint32 // 0: unknown (no UIDPLUS)
	how             string // "appended" or "found"
}

func openCopyLog(ctx context.Context, a *archive.Archive, host, user string, now func() time.Time, readOnly bool) (*copyLog, error) {
	l := &copyLog{db: a.DB(), dir: a.Dir(), host: strings.ToLower(host), user: user, now: now}
	if readOnly {
		var n int
		err := l.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'copies'`).Scan(&n)
		l.noTables = n == 0
		return l, l.dbErr("read archive", err)
	}
	for _, s := range copyLogSchema {
		if _, err := l.db.ExecContext(ctx, s); err != nil {
			return nil, l.dbErr("prepare migration records", err)
		}
	}
	err := l.db.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM copy_failures WHERE dest_host = ? AND dest_user = ?)`,
		l.host, l.user).Scan(&l.failures)
	return l, l.dbErr("read archive", err)
}

func (l *copyLog) dbErr(op string, err error) error {
	if err == nil || errors.Is(err, context.Canceled) || mailerr.As(err) != nil {
		return err
	}
	kind := mailerr.ArchiveBroken
	if strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "SQLITE_BUSY") {
		kind = mailerr.ArchiveLocked
	}
	return mailerr.New(kind, op, l.dir, err)
}

// save writes records and failures in one transaction. A record replaces an
// earlier one for the same message and account (the folder was remapped, or
// recreated on the destination), and clears its failure.
func (l *copyLog) save(ctx context.Context, recs []copyRecord, fails []CopyRefusal) error {
	if len(recs) == 0 && len(fails) == 0 {
		return nil
	}
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return l.dbErr("record copies", err)
	}
	defer tx.Rollback()
	at := l.now().Format(time.RFC3339)
	ins, err := tx.PrepareContext(ctx, `INSERT INTO copies(folder_id, uid, dest_host, dest_user, dest_folder,
		dest_uidvalidity, dest_uid, how, at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(folder_id, uid, dest_host, dest_user) DO UPDATE SET dest_folder = excluded.dest_folder,
		dest_uidvalidity = excluded.dest_uidvalidity, dest_uid = excluded.dest_uid, how = excluded.how, at = excluded.at`)
	if err != nil {
		return l.dbErr("record copies", err)
	}
	defer ins.Close()
	for _, r := range recs {
		if _, err := ins.ExecContext(ctx, r.folderID, r.uid, l.host, l.user, r.destFolder, r.destUIDValidity, r.destUID, r.how, at); err != nil {
			return l.dbErr("record copies", err)
		}
		if !l.failures {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM copy_failures WHERE folder_id = ? AND uid = ? AND dest_host = ? AND dest_user = ?`,
			r.folderID, r.uid, l.host, l.user); err != nil {
			return l.dbErr("record copies", err)
		}
	}
	for _, f := range fails {
		if _, err := tx.ExecContext(ctx, `INSERT INTO copy_failures(folder_id, uid, dest_host, dest_user, dest_folder, reason, at)
			VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(folder_id, uid, dest_host, dest_user) DO UPDATE SET
			dest_folder = excluded.dest_folder, reason = excluded.reason, at = excluded.at`,
			f.folderID, f.UID, l.host, l.user, f.Dest, f.Reason, at); err != nil {
			return l.dbErr("record copies", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return l.dbErr("record copies", err)
	}
	l.failures = l.failures || len(fails) > 0
	return nil
}

// pendingMsg is an archived message not yet recorded in the destination.
type pendingMsg struct {
	id           int64
	uid          uint32
	size         int64
	sha256       string
	flags        string
	internalDate string
	messageID    string
	data         []byte // the bytes, when read ahead
}

// notCopied is the condition "no record puts this message in dest folder
// f with UIDVALIDITY v"; its arguments follow the folder id.
const notCopied = `NOT EXISTS (SELECT 1 FROM copies c WHERE c.folder_id = m.folder_id AND c.uid = m.uid
	AND c.dest_host = ? AND c.dest_user = ? AND c.dest_folder = ? AND c.dest_uidvalidity = ?)`

// eachPending calls fn for every message of the folder generation without a
// record in dest (with UIDVALIDITY v), by ascending UID, a page at a time:
// no cursor stays open while fn runs (the archive has one connection).
func (l *copyLog) eachPending(ctx context.Context, folderID int64, dest string, v uint32, fn func(pendingMsg) error) error {
	if l.noTables {
		return l.eachMessage(ctx, folderID, fn)
	}
	var after int64 = -1
	for {
		rows, err := l.db.QueryContext(ctx, `SELECT m.id, m.uid, m.size, m.sha256, m.flags, m.internal_date, m.message_id
			FROM messages m WHERE m.folder_id = ? AND m.uid > ? AND `+notCopied+` ORDER BY m.uid LIMIT 500`,
			folderID, after, l.host, l.user, dest, v)
		page, err := scanPending(rows, err)
		if err != nil {
			return l.dbErr("read archive", err)
		}
		for _, m := range page {
			if err := fn(m); err != nil {
				return err
			}
		}
		if len(page) < 500 {
			return nil
		}
		after = int64(page[len(page)-1].uid)
	}
}

// eachMessage is eachPending without the copy log: every message.
func (l *copyLog) eachMessage(ctx context.Context, folderID int64, fn func(pendingMsg) error) error {
	var after int64 = -1
	for {
		rows, err := l.db.QueryContext(ctx, `SELECT m.id, m.uid, m.size, m.sha256, m.flags, m.internal_date, m.message_id
			FROM messages m WHERE m.folder_id = ? AND m.uid > ? ORDER BY m.uid LIMIT 500`, folderID, after)
		page, err := scanPending(rows, err)
		if err != nil {
			return l.dbErr("read archive", err)
		}
		for _, m := range page {
			if err := fn(m); err != nil {
				return err
			}
		}
		if len(page) < 500 {
			return nil
		}
		after = int64(page[len(page)-1].uid)
	}
}

func scanPending(rows *sql.Rows, err error) ([]pendingMsg, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []pendingMsg
	for rows.Next() {
		var m pendingMsg
		if err := rows.Scan(&m.id, &m.uid, &m.size, &m.sha256, &m.flags, &m.internalDate, &m.messageID); err != nil {
			return nil, err
		}
		page = append(page, m)
	}
	return page, rows.Err()
}

// countPending counts the messages and bytes eachPending would visit.
func (l *copyLog) countPending(ctx context.Context, folderID int64, dest string, v uint32) (n, size int64, err error) {
	q := `SELECT count(*), COALESCE(sum(m.size), 0) FROM messages m WHERE m.folder_id = ? AND ` + notCopied
	args := []any{folderID, l.host, l.user, dest, v}
	if l.noTables {
		q, args = `SELECT count(*), COALESCE(sum(m.size), 0) FROM messages m WHERE m.folder_id = ?`, args[:1]
	}
	err = l.db.QueryRowContext(ctx, q, args...).Scan(&n, &size)
	return n, size, l.dbErr("read archive", err)
}

// destUIDs returns the destination UIDs recorded in dest folder (with
// UIDVALIDITY v), by any archive folder, ascending.
func (l *copyLog) destUIDs(ctx context.Context, dest string, v uint32) ([]uint32, error) {
	if l.noTables {
		return nil, nil
	}
	rows, err := l.db.QueryContext(ctx, `SELECT dest_uid FROM copies WHERE dest_host = ? AND dest_user = ?
		AND dest_folder = ? AND dest_uidvalidity = ? AND dest_uid > 0 ORDER BY dest_uid`, l.host, l.user, dest, v)
	if err != nil {
		return nil, l.dbErr("read archive", err)
	}
	defer rows.Close()
	var out []uint32
	for rows.Next() {
		var u uint32
		if err := rows.Scan(&u); err != nil {
			return nil, l.dbErr("read archive", err)
		}
		out = append(out, u)
	}
	return out, l.dbErr("read archive", rows.Err())
}

// recorded returns, for the folder generation, archive UID → destination UID
// of the messages recorded in dest (with UIDVALIDITY v).
func (l *copyLog) recorded(ctx context.Context, folderID int64, dest string, v uint32) (map[uint32]uint32, error) {
	out := map[uint32]uint32{}
	if l.noTables {
		return out, nil
	}
	rows, err := l.db.QueryContext(ctx, `SELECT uid, dest_uid FROM copies WHERE folder_id = ? AND dest_host = ?
		AND dest_user = ? AND dest_folder = ? AND dest_uidvalidity = ?`, folderID, l.host, l.user, dest, v)
	if err != nil {
		return nil, l.dbErr("read archive", err)
	}
	defer rows.Close()
	for rows.Next() {
		var uid, destUID uint32
		if err := rows.Scan(&uid, &destUID); err != nil {
			return nil, l.dbErr("read archive", err)
		}
		out[uid] = destUID
	}
	return out, l.dbErr("read archive", rows.Err())
}

// countUnrecorded counts the messages of a folder generation that no record
// puts anywhere in the destination account.
func (l *copyLog) countUnrecorded(ctx context.Context, folderID int64) (n, size int64, err error) {
	q := `SELECT count(*), COALESCE(sum(m.size), 0) FROM messages m WHERE m.folder_id = ?`
	args := []any{folderID}
	if !l.noTables {
		q += ` AND NOT EXISTS (SELECT 1 FROM copies c WHERE c.folder_id = m.folder_id AND c.uid = m.uid
			AND c.dest_host = ? AND c.dest_user = ?)`
		args = append(args, l.host, l.user)
	}
	err = l.db.QueryRowContext(ctx, q, args...).Scan(&n, &size)
	return n, size, l.dbErr("read archive", err)
}
