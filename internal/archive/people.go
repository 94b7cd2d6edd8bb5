package archive

import (
	"context"
	"database/sql"
)

// The rows the address book and the announcement read: who wrote to whom.

// AddressRow is one message as the address book reads it.
type AddressRow struct {
	AddrFields   []byte // the message's address fields (docs/archive.md); valid only until fn returns
	Date         string // RFC 3339, "" when the message had none
	InternalDate string // RFC 3339
	Key          string // "id:<Message-ID>", or "sha256:<hex>" without one: the same message in two folders counts once
	Folder, Role string
}

// EachAddressRow calls fn for every message of every folder generation,
// those of sent-role folders when sent is true, of the others when false,
// in the order they were archived, streaming. fn must not use the archive;
// its error stops the walk.
func (a *Archive) EachAddressRow(ctx context.Context, sent bool, fn func(*AddressRow) error) error {
	rows, err := a.db.QueryContext(ctx, `
SELECT m.addr_fields, m.date, m.internal_date,
       CASE WHEN m.message_id <> '' THEN 'id:' || m.message_id ELSE 'sha256:' || m.sha256 END,
       f.name, f.role
FROM messages m JOIN folders f ON f.id = m.folder_id
WHERE (f.role = 'sent') = ?
ORDER BY m.id`, sent)
	if err != nil {
		return classifyDB("read archive", a.dir, err)
	}
	defer rows.Close()
	var (
		r      AddressRow
		fields sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&fields, &r.Date, &r.InternalDate, &r.Key, &r.Folder, &r.Role); err != nil {
			return classifyDB("read archive", a.dir, err)
		}
		r.AddrFields = fields
		if err := fn(&r); err != nil {
			return err
		}
	}
	return classifyDB("read archive", a.dir, rows.Err())
}

// EachSentFrom calls fn with the From header (decoded, as archived) of every
// message of the sent-role folders that has one. fn must not use the
// archive; its error stops the walk.
func (a *Archive) EachSentFrom(ctx context.Context, fn func(from string) error) error {
	rows, err := a.db.QueryContext(ctx, `SELECT m.from_addr FROM messages m JOIN folders f ON f.id = m.folder_id
		WHERE f.role = 'sent' AND m.from_addr <> ''`)
	return eachRow(a, rows, err, func(s scanner) (from string, err error) {
		err = s.Scan(&from)
		return from, err
	}, fn)
}
