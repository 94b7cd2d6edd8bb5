package archive

import (
	"bufio"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mbox"
)

// ChunkSize is the largest piece of a message stored in one row.
const ChunkSize = 1 << 20

// Entry is one message to archive.
type Entry struct {
	UID          uint32
	Flags        []string
	InternalDate time.Time
	Size         int64
	SHA256       [32]byte
	Body         io.ReaderAt // the exact bytes, Size of them
	Sender       string      // envelope sender for the mbox separator line

	MessageID, Subject, From, To, Cc, Date string
	AddrFields                             []byte
	Text                                   IndexText

	// SourceKey is the message's identity in a source other than the IMAP
	// server (sources.go); SourceOrigin where in the source it was read.
	SourceKey, SourceOrigin string

	// IndexLater leaves the message out of the full-text index at commit:
	// it is recorded as unindexed, and an indexer adds it after (index.go).
	// Text is then not used.
	IndexLater bool

	indexed bool     // Text already holds the index form
	mbox    mboxSpan // set when an Appender wrote the message
}

// PrepareIndex turns Text into the form the full-text index stores
// (IndexTerms). Add does it when it was not done; doing it first, on another
// goroutine, takes the work off the one that writes.
func (e *Entry) PrepareIndex() {
	if e.indexed {
		return
	}
	e.Text = IndexText{IndexTerms(e.Text.Subject), IndexTerms(e.Text.Addresses), IndexTerms(e.Text.Body)}
	e.indexed = true
}

// IndexText is what the full-text index holds of a message.
type IndexText struct{ Subject, Addresses, Body string }

// Batch adds messages to one folder generation, all or nothing.
type Batch struct {
	a      *Archive
	f      *Folder
	runID  int64
	conn   *sql.Conn // the batch's, foreign keys off (BeginBatch)
	tx     *sql.Tx
	file   *os.File
	w      *bufio.Writer
	start  int64 // committed end of the mbox file when the batch began
	off    int64 // where the next entry goes
	stmts  [5]*sql.Stmt
	ap     *Appender       // wrote the batch's messages to the file, when set
	wrote  bool            // the batch wrote to the file itself
	failed map[uint32]bool // UIDs with unresolved failures, resolved on success
	buf    []byte
	n      int
	bytes  int64
	done   bool
	held   bool // holds a.batches for reading
	// dbStart is the database file's size when the batch began
	// (pagecache.go).
	dbStart int64
}

// Count and Bytes report what the batch holds so far.
func (b *Batch) Count() int      { return b.n }
func (b *Batch) Bytes() int64    { return b.bytes }
func (b *Batch) Folder() *Folder { return b.f }

