package archive

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ExportRecord is an export of the address book, as the exports table keeps
// it: the removal gate requires one newer than the last backup.
type ExportRecord struct {
	At       time.Time
	Format   string // "vcard4", "vcard3", "google-csv", "outlook-csv"
	Path     string // absolute
	Contacts int
	SHA256   string // hex, of the file's bytes
}

// RecordExport stores an export. publish, when not nil, runs inside the
// transaction that records it, just before the commit (it puts the file in
// place); its error rolls the record back. So the export is recorded if and
// only if publish succeeded, short of a failing commit, which is reported.
func (a *Archive) RecordExport(ctx context.Context, rec ExportRecord, publish func() error) error {
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return classifyDB("record export", a.dir, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO exports(at, format, path, contacts, sha256) VALUES(?, ?, ?, ?, ?)`,
		rec.At.Format(time.RFC3339), rec.Format, rec.Path, rec.Contacts, rec.SHA256); err != nil {
		return classifyDB("record export", a.dir, err)
	}
	if publish != nil {
		if err := publish(); err != nil {
			return err
		}
	}
	if err := checkFence(ctx); err != nil {
		return err
	}
	return classifyDB("record export", a.dir, tx.Commit())
}

// LastExport returns the most recent export recorded; ok is false when there
// is none.
func (a *Archive) LastExport(ctx context.Context) (rec ExportRecord, ok bool, err error) {
	var at string
	err = a.db.QueryRowContext(ctx, `SELECT at, format, path, contacts, sha256 FROM exports ORDER BY id DESC LIMIT 1`).
		Scan(&at, &rec.Format, &rec.Path, &rec.Contacts, &rec.SHA256)
	if errors.Is(err, sql.ErrNoRows) {
		return ExportRecord{}, false, nil
	}
	if err != nil {
		return ExportRecord{}, false, classifyDB("read archive", a.dir, err)
	}
	rec.At, _ = time.Parse(time.RFC3339, at) // a stamp that does not parse reads as never: the gate asks for a new export
	return rec, true, nil
}
