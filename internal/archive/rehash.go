package archive

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/mailark/mailark/internal/mbox"
)

// StoredCopy is what the archive's two copies of one message hash to now,
// read again byte by byte: SQLite's chunks and the mbox file's entry.
type StoredCopy struct {
	SQLite     [32]byte // SHA-256 of SQLite's chunks
	SQLiteSize int64
	// Header is the SHA-256 of SQLite's copy up to and including the first
	// empty line (the whole message when it has none): what an IMAP server
	// sends for BODY[HEADER].
	Header   [32]byte
	Mbox     [32]byte // SHA-256 of the message in the mbox entry at the row's offset
	MboxSize int64
	// MboxProblem says why the mbox entry could not be read whole where
	// the row places it; "" when it could.
	MboxProblem string
}

// RehashMessages reads again, from SQLite and from the mbox file, every
// message of folder generation f whose UID want accepts, in mbox order, and
// calls fn with its row and what its copies hash to now. The row has only
// ID, FolderID, FolderName, UID, Size, SHA256, InternalDate, MboxOffset and
// MboxLength set. It holds those of the wanted rows, one chunk and one mbox
// buffer in memory.
func (a *Archive) RehashMessages(ctx context.Context, f *Folder, want func(uid uint32) bool,
	fn func(m *MessageInfo, c StoredCopy) error) error {
	rows, err := a.rehashRows(ctx, f, want)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	path := a.Path(f.MboxPath)
	file, ferr := os.Open(path)
	if ferr == nil {
		defer file.Close()
	}
	whole, header := sha256.New(), &headerHash{h: sha256.New()}
	for _, m := range rows {
		if err := ctx.Err(); err != nil {
			return err
		}
		var c StoredCopy
		whole.Reset()
		header.reset()
		n, err := io.Copy(io.MultiWriter(whole, header), a.OpenMessage(ctx, m.ID))
		if err != nil {
			return err
		}
		c.SQLiteSize = n
		whole.Sum(c.SQLite[:0])
		header.h.Sum(c.Header[:0])
		if ferr != nil {
			c.MboxProblem = fmt.Sprintf("mbox file %s cannot be opened: %v", f.MboxPath, ferr)
		} else {
			whole.Reset()
			c.MboxSize, c.MboxProblem = mboxEntry(file, m, whole)
			whole.Sum(c.Mbox[:0])
		}
		if err := fn(m, c); err != nil {
			return err
		}
	}
	return nil
}

// rehashRows reads the wanted rows first: the archive may have one
// connection, and reading the chunks needs it while the rows would be open.
func (a *Archive) rehashRows(ctx context.Context, f *Folder, want func(uid uint32) bool) ([]*MessageInfo, error) {
	rs, err := a.db.QueryContext(ctx, `SELECT id, uid, size, sha256, internal_date, mbox_offset, mbox_length
		FROM messages WHERE folder_id = ? ORDER BY mbox_offset`, f.ID)
	if err != nil {
		return nil, classifyDB("read archive", a.dir, err)
	}
	defer rs.Close()
	var rows []*MessageInfo
	for rs.Next() {
		m := &MessageInfo{FolderID: f.ID, FolderName: f.Name}
		if err := rs.Scan(&m.ID, &m.UID, &m.Size, &m.SHA256, &m.InternalDate, &m.MboxOffset, &m.MboxLength); err != nil {
			return nil, classifyDB("read archive", a.dir, err)
		}
		if want(m.UID) {
			rows = append(rows, m)
		}
	}
	return rows, classifyDB("read archive", a.dir, rs.Err())
}

// mboxEntry hashes the message of the one mbox entry the row places at
// [MboxOffset, MboxOffset+MboxLength) and says what is wrong with it.
func mboxEntry(file *os.File, m *MessageInfo, h hash.Hash) (int64, string) {
	r := mbox.NewReader(io.NewSectionReader(file, m.MboxOffset, m.MboxLength))
	e, err := r.Next()
	if err != nil {
		return 0, fmt.Sprintf("no mbox entry at offset %d: %v", m.MboxOffset, err)
	}
	n, err := io.Copy(h, e.Body)
	switch {
	case errors.Is(err, mbox.ErrTruncated) || e.Truncated:
		return n, fmt.Sprintf("the mbox entry at offset %d is cut short", m.MboxOffset)
	case err != nil:
		return n, fmt.Sprintf("the mbox entry at offset %d cannot be read: %v", m.MboxOffset, err)
	}
	if _, err := r.Next(); err != io.EOF || e.Length != m.MboxLength {
		return n, fmt.Sprintf("the mbox entry at offset %d is not %d bytes long", m.MboxOffset, m.MboxLength)
	}
	return n, ""
}

// headerHash hashes what is written up to and including the first empty
// line ("\n" or "\r\n" alone), and ignores the rest.
type headerHash struct {
	h       hash.Hash
	lineLen int  // bytes of the current line so far
	lastCR  bool // the line so far is "\r"
	done    bool
}

func (w *headerHash) reset() { w.h.Reset(); w.lineLen, w.lastCR, w.done = 0, false, false }

func (w *headerHash) Write(p []byte) (int, error) {
	if w.done {
		return len(p), nil
	}
	for i, b := range p {
		if b != '\n' {
			w.lastCR = w.lineLen == 0 && b == '\r'
			w.lineLen++
			continue
		}
		if w.lineLen == 0 || (w.lineLen == 1 && w.lastCR) {
			w.h.Write(p[:i+1])
			w.done = true
			return len(p), nil
		}
		w.lineLen, w.lastCR = 0, false
	}
	w.h.Write(p)
	return len(p), nil
}
