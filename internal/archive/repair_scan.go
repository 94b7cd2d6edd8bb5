package archive

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"os"

	"github.com/mailark/mailark/internal/mbox"
)

// fileScan is what Repair read of a folder's mbox file: every entry, each
// hashed, and how the file differs from SQLite.
type fileScan struct {
	fh      *os.File // open for reading; nil when there is no file
	exists  bool
	why     string // how it differs from SQLite; "" when it does not
	entries []scanned
	rows    int                  // how many rows SQLite has for the file
	atOff   map[int64]int        // entry index by offset
	byHash  map[[32]byte]scanned // whole entries by the SHA-256 of their message
}

// scanFile reads the whole file at p (not only its committed part: a
// rewrite moves entries past it).
func (a *Archive) scanFile(ctx context.Context, p string, f *Folder, rows []mboxRow) (*fileScan, error) {
	s := &fileScan{atOff: map[int64]int{}, byHash: map[[32]byte]scanned{}, rows: len(rows)}
	st, err := lstatFile(p)
	if errors.Is(err, os.ErrNotExist) {
		if f.MboxSize > 0 || len(rows) > 0 {
			s.why = "it is missing"
		}
		return s, nil
	}
	if err != nil {
		return nil, fsError("read mbox file", p, err)
	}
	if s.fh, err = openNoFollow(p, os.O_RDONLY, 0); err != nil {
		return nil, fsError("read mbox file", p, err)
	}
	s.exists = true
	unreadable := ""
	err = scanEntries(ctx, s.fh, func(e scanned) error {
		s.atOff[e.off] = len(s.entries)
		s.entries = append(s.entries, e)
		if _, dup := s.byHash[e.sha]; !e.cut && !dup {
			s.byHash[e.sha] = e
		}
		return nil
	})
	var bad errUnreadable
	switch {
	case errors.As(err, &bad):
		unreadable = fmt.Sprintf("it cannot be read as mbox past offset %d: %v", s.end(), bad.err)
	case err != nil:
		s.fh.Close()
		return nil, fsError("read mbox file", p, err)
	}
	s.why = s.compare(st.Size(), f.MboxSize, rows)
	if s.why == "" && unreadable != "" && s.end() < f.MboxSize {
		s.why = unreadable
	}
	return s, nil
}

// end is where the entries found end.
func (s *fileScan) end() int64 {
	if len(s.entries) == 0 {
		return 0
	}
	e := s.entries[len(s.entries)-1]
	return e.off + e.length
}

// compare says how the file differs from the rows: every row's entry must
// be where SQLite says, whole, nothing else before the committed end, and
// anything past it must start a new entry (an unfinished write).
func (s *fileScan) compare(size, committed int64, rows []mboxRow) string {
	if size < committed {
		return fmt.Sprintf("it is %d bytes, but SQLite committed %d", size, committed)
	}
	i := 0
	for _, e := range s.entries {
		if e.off >= committed {
			break
		}
		if i >= len(rows) {
			return fmt.Sprintf("an entry at offset %d is not one SQLite lists", e.off)
		}
		r := rows[i]
		i++
		if e.cut || e.off != r.offset || e.length != r.length || e.size != r.size || e.sha != r.sha {
			return fmt.Sprintf("uid %d, at offset %d, differs from SQLite's copy", r.uid, r.offset)
		}
	}
	if i < len(rows) {
		return fmt.Sprintf("uid %d, at offset %d, is missing", rows[i].uid, rows[i].offset)
	}
	if _, ok := s.atOff[committed]; size > committed && !ok {
		return fmt.Sprintf("it is longer than SQLite committed (%d bytes), and no new message starts there", committed)
	}
	return ""
}

// separator is the separator line for row i: the message's own where it
// is found (at its offset, or by its hash, or in the same place in a file
// with as many entries, as a mail program's rewrite leaves it), else one
// made from its internal date.
func (s *fileScan) separator(i int, r mboxRow) mbox.Separator {
	if j, ok := s.atOff[r.offset]; ok && s.entries[j].sha == r.sha {
		return s.entries[j].sep
	}
	if e, ok := s.byHash[r.sha]; ok {
		return e.sep
	}
	if len(s.entries) == s.rows {
		return s.entries[i].sep
	}
	if j, ok := s.atOff[r.offset]; ok {
		return s.entries[j].sep
	}
	return defaultSeparator(r)
}

// sum is a SHA-256 with a byte count.
type sum struct {
	h hash.Hash
	n int64
}

func newSum() *sum { return &sum{h: sha256.New()} }

func (s *sum) write(p []byte) { s.h.Write(p); s.n += int64(len(p)) }
func (s *sum) reset()         { s.h.Reset(); s.n = 0 }
func (s *sum) sum() (out [32]byte) {
	s.h.Sum(out[:0])
	return out
}
