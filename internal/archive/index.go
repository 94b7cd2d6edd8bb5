package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mbox"
)

// Messages become safe before they become searchable. A batch that defers
// the index (Entry.IndexLater) commits each message with a row in
// unindexed instead of its full-text entry; an indexer (backup's, on a
// goroutine of its own after the writer) reads those messages back,
// decodes their text and calls AddToIndex, which in one transaction adds
// each message's entry and deletes its unindexed row. A message is thus
// either in unindexed or in message_fts, never both and never neither,
// whatever moment a process is killed at; the next indexer takes what is
// left.

// schemaIndexLater (version 7) adds the list of messages not yet in the
// full-text index. Every message of an older archive was indexed with it,
// so the list starts empty.
var schemaIndexLater = []string{
	`CREATE TABLE unindexed(message_id INTEGER PRIMARY KEY REFERENCES messages(id))`,
}

// Unindexed is a message waiting for the full-text index, with what the
// index takes from its row (the decoded header fields describe made).
type Unindexed struct {
	ID                    int64
	Size                  int64
	Subject, From, To, Cc string

	// Where the mbox file has it (ReadForIndex).
	folderID         int64
	mboxPath         string
	mboxOff, mboxLen int64
}

// Addresses is the index's people field, as the inline index has it.
func (u Unindexed) Addresses() string { return u.From + " " + u.To + " " + u.Cc }

// UnindexedCount is how many messages are archived but not yet in the
// full-text index: Search does not find them yet.
func (a *Archive) UnindexedCount(ctx context.Context) (int64, error) {
	if a.version < 7 {
		return 0, nil // opened read-only before the upgrade: all indexed
	}
	var n int64
	err := a.db.QueryRowContext(ctx, `SELECT count(*) FROM unindexed`).Scan(&n)
	return n, classifyDB("read archive", a.dir, err)
}

// NextUnindexed lists up to limit messages waiting for the index, in id
// order, after id afterID.
func (a *Archive) NextUnindexed(ctx context.Context, afterID int64, limit int) ([]Unindexed, error) {
	rows, err := a.db.QueryContext(ctx, `SELECT m.id, m.size, m.subject, m.from_addr, m.to_addr, m.cc_addr,
		f.id, f.mbox_path, m.mbox_offset, m.mbox_length
		FROM unindexed u JOIN messages m ON m.id = u.message_id JOIN folders f ON f.id = m.folder_id
		WHERE u.message_id > ? ORDER BY u.message_id LIMIT ?`,
		afterID, limit)
	if err != nil {
		return nil, classifyDB("read archive", a.dir, err)
	}
	defer rows.Close()
	var out []Unindexed
	for rows.Next() {
		var u Unindexed
		if err := rows.Scan(&u.ID, &u.Size, &u.Subject, &u.From, &u.To, &u.Cc,
			&u.folderID, &u.mboxPath, &u.mboxOff, &u.mboxLen); err != nil {
			return nil, classifyDB("read archive", a.dir, err)
		}
		out = append(out, u)
	}
	return out, classifyDB("read archive", a.dir, rows.Err())
}

// Indexed is a message's text for the full-text index (not yet in the
// form IndexTerms makes: AddToIndex does that).
type Indexed struct {
	ID   int64
	Text IndexText
	// Ready: Text is in the form the index stores already (Prepare).
	Ready bool
}

// Prepare turns the message's text into the form the index stores
// (IndexTerms), which AddToIndex does to any message not Ready. Done
// first, on another goroutine, it takes that work out of AddToIndex's
// transaction.
func (m *Indexed) Prepare() {
	if !m.Ready {
		t := &m.Text
		*t = IndexText{IndexTerms(t.Subject), IndexTerms(t.Addresses), IndexTerms(t.Body)}
		m.Ready = true
	}
}