// BeginBatch starts a batch for folder f within run runID.
func (a *Archive) BeginBatch(ctx context.Context, f *Folder, runID int64) (*Batch, error) {
	// Between batches, a bulk writer looks for readers (bulk.go): when
	// another batch or the indexer holds the lock, before the next one.
	if a.bulk.Load() && a.batches.TryLock() {
		a.leaveBulkForReader()
		a.batches.Unlock()
	}
	if c := a.ckpt.Load(); c != nil {
		c.beforeBatch()
	}
	file, err := a.openMbox(f, false)
	if err != nil {
		return nil, err
	}
	a.batches.RLock()
	b := &Batch{a: a, f: f, runID: runID, file: file, start: f.MboxSize, off: f.MboxSize, held: true, dbStart: a.dbSize()}
	// The batch writes on a connection of its own, with foreign keys off.
	// An INSERT into a table with a trigger (content_version, schemaV4)
	// that checks an immediate foreign key may have to undo itself alone,
	// so SQLite keeps a statement journal for it: every page it touches,
	// 64 KiB, copied to a file first, for every message and every chunk
	// (1.2 s of CPU in a backup of 20,000 messages). The rows a batch
	// writes refer to its folder, its run and the message row it inserted
	// just before, in the same transaction; its INSERTs are OR FAIL (and
	// the guards RAISE(FAIL), schemaGuardsFail), so that none may abort
	// alone: a statement that fails fails the batch, which rolls back
	// whole. The connection has its foreign keys back on before it goes
	// back to the pool (endConn).
	if b.conn, err = a.db.Conn(ctx); err == nil {
		if _, err = b.conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err == nil {
			b.tx, err = b.conn.BeginTx(ctx, nil)
		}
	}
	if err != nil {
		b.endConn()
		b.release()
		_ = a.closeMboxWrite(file)
		return nil, classifyDB("write archive", a.dir, err)
	}
	// SQLite's page cache keeps pages a batch made clean beyond its
	// cache_size, and they add up batch after batch: at 100,000 messages
	// hundreds of 64 KiB pages, 45 MiB. They are let go here, on this
	// connection (and by the checkpointer on its own); the next batch reads
	// the few it needs again. Measured at 100,000 messages: peak memory
	// 57 MiB against 81-91 without, and less CPU, not more.
	if _, err := b.tx.ExecContext(ctx, `PRAGMA shrink_memory`); err != nil {
		b.Abort()
		return nil, classifyDB("write archive", a.dir, err)
	}
	for i, q := range []string{
		`INSERT OR FAIL INTO messages(folder_id, uid, size, sha256, flags, internal_date, mbox_offset, mbox_length,
			message_id, subject, from_addr, to_addr, cc_addr, date, addr_fields, archived_at, run_id)
			VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		`INSERT OR FAIL INTO message_chunks(message_id, seq, data) VALUES(?, ?, ?)`,
		`INSERT INTO message_fts(rowid, subject, addresses, body) VALUES(?, ?, ?, ?)`,
		`UPDATE failures SET resolved_at = ? WHERE folder_id = ? AND uid = ? AND resolved_at IS NULL`,
		`INSERT INTO unindexed(message_id) VALUES(?)`,
	} {
		if b.stmts[i], err = b.tx.PrepareContext(ctx, q); err != nil {
			b.Abort()
			return nil, classifyDB("write archive", a.dir, err)
		}
	}
	rows, err := b.tx.QueryContext(ctx, `SELECT uid FROM failures WHERE folder_id = ? AND resolved_at IS NULL`, f.ID)
	if err != nil {
		b.Abort()
		return nil, classifyDB("read archive", a.dir, err)
	}
	b.failed = map[uint32]bool{}
	for rows.Next() {
		var uid uint32
		if err := rows.Scan(&uid); err == nil {
			b.failed[uid] = true
		}
	}
	rows.Close()
	return b, nil
}

// Add appends one message. After an error the batch must be aborted.
func (b *Batch) Add(ctx context.Context, e *Entry) error {
	if b.done {
		panic("archive: Add on a finished batch")
	}
	var n int64
	if e.mbox.ap != nil {
		// An Appender wrote it; Commit syncs the file all the same.
		if e.mbox.off != b.off {
			return mailerr.New(mailerr.ArchiveBroken, "write archive", b.a.Path(b.f.MboxPath),
				fmt.Errorf("uid %d was appended at %d, the batch is at %d", e.UID, e.mbox.off, b.off))
		}
		n = e.mbox.n
		b.ap = e.mbox.ap
	} else if b.ap != nil {
		return mailerr.New(mailerr.ArchiveBroken, "write archive", b.a.Path(b.f.MboxPath),
			fmt.Errorf("uid %d was not appended, the batch's other messages were", e.UID))
	} else {
		var err error
		if !b.wrote {
			b.wrote = true
			b.w = bufio.NewWriterSize(b.file, 1<<20)
		}
		if n, err = mbox.WriteMessage(b.w, mbox.Separator{Sender: e.Sender, Time: e.InternalDate}, e.Body, e.Size); err != nil {
			return fsError("write mbox file", b.a.Path(b.f.MboxPath), err)
		}
	}
	res, err := b.stmts[0].ExecContext(ctx, b.f.ID, e.UID, e.Size, hex.EncodeToString(e.SHA256[:]),
		strings.Join(e.Flags, " "), e.InternalDate.Format(time.RFC3339), b.off, n,
		e.MessageID, e.Subject, e.From, e.To, e.Cc, e.Date, nonNil(e.AddrFields), b.a.stamp(), b.runID)
	if err != nil {
		return classifyDB("write archive", b.a.dir, fmt.Errorf("uid %d: %w", e.UID, err))
	}
	id, _ := res.LastInsertId()
	mem, inMemory := e.Body.(mbox.Memory)
	inMemory = inMemory && int64(len(mem)) >= e.Size
	if b.buf == nil && !inMemory {
		b.buf = make([]byte, ChunkSize)
	}
	for seq, pos := 0, int64(0); pos < e.Size || seq == 0; seq++ {
		k := min(int64(ChunkSize), e.Size-pos)
		var chunk []byte
		if inMemory {
			chunk = mem[pos : pos+k : pos+k]
		} else {
			chunk = b.buf[:k]
			if _, err := e.Body.ReadAt(chunk, pos); err != nil && !(err == io.EOF && k == 0) {
				return mailerr.New(mailerr.ArchiveBroken, "read message", fmt.Sprintf("uid %d", e.UID), err)
			}
		}
		if chunk == nil {
			chunk = []byte{} // an empty message: a blob, not NULL
		}
		if _, err := b.stmts[1].ExecContext(ctx, id, seq, chunk); err != nil {
			return classifyDB("write archive", b.a.dir, err)
		}
		pos += k
	}
	if e.IndexLater {
		if _, err := b.stmts[4].ExecContext(ctx, id); err != nil {
			return classifyDB("write archive", b.a.dir, err)
		}
	} else {
		e.PrepareIndex()
		if _, err := b.stmts[2].ExecContext(ctx, id, e.Text.Subject, e.Text.Addresses, e.Text.Body); err != nil {
			return classifyDB("write archive", b.a.dir, err)
		}
	}
	if e.SourceKey != "" {
		if err := b.addSourceKey(ctx, e); err != nil {
			return err
		}
	}
	if b.failed[e.UID] {
		if _, err := b.stmts[3].ExecContext(ctx, b.a.stamp(), b.f.ID, e.UID); err != nil {
			return classifyDB("write archive", b.a.dir, err)
		}
	}
	b.off += n
	b.n++
	b.bytes += e.Size
	return nil
}

// Commit makes the batch durable: the mbox file is flushed and fsynced, then
// the SQLite transaction, which records the file's new length, commits.
func (b *Batch) Commit(ctx context.Context) error {
	if b.done {
		return nil
	}
	path := b.a.Path(b.f.MboxPath)
	if b.w != nil { // nil when an Appender wrote the messages
		if err := b.w.Flush(); err != nil {
			b.Abort()
			return fsError("write mbox file", path, err)
		}
	}
	if b.ap != nil {
		if err := b.ap.syncTo(b.off); err != nil {
			b.Abort()
			return err
		}
	} else if err := syncMbox(b.file, b.off); err != nil {
		b.Abort()
		return fsError("write mbox file", path, err)
	}
	if _, err := b.tx.ExecContext(ctx, `UPDATE folders SET mbox_size = ? WHERE id = ?`, b.off, b.f.ID); err != nil {
		b.Abort()
		return classifyDB("write archive", b.a.dir, err)
	}
	if err := checkFence(ctx); err != nil {
		b.Abort()
		return err
	}
	for _, s := range b.stmts {
		if s != nil {
			s.Close()
		}
	}
	if err := b.tx.Commit(); err != nil {
		b.Abort()
		return classifyDB("write archive", b.a.dir, err)
	}
	durable(eventCommit, b.file.Name(), b.off)
	b.a.dropAddedPages(b.dbStart)
	b.done = true
	b.endConn()
	ckpt := b.a.ckpt.Load()
	b.release()
	b.f.MboxSize = b.off
	if ckpt != nil {
		ckpt.committed()
	}
	return fsError("close mbox file", path, b.a.closeMboxWrite(b.file))
}

// Abort drops the batch: the transaction rolls back and the mbox file is cut
// back to where the batch began. Safe to call after Commit (it does nothing).
func (b *Batch) Abort() {
	if b.done {
		return
	}
	b.done = true
	for _, s := range b.stmts {
		if s != nil {
			s.Close()
		}
	}
	if b.tx != nil {
		_ = b.tx.Rollback()
	}
	b.endConn()
	b.release()
	// If this fails (the disk went away), Open cuts the file back next time.
	// Messages an Appender wrote are its to cut (Close), not the batch's:
	// it may be ahead of this batch with messages of the next one.
	if b.wrote {
		_ = b.file.Truncate(b.start)
	}
	_ = b.a.closeMboxWrite(b.file)
}

// endConn gives the batch's connection back to the pool, its foreign keys
// on again; one that cannot have them on again is closed instead.
func (b *Batch) endConn() {
	if b.conn == nil {
		return
	}
	if _, err := b.conn.ExecContext(context.Background(), `PRAGMA foreign_keys = ON`); err != nil {
		_ = b.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = b.conn.Close()
	b.conn = nil
}

// release lets an indexer in (index.go): the batch's transaction ended.
func (b *Batch) release() {
	if b.held {
		b.held = false
		b.a.batches.RUnlock()
	}
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// RecordFailure stores, within the batch, that a message of its folder could
// not be archived in its run.
func (b *Batch) RecordFailure(ctx context.Context, uid uint32, reason string) error {
	_, err := b.tx.ExecContext(ctx, `INSERT INTO failures(folder_id, uid, run_id, reason, at) VALUES(?, ?, ?, ?, ?)
		ON CONFLICT(folder_id, uid, run_id) DO UPDATE SET reason = excluded.reason, at = excluded.at`,
		b.f.ID, uid, b.runID, reason, b.a.stamp())
	return classifyDB("write archive", b.a.dir, err)
}
