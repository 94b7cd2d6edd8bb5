package gate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mbox"
)

// The archive against itself: each folder generation's mbox file is read
// again, entry by entry, and each message's SHA-256, length and offset are
// compared with SQLite's row; and SQLite's stored chunks are hashed and
// compared with its own sha256. The two passes run side by side (one reads
// a file, the other the database); both stream, one buffer at a time.

// storedRow is a message's row as the checks need it.
type storedRow struct {
	uid         uint32
	size        int64
	sha         [32]byte
	offset      int64
	entryLength int64
}

func (v *verifier) checkLocal(ctx context.Context, g *genState) error {
	name := g.f.Name
	if !g.f.Current {
		name += fmt.Sprintf(" (older generation, UIDVALIDITY %d)", g.f.UIDValidity)
	}
	v.setFolder(g.f.Name, g.messages, 2)
	rows, err := v.storedRows(ctx, g.f.ID)
	if err != nil {
		return err
	}
	type out struct {
		found []Discrepancy
		err   error
	}
	mboxDone := make(chan out, 1)
	go func() {
		found, err := v.checkMbox(ctx, g, name, rows)
		mboxDone <- out{found, err}
	}()
	chunkFound, chunkErr := v.checkChunks(ctx, g, name, rows)
	m := <-mboxDone
	if m.err != nil {
		return m.err
	}
	if chunkErr != nil {
		return chunkErr
	}
	// Damage in an older generation is reported but does not keep the gate
	// closed: the server no longer has those messages under those UIDs, so
	// removing the account loses nothing more.
	for _, d := range append(m.found, chunkFound...) {
		if d.Kind == MboxFileMissing {
			for _, r := range rows {
				g.bad[r.uid] = true
			}
		}
		if d.UID != 0 {
			g.bad[d.UID] = true
		}
		if g.f.Current {
			v.problem(d)
		} else {
			v.note(d)
		}
	}
	return nil
}

func (v *verifier) storedRows(ctx context.Context, folderID int64) ([]storedRow, error) {
	var out []storedRow
	err := v.a.EachStoredRow(ctx, folderID, archive.ByMboxOffset, func(s archive.StoredRow) error {
		r := storedRow{uid: s.UID, size: s.Size, offset: s.MboxOffset, entryLength: s.MboxLength}
		if b, err := hex.DecodeString(s.SHA256); err == nil && len(b) == 32 {
			copy(r.sha[:], b)
		} // else: a zero sum that no content has; the checks report it
		out = append(out, r)
		return nil
	})
	return out, err
}

// prefixed puts the folder's name before a detail: "INBOX uid 5: …" or
// "INBOX: …".
func prefixed(name, detail string) string {
	if strings.HasPrefix(detail, "uid ") {
		return name + " " + detail
	}
	return name + ": " + detail
}

func dbError(err error) error {
	if err == nil || mailerr.As(err) != nil || errors.Is(err, context.Canceled) {
		return err
	}
	return mailerr.New(mailerr.ArchiveBroken, "read archive", "", err)
}

func hexSum(b [32]byte) string { return hex.EncodeToString(b[:]) }

