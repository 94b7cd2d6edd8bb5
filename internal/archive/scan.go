package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/mailark/mailark/internal/mbox"
)

// What recovery and repair read of a folder generation: its rows in mbox
// order, and the entries actually in its file, each hashed. Both stream;
// a row or an entry is a few dozen bytes in memory.

// mboxRow is a message's row as the file checks need it.
type mboxRow struct {
	id             int64
	uid            uint32
	size           int64
	sha            [32]byte
	offset, length int64
	internalDate   string
}

func (a *Archive) mboxRows(ctx context.Context, folderID int64) ([]mboxRow, error) {
	rs, err := a.db.QueryContext(ctx, `SELECT id, uid, size, sha256, mbox_offset, mbox_length, internal_date
		FROM messages WHERE folder_id = ? ORDER BY mbox_offset, uid`, folderID)
	if err != nil {
		return nil, classifyDB("read archive", a.dir, err)
	}
	defer rs.Close()
	var out []mboxRow
	for rs.Next() {
		var r mboxRow
		var sum string
		if err := rs.Scan(&r.id, &r.uid, &r.size, &sum, &r.offset, &r.length, &r.internalDate); err != nil {
			return nil, classifyDB("read archive", a.dir, err)
		}
		if b, err := hex.DecodeString(sum); err == nil && len(b) == 32 {
			copy(r.sha[:], b)
		} // else: a zero sum no content has, so nothing matches it
		out = append(out, r)
	}
	return out, classifyDB("read archive", a.dir, rs.Err())
}

// scanned is one entry found in an mbox file.
type scanned struct {
	off, length, size int64
	sha               [32]byte
	cut               bool // the file ended inside it
	sep               mbox.Separator
}

// errStop ends a scan early without an error.
var errStop = errors.New("stop")

// errUnreadable wraps what makes an mbox file unreadable as mbox from some
// point on (it does not start with "From ", for one).
type errUnreadable struct{ err error }

func (e errUnreadable) Error() string { return e.err.Error() }

// scanEntries calls fn for each entry of the mbox read from r. A read error
// of the file is returned as is; a file that stops being mbox as
// errUnreadable.
func scanEntries(ctx context.Context, r io.Reader, fn func(scanned) error) error {
	rd := mbox.NewReader(r)
	h := sha256.New()
	for n := 0; ; n++ {
		if n%256 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		e, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errUnreadable{err}
		}
		h.Reset()
		size, rerr := io.Copy(h, e.Body)
		if rerr != nil && !errors.Is(rerr, mbox.ErrTruncated) {
			return rerr
		}
		s := scanned{off: e.Offset, length: e.Length, size: size, cut: rerr != nil,
			sep: mbox.Separator{Sender: e.Sender, Time: e.Time}}
		h.Sum(s.sha[:0])
		if err := fn(s); errors.Is(err, errStop) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// committedIntact reads the committed part of a file (r, limited to the
// folder's committed length) and says how it differs from the rows, ""
// when every row's entry is where SQLite says, whole, and nothing else is.
func committedIntact(ctx context.Context, r io.Reader, rows []mboxRow) (string, error) {
	i := 0
	why := ""
	err := scanEntries(ctx, r, func(e scanned) error {
		if i >= len(rows) {
			why = fmt.Sprintf("an entry at offset %d is not one SQLite lists", e.off)
			return errStop
		}
		row := rows[i]
		i++
		if e.cut || e.off != row.offset || e.length != row.length || e.size != row.size || e.sha != row.sha {
			why = fmt.Sprintf("uid %d, at offset %d, differs from SQLite's copy", row.uid, row.offset)
			return errStop
		}
		return nil
	})
	var bad errUnreadable
	switch {
	case errors.As(err, &bad):
		return fmt.Sprintf("it cannot be read as mbox: %v", bad.err), nil
	case err != nil:
		return "", err
	case why != "":
		return why, nil
	case i < len(rows):
		return fmt.Sprintf("uid %d, at offset %d, is missing", rows[i].uid, rows[i].offset), nil
	}
	return "", nil
}
