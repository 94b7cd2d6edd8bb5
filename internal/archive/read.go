package archive

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MessageInfo is a message's row, without its bytes.
type MessageInfo struct {
	ID, FolderID          int64
	FolderName            string
	UID                   uint32
	Size                  int64
	SHA256                string
	Flags                 []string
	InternalDate          string
	MboxOffset            int64
	MboxLength            int64
	MessageID             string
	Subject, From, To, Cc string
	Date                  string
}

const msgCols = `m.id, m.folder_id, f.name, m.uid, m.size, m.sha256, m.flags, m.internal_date, m.mbox_offset,
	m.mbox_length, m.message_id, m.subject, m.from_addr, m.to_addr, m.cc_addr, m.date`

func scanMessage(s scanner) (*MessageInfo, error) {
	var m MessageInfo
	var flags string
	err := s.Scan(&m.ID, &m.FolderID, &m.FolderName, &m.UID, &m.Size, &m.SHA256, &flags, &m.InternalDate,
		&m.MboxOffset, &m.MboxLength, &m.MessageID, &m.Subject, &m.From, &m.To, &m.Cc, &m.Date)
	m.Flags = strings.Fields(flags)
	return &m, err
}

// EachMessage calls fn for every message of folder generation folderID in
// mbox order (ascending offset), streaming. fn's error stops the walk.
func (a *Archive) EachMessage(ctx context.Context, folderID int64, fn func(*MessageInfo) error) error {
	rows, err := a.db.QueryContext(ctx, `SELECT `+msgCols+` FROM messages m JOIN folders f ON f.id = m.folder_id
		WHERE m.folder_id = ? ORDER BY m.mbox_offset`, folderID)
	return eachRow(a, rows, err, scanMessage, fn)
}

// NewestMessages returns the last limit messages archived in folder
// generation folderID (the end of its mbox file), newest first.
func (a *Archive) NewestMessages(ctx context.Context, folderID int64, limit int) ([]*MessageInfo, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := a.db.QueryContext(ctx, `SELECT `+msgCols+` FROM messages m JOIN folders f ON f.id = m.folder_id
		WHERE m.folder_id = ? ORDER BY m.mbox_offset DESC LIMIT ?`, folderID, limit)
	return scanAll(a, rows, err, scanMessage)
}

// Message returns one message's row by id.
func (a *Archive) Message(ctx context.Context, id int64) (*MessageInfo, error) {
	m, err := scanMessage(a.db.QueryRowContext(ctx, `SELECT `+msgCols+` FROM messages m JOIN folders f ON f.id = m.folder_id
		WHERE m.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("no message %d in the archive", id)
	}
	return m, classifyDB("read archive", a.dir, err)
}

// OpenMessage returns a reader of a message's exact bytes from SQLite. It
// holds one chunk (at most ChunkSize) in memory at a time.
func (a *Archive) OpenMessage(ctx context.Context, id int64) io.Reader {
	return &chunkReader{ctx: ctx, a: a, id: id}
}

type chunkReader struct {
	ctx  context.Context
	a    *Archive
	id   int64
	seq  int
	buf  []byte
	done bool
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.done {
			return 0, io.EOF
		}
		var data []byte
		err := r.a.db.QueryRowContext(r.ctx, `SELECT data FROM message_chunks WHERE message_id = ? AND seq = ?`,
			r.id, r.seq).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			if r.seq == 0 {
				return 0, classifyDB("read archive", r.a.dir, fmt.Errorf("message %d has no stored bytes", r.id))
			}
			r.done = true
			continue
		}
		if err != nil {
			return 0, classifyDB("read archive", r.a.dir, err)
		}
		r.seq++
		r.buf = data
		if len(data) < ChunkSize {
			r.done = true
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// Search finds messages by subject, people and text (see MatchQuery),
// newest first.
func (a *Archive) Search(ctx context.Context, query string, limit int) ([]*MessageInfo, error) {
	match := MatchQuery(query)
	if match == "" {
		return nil, nil
	}
	if limit <= 0 {
		limit = 100
	}
	rows, err := a.db.QueryContext(ctx, `SELECT `+msgCols+` FROM message_fts
		JOIN messages m ON m.id = message_fts.rowid JOIN folders f ON f.id = m.folder_id
		WHERE message_fts MATCH ? ORDER BY m.internal_date DESC LIMIT ?`, match, limit)
	if err != nil {
		return nil, classifyDB("search archive", a.dir, err)
	}
	defer rows.Close()
	var out []*MessageInfo
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, classifyDB("search archive", a.dir, err)
		}
		out = append(out, m)
	}
	return out, classifyDB("search archive", a.dir, rows.Err())
}

// FolderStats counts what a folder generation holds.
type FolderStats struct {
	Folder   *Folder
	Messages int64
	Bytes    int64
}

// Stats counts messages and bytes per folder generation.
func (a *Archive) Stats(ctx context.Context) ([]FolderStats, error) {
	folders, err := a.Folders(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]FolderStats, 0, len(folders))
	for _, f := range folders {
		s := FolderStats{Folder: f}
		if err := a.db.QueryRowContext(ctx, `SELECT count(*), COALESCE(sum(size), 0) FROM messages WHERE folder_id = ?`,
			f.ID).Scan(&s.Messages, &s.Bytes); err != nil {
			return nil, classifyDB("read archive", a.dir, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// SearchCount is how many messages Search would find with no limit.
func (a *Archive) SearchCount(ctx context.Context, query string) (int64, error) {
	match := MatchQuery(query)
	if match == "" {
		return 0, nil
	}
	var n int64
	err := a.db.QueryRowContext(ctx, `SELECT count(*) FROM message_fts WHERE message_fts MATCH ?`, match).Scan(&n)
	return n, classifyDB("search archive", a.dir, err)
}

// ContentDigest is a fingerprint of the archived mail: the SHA-256 of one
// line "folder|uidvalidity|uid|sha256\n" per message, ordered by folder
// name (bytewise), UIDVALIDITY and UID — exactly what
//
//	sqlite3 archive.sqlite "SELECT f.name, f.uidvalidity, m.uid, m.sha256 FROM messages m
//	  JOIN folders f ON f.id = m.folder_id ORDER BY f.name, f.uidvalidity, m.uid" | sha256sum
//
// prints. It changes when a message is added, removed or altered, and not
// when anything else in the database does (an address-book export, a
// verification), unlike a hash of archive.sqlite.
func (a *Archive) ContentDigest(ctx context.Context) (sha string, messages int64, err error) {
	rows, err := a.db.QueryContext(ctx, `SELECT f.name, f.uidvalidity, m.uid, m.sha256 FROM messages m
		JOIN folders f ON f.id = m.folder_id ORDER BY f.name, f.uidvalidity, m.uid`)
	if err != nil {
		return "", 0, classifyDB("read archive", a.dir, err)
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var name, sum string
		var uidValidity, uid int64
		if err := rows.Scan(&name, &uidValidity, &uid, &sum); err != nil {
			return "", 0, classifyDB("read archive", a.dir, err)
		}
		fmt.Fprintf(h, "%s|%d|%d|%s\n", name, uidValidity, uid, sum)
		messages++
	}
	if err := rows.Err(); err != nil {
		return "", 0, classifyDB("read archive", a.dir, err)
	}
	return hex.EncodeToString(h.Sum(nil)), messages, nil
}