// AddToIndex adds the messages to the full-text index and takes them off
// the unindexed list, in one transaction. A message no longer on the list
// (another indexer took it) is left alone: none is indexed twice. It
// returns how many it added.
func (a *Archive) AddToIndex(ctx context.Context, msgs []Indexed) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	for i := range msgs {
		msgs[i].Prepare()
	}
	// Between batches: a batch and the index never wait on SQLite's lock
	// for each other inside one process (see Archive.batches).
	a.batches.Lock()
	defer a.batches.Unlock()
	a.leaveBulkForReader()
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, classifyDB("write archive", a.dir, err)
	}
	defer tx.Rollback()
	del, err := tx.PrepareContext(ctx, `DELETE FROM unindexed WHERE message_id = ?`)
	if err != nil {
		return 0, classifyDB("write archive", a.dir, err)
	}
	defer del.Close()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO message_fts(rowid, subject, addresses, body) VALUES(?, ?, ?, ?)`)
	if err != nil {
		return 0, classifyDB("write archive", a.dir, err)
	}
	defer ins.Close()
	n := 0
	for _, m := range msgs {
		res, err := del.ExecContext(ctx, m.ID)
		if err != nil {
			return 0, classifyDB("write archive", a.dir, err)
		}
		if k, _ := res.RowsAffected(); k != 1 {
			continue
		}
		if _, err := ins.ExecContext(ctx, m.ID, m.Text.Subject, m.Text.Addresses, m.Text.Body); err != nil {
			return 0, classifyDB("write archive", a.dir, fmt.Errorf("index message %d: %w", m.ID, err))
		}
		n++
	}
	if err := tx.Commit(); err != nil {
		return 0, classifyDB("write archive", a.dir, err)
	}
	if c := a.ckpt.Load(); c != nil {
		c.committed()
	}
	return n, nil
}

// IndexReader reads messages back for the full-text index. It reads them
// from the folder's mbox file, which the backup just wrote: one read of the
// entry from the page cache into one buffer, the quoting undone in place
// (mbox.EntryMessage), the file kept open from one message of the folder to
// the next. It reads them from SQLite, the archive's reference, when the
// mbox file does not give them whole. Close it after each page of messages:
// it holds a file and a buffer as large as the largest read.
type IndexReader struct {
	a    *Archive
	path string // of f
	f    *os.File
	buf  []byte
}

// entrySlack is how much more than the bytes wanted of a message is read
// of its mbox entry: its separator line, quoting '>'s, the final newlines.
// A message whose entry is longer than that is read in part, up to its
// last whole line.
const entrySlack = 4 << 10

// NewIndexReader returns an IndexReader on the archive.
func (a *Archive) NewIndexReader() *IndexReader { return &IndexReader{a: a} }

// Read returns the first n bytes of message u (at most its size), the exact
// bytes, valid until the next Read.
func (r *IndexReader) Read(ctx context.Context, u Unindexed, n int64) ([]byte, error) {
	n = max(min(n, u.Size), 0)
	if b, ok := r.fromMbox(u, n); ok {
		return b, nil
	}
	buf := r.grow(n)
	_, err := io.ReadFull(r.a.OpenMessage(ctx, u.ID), buf)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = mailerr.New(mailerr.ArchiveBroken, "read message", fmt.Sprintf("message %d", u.ID),
			errors.New("the stored message is shorter than its size"))
	}
	return buf, err
}

// fromMbox reads the message's first n bytes from its mbox file; ok is
// false when the file does not give them whole.
func (r *IndexReader) fromMbox(u Unindexed, n int64) (msg []byte, ok bool) {
	if r.a.damaged[u.folderID] != nil {
		return nil, false // changed outside Mailark
	}
	if r.f == nil || r.path != u.mboxPath {
		r.closeFile()
		p, err := r.a.mboxFile(u.mboxPath, false)
		if err != nil {
			return nil, false
		}
		if r.f, err = openNoFollow(p, os.O_RDONLY, 0); err != nil {
			r.f = nil
			return nil, false
		}
		r.path = u.mboxPath
	}
	whole := u.mboxLen <= n+entrySlack
	raw := r.grow(min(u.mboxLen, n+entrySlack))
	if k, _ := r.f.ReadAt(raw, u.mboxOff); k < len(raw) {
		return nil, false
	}
	msg, ok = mbox.EntryMessage(raw, whole)
	if !ok || int64(len(msg)) < n || (whole && int64(len(msg)) != u.Size) {
		return nil, false
	}
	return msg[:n], true
}

// grow returns r.buf with length n.
func (r *IndexReader) grow(n int64) []byte {
	if int64(cap(r.buf)) < n {
		r.buf = make([]byte, n)
	}
	return r.buf[:n]
}

func (r *IndexReader) closeFile() {
	if r.f != nil {
		r.f.Close()
		r.f, r.path = nil, ""
	}
}

// Close lets go of the file and of the buffer.
func (r *IndexReader) Close() {
	r.closeFile()
	r.buf = nil
}