// checkMbox reads the generation's mbox file up to its committed length.
func (v *verifier) checkMbox(ctx context.Context, g *genState, name string, rows []storedRow) ([]Discrepancy, error) {
	// Entries found intact but shifted (after a removal, every later one
	// is) come last: the cause comes first.
	var found, shifted []Discrepancy
	add := func(kind Kind, uid uint32, want, got, format string, args ...any) {
		d := Discrepancy{Kind: kind, Folder: g.f.Name, UID: uid, Want: want, Got: got,
			Detail: prefixed(name, fmt.Sprintf(format, args...))}
		if kind == MboxOffsetDiffers {
			shifted = append(shifted, d)
		} else {
			found = append(found, d)
		}
	}
	path := v.a.Path(g.f.MboxPath)
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		if len(rows) > 0 || g.f.MboxSize > 0 {
			add(MboxFileMissing, 0, g.f.MboxPath, "", "mbox file %s is missing (%d messages)", g.f.MboxPath, len(rows))
		}
		v.tick(int64(len(rows)), g.bytes)
		return found, nil
	}
	if err != nil {
		return nil, mailerr.New(mailerr.ArchiveBroken, "check mbox file", path, err)
	}
	g.size, g.mtime = st.Size(), st.ModTime().UnixNano()
	if st.Size() < g.f.MboxSize {
		add(MboxTruncated, 0, fmt.Sprint(g.f.MboxSize), fmt.Sprint(st.Size()),
			"mbox file %s is %d bytes, the archive committed %d: entries were cut or removed", g.f.MboxPath, st.Size(), g.f.MboxSize)
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, mailerr.New(mailerr.ArchiveBroken, "check mbox file", path, err)
	}
	defer file.Close()

	byOffset := make(map[int64]int, len(rows))
	for i, r := range rows {
		byOffset[r.offset] = i
	}
	var byHash map[[32]byte][]int // built at the first entry found out of place
	seen := make([]bool, len(rows))
	r := mbox.NewReader(io.LimitReader(file, g.f.MboxSize))
	h := sha256.New()
	var sum [32]byte
	for n := 0; ; n++ {
		if n%256 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			add(MboxUnreadable, 0, "", err.Error(), "mbox file %s cannot be read past offset %d: %v", g.f.MboxPath, lastOffset(rows, seen), err)
			break
		}
		h.Reset()
		size, rerr := io.Copy(h, e.Body)
		h.Sum(sum[:0])
		v.tick(1, size)
		if rerr != nil && !errors.Is(rerr, mbox.ErrTruncated) {
			return nil, mailerr.New(mailerr.ArchiveBroken, "read mbox file", path, rerr)
		}
		i, atRow := byOffset[e.Offset]
		atRow = atRow && !seen[i]
		if atRow && rerr == nil && sum == rows[i].sha && size == rows[i].size {
			seen[i] = true
			if e.Length != rows[i].entryLength {
				add(MboxMessageDiffers, rows[i].uid, fmt.Sprint(rows[i].entryLength), fmt.Sprint(e.Length),
					"uid %d: the mbox entry at offset %d is %d bytes long, SQLite says %d", rows[i].uid, e.Offset, e.Length, rows[i].entryLength)
			}
			continue
		}
		// Not the message SQLite places here: another one, shifted (an
		// entry before it was removed or grew)?
		if byHash == nil {
			byHash = make(map[[32]byte][]int, len(rows))
			for j, row := range rows {
				byHash[row.sha] = append(byHash[row.sha], j)
			}
		}
		if j := unseenMatch(byHash[sum], rows, seen, size); rerr == nil && j >= 0 {
			seen[j] = true
			add(MboxOffsetDiffers, rows[j].uid, fmt.Sprint(rows[j].offset), fmt.Sprint(e.Offset),
				"uid %d: the mbox entry is intact but at offset %d, SQLite says %d", rows[j].uid, e.Offset, rows[j].offset)
			continue
		}
		switch {
		case atRow && rerr != nil:
			seen[i] = true
			add(MboxMessageDiffers, rows[i].uid, hexSum(rows[i].sha), "", "uid %d: the mbox entry at offset %d is cut short", rows[i].uid, e.Offset)
		case atRow:
			seen[i] = true
			add(MboxMessageDiffers, rows[i].uid, hexSum(rows[i].sha), hexSum(sum),
				"uid %d: the mbox entry at offset %d differs from SQLite (sha256 %s, %d bytes; SQLite has %s, %d bytes)",
				rows[i].uid, e.Offset, hexSum(sum), size, hexSum(rows[i].sha), rows[i].size)
		default:
			add(MboxExtraEntry, 0, "", hexSum(sum), "mbox file %s has an entry at offset %d (%d bytes, sha256 %s) that SQLite does not list",
				g.f.MboxPath, e.Offset, size, hexSum(sum))
		}
	}
	missing := int64(0)
	for i, row := range rows {
		if !seen[i] {
			missing++
			add(MboxMessageMissing, row.uid, fmt.Sprint(row.offset), "",
				"uid %d: no entry in the mbox file (SQLite says offset %d)", row.uid, row.offset)
		}
	}
	v.tick(missing, 0)
	return append(found, shifted...), nil
}

// unseenMatch returns the first row of candidates not yet seen with this
// size, or -1.
func unseenMatch(candidates []int, rows []storedRow, seen []bool, size int64) int {
	for _, j := range candidates {
		if !seen[j] && rows[j].size == size {
			return j
		}
	}
	return -1
}

func lastOffset(rows []storedRow, seen []bool) int64 {
	var off int64
	for i, s := range seen {
		if s {
			off = max(off, rows[i].offset)
		}
	}
	return off
}

// checkChunks hashes SQLite's stored bytes of every message of a generation
// in one streaming query, one chunk in memory at a time.
func (v *verifier) checkChunks(ctx context.Context, g *genState, name string, rows []storedRow) ([]Discrepancy, error) {
	want := make(map[uint32]storedRow, len(rows))
	for _, r := range rows {
		want[r.uid] = r
	}
	var found []Discrepancy
	add := func(kind Kind, uid uint32, wantS, got, format string, args ...any) {
		found = append(found, Discrepancy{Kind: kind, Folder: g.f.Name, UID: uid, Want: wantS, Got: got,
			Detail: prefixed(name, fmt.Sprintf(format, args...))})
	}
	h := sha256.New()
	var (
		cur     uint32
		started bool
		n       int64
		nextSeq int
		gap     bool
		sum     [32]byte
		k       int
		checked = make(map[uint32]bool, len(rows))
	)
	finish := func() {
		if !started {
			return
		}
		checked[cur] = true
		row := want[cur]
		h.Sum(sum[:0])
		switch {
		case gap:
			add(StoredDiffers, cur, hexSum(row.sha), hexSum(sum), "uid %d: SQLite's stored chunks are not numbered 0, 1, 2, …", cur)
		case sum != row.sha || n != row.size:
			add(StoredDiffers, cur, hexSum(row.sha), hexSum(sum),
				"uid %d: SQLite's stored bytes hash to %s (%d bytes), its row says %s (%d bytes)", cur, hexSum(sum), n, hexSum(row.sha), row.size)
		}
		v.tick(1, n)
	}
	err := v.a.EachChunk(ctx, g.f.ID, func(uid uint32, seq int, data []byte) error {
		if k++; k%256 == 1 && ctx.Err() != nil {
			return ctx.Err()
		}
		if !started || uid != cur {
			finish()
			cur, started, n, nextSeq, gap = uid, true, 0, 0, false
			h.Reset()
		}
		if seq != nextSeq {
			gap = true
		}
		nextSeq = seq + 1
		h.Write(data)
		n += int64(len(data))
		return nil
	})
	if err != nil {
		return nil, err
	}
	finish()
	missing := int64(0)
	for _, r := range rows {
		if !checked[r.uid] {
			missing++
			add(StoredMissing, r.uid, hexSum(r.sha), "", "uid %d: SQLite holds no bytes for this message", r.uid)
		}
	}
	v.tick(missing, 0)
	return found, nil
}
