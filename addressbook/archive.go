package addressbook

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/mailark/mailark/internal/mailerr"
)

// FromArchive extracts the address book from a Mailark archive database
// (docs/archive.md): every message of every folder generation, with the
// account's login (meta.account_user) added to opts.Self. Messages of
// sent-role folders are read first, so that aliases learned there are known
// when the other folders are read.
func FromArchive(ctx context.Context, db *sql.DB, opts Options) (*Book, error) {
	var user string
	err := db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'account_user'`).Scan(&user)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, dbError("read account", err)
	}
	if user != "" {
		opts.Self = append(append([]string(nil), opts.Self...), user)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM messages`).Scan(&opts.Total); err != nil {
		return nil, dbError("count messages", err)
	}
	b := NewBuilder(opts)
	for _, sent := range []int{1, 0} {
		if err := readMessages(ctx, db, sent, b); err != nil {
			return b.Book(), err
		}
	}
	return b.Book(), nil
}

const messagesQuery = `
SELECT m.addr_fields, m.date, m.internal_date,
       CASE WHEN m.message_id <> '' THEN 'id:' || m.message_id ELSE 'sha256:' || m.sha256 END,
       f.name, f.role
FROM messages m JOIN folders f ON f.id = m.folder_id
WHERE (f.role = 'sent') = ?
ORDER BY m.id`

func readMessages(ctx context.Context, db *sql.DB, sent int, b *Builder) error {
	rows, err := db.QueryContext(ctx, messagesQuery, sent)
	if err != nil {
		return dbError("read messages", err)
	}
	defer rows.Close()
	var (
		fields             sql.RawBytes // valid until Next: Add keeps no reference to it
		date, internal, id string
		folder, role       string
	)
	for rows.Next() {
		if err := rows.Scan(&fields, &date, &internal, &id, &folder, &role); err != nil {
			return dbError("read messages", err)
		}
		b.Add(Message{
			Folder:       folder,
			Role:         role,
			Date:         parseTime(date),
			InternalDate: parseTime(internal),
			ID:           id,
			AddrFields:   fields,
		})
		if b.stats.Messages%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return dbError("read messages", err)
	}
	return ctx.Err()
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// RecordExport stores an export in the archive's exports table; the removal
// gate reads the last one (LastExport).
func RecordExport(ctx context.Context, db *sql.DB, rec ExportRecord) error {
	_, err := db.ExecContext(ctx, `INSERT INTO exports(at, format, path, contacts, sha256) VALUES(?, ?, ?, ?, ?)`,
		rec.At.Format(time.RFC3339), string(rec.Format), rec.Path, rec.Contacts, rec.SHA256)
	if err != nil {
		return dbError("record export", err)
	}
	return nil
}

// LastExport returns the most recent export recorded in the archive; ok is
// false when there is none.
func LastExport(ctx context.Context, db *sql.DB) (rec ExportRecord, ok bool, err error) {
	var at, format string
	err = db.QueryRowContext(ctx, `SELECT at, format, path, contacts, sha256 FROM exports ORDER BY id DESC LIMIT 1`).
		Scan(&at, &format, &rec.Path, &rec.Contacts, &rec.SHA256)
	if errors.Is(err, sql.ErrNoRows) {
		return ExportRecord{}, false, nil
	}
	if err != nil {
		return ExportRecord{}, false, dbError("last export", err)
	}
	rec.Format = Format(format)
	rec.At = parseTime(at)
	return rec, true, nil
}

// dbError wraps a database error as the archive being unreadable;
// cancellation passes through as it is.
func dbError(op string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return mailerr.New(mailerr.ArchiveBroken, "contacts: "+op, "", err)
}
