package archive

import (
	"context"
	"database/sql"
)

// scanner is a row or rows.
type scanner interface{ Scan(...any) error }

// scanAll reads every row of a query with scan and closes it; errors are
// classified.
func scanAll[T any](a *Archive, rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, classifyDB("read archive", a.dir, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, classifyDB("read archive", a.dir, err)
		}
		out = append(out, v)
	}
	return out, classifyDB("read archive", a.dir, rows.Err())
}

// eachRow runs a query and calls fn with every row, read with scan,
// streaming; errors are classified. fn must not use the archive (a cursor is
// open); its error stops the walk and is returned as it is.
func eachRow[T any](a *Archive, rows *sql.Rows, err error, scan func(scanner) (T, error), fn func(T) error) error {
	if err != nil {
		return classifyDB("read archive", a.dir, err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return classifyDB("read archive", a.dir, err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return classifyDB("read archive", a.dir, rows.Err())
}

// Row iterators for verification: the stored rows of a folder generation
// and its stored bytes, streamed.

// StoredRow is what the archive recorded of a message: enough to check it
// against the server, the mbox file and the stored bytes.
type StoredRow struct {
	UID        uint32
	Size       int64
	SHA256     string // hex, as recorded (may be damaged: the caller checks)
	MboxOffset int64
	MboxLength int64 // the entry's length in the mbox file
}

// RowOrder is the order EachStoredRow visits rows in.
type RowOrder int

const (
	ByUID        RowOrder = iota // ascending UID
	ByMboxOffset                 // ascending mbox offset: the file's order
)

// EachStoredRow calls fn for every message row of folder generation
// folderID, in order, streaming. fn must not use the archive (a cursor is
// open); its error stops the walk.
func (a *Archive) EachStoredRow(ctx context.Context, folderID int64, order RowOrder, fn func(StoredRow) error) error {
	q := `SELECT uid, size, sha256, mbox_offset, mbox_length FROM messages WHERE folder_id = ? ORDER BY uid`
	if order == ByMboxOffset {
		q = `SELECT uid, size, sha256, mbox_offset, mbox_length FROM messages WHERE folder_id = ? ORDER BY mbox_offset`
	}
	rows, err := a.db.QueryContext(ctx, q, folderID)
	return eachRow(a, rows, err, func(s scanner) (r StoredRow, err error) {
		err = s.Scan(&r.UID, &r.Size, &r.SHA256, &r.MboxOffset, &r.MboxLength)
		return r, err
	}, fn)
}

// EachChunk calls fn for every stored chunk of every message of folder
// generation folderID, by UID and chunk number, in one streaming query:
// one chunk in memory at a time. data is valid only until fn returns. fn
// must not use the archive; its error stops the walk.
func (a *Archive) EachChunk(ctx context.Context, folderID int64, fn func(uid uint32, seq int, data []byte) error) error {
	// ORDER BY uid, seq follows the (folder_id, uid) index and the chunks'
	// primary key: no sort, no temporary copy of the blobs.
	rows, err := a.db.QueryContext(ctx, `SELECT m.uid, c.seq, c.data FROM messages m
		JOIN message_chunks c ON c.message_id = m.id WHERE m.folder_id = ? ORDER BY m.uid, c.seq`, folderID)
	if err != nil {
		return classifyDB("read archive", a.dir, err)
	}
	defer rows.Close()
	var (
		uid  uint32
		seq  int
		data sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&uid, &seq, &data); err != nil {
			return classifyDB("read archive", a.dir, err)
		}
		if err := fn(uid, seq, data); err != nil {
			return err
		}
	}
	return classifyDB("read archive", a.dir, rows.Err())
}
