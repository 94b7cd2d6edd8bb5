package archive

import (
	"context"
	"database/sql"
)

// ServerDateRange returns the internal dates of the oldest and newest
// message archived from the server (the current generation of folders
// that are not another source's), RFC 3339; empty when there are none.
// The removal gate compares them with a mail app's store: a server whose
// oldest message is much newer than the app's keeps only recent mail.
func (a *Archive) ServerDateRange(ctx context.Context) (oldest, newest string, err error) {
	var o, n sql.NullString
	err = a.db.QueryRowContext(ctx, `SELECT min(m.internal_date), max(m.internal_date) FROM messages m
		JOIN folders f ON f.id = m.folder_id WHERE f.current = 1 AND `+a.serverFolder()).Scan(&o, &n)
	if err != nil {
		return "", "", classifyDB("read archive", a.dir, err)
	}
	return o.String, n.String, nil
}
