package archive

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mbox"
)

// Repair: the two copies of every message mend each other. A message's
// row records its SHA-256; whichever copy still hashes to it is the good
// one.
//
//   - SQLite's bytes of a message that do not hash to its row's sha256 (or
//     are gone) are written again from the mbox file, when an entry there
//     (anywhere in the file) hashes to it.
//   - An mbox file that differs from SQLite in any way (rewritten by a mail
//     program, cut, edited, missing) is written again, whole, from SQLite's
//     bytes; the damaged file is kept beside it, renamed, never deleted.
//
// A message neither copy holds intact is named and left alone, and so is
// its folder's file. Repair changes the rows' mbox offsets when the new file
// lays the entries out differently, so the removal gate asks for a new
// verification afterwards, as it should.

// FolderRepair is what Repair did to, or found in, one folder generation.
type FolderRepair struct {
	Folder      string // the folder's name
	UIDValidity uint32
	Current     bool
	MboxPath    string
	// Why says how the mbox file differed from SQLite ("" when it did not).
	Why string
	// Rebuilt: the mbox file was written again from SQLite; the damaged
	// one was kept as KeptAs (relative to the archive), if there was one.
	Rebuilt bool
	KeptAs  string
	// StoredRestored are the UIDs whose bytes in SQLite were written again
	// from the mbox file.
	StoredRestored []uint32
	// Unrepairable are the UIDs of which neither copy hashes to the
	// recorded SHA-256. The folder's file is then not rebuilt.
	Unrepairable []uint32
}

// RepairReport lists the folder generations Repair found anything wrong
// with; a healthy archive gives an empty list.
type RepairReport struct {
	Folders []FolderRepair
	Checked int // folder generations checked
}

// Unrepaired counts the messages neither copy holds intact.
func (r RepairReport) Unrepaired() int {
	n := 0
	for _, f := range r.Folders {
		n += len(f.Unrepairable)
	}
	return n
}

// Repair checks both copies of every message of the archive, which must be
// opened with OpenForCheck (the lock held, nothing cut), and mends each
// from the other where it can.
func Repair(ctx context.Context, a *Archive) (RepairReport, error) {
	var rep RepairReport
	if a.readOnly || a.lock == nil {
		return rep, mailerr.New(mailerr.BadInput, "repair archive", a.dir, errors.New("the archive must be opened with OpenForCheck"))
	}
	folders, err := a.Folders(ctx)
	if err != nil {
		return rep, err
	}
	for _, f := range folders {
		fr, err := a.repairFolder(ctx, f)
		if err != nil {
			return rep, err
		}
		rep.Checked++
		if fr.Why != "" || fr.Rebuilt || len(fr.StoredRestored) > 0 || len(fr.Unrepairable) > 0 {
			rep.Folders = append(rep.Folders, fr)
		}
	}
	return rep, nil
}

func (a *Archive) repairFolder(ctx context.Context, f *Folder) (FolderRepair, error) {
	fr := FolderRepair{Folder: f.Name, UIDValidity: f.UIDValidity, Current: f.Current, MboxPath: f.MboxPath}
	rows, err := a.mboxRows(ctx, f.ID)
	if err != nil {
		return fr, err
	}
	storedOK, err := a.hashStored(ctx, f.ID, rows)
	if err != nil {
		return fr, err
	}
	p, err := a.mboxFile(f.MboxPath, true)
	if err != nil {
		return fr, err
	}
	file, err := a.scanFile(ctx, p, f, rows)
	if err != nil {
		return fr, err
	}
	if file.fh != nil {
		defer file.fh.Close()
	}
	fr.Why = file.why

	// SQLite from the mbox file, where an entry there is the message.
	for _, r := range rows {
		if storedOK[r.id] {
			continue
		}
		e, ok := file.byHash[r.sha]
		if !ok || e.size != r.size {
			fr.Unrepairable = append(fr.Unrepairable, r.uid)
			continue
		}
		if err := a.restoreStored(ctx, file.fh, p, e, r); err != nil {
			return fr, err
		}
		fr.StoredRestored = append(fr.StoredRestored, r.uid)
	}
	if fr.Why == "" || len(fr.Unrepairable) > 0 {
		return fr, nil
	}
	// The mbox file from SQLite.
	kept, err := a.rebuildMbox(ctx, f, p, rows, file)
	if err != nil {
		return fr, err
	}
	fr.Rebuilt, fr.KeptAs = true, kept
	return fr, nil
}

// hashStored hashes SQLite's bytes of every message of a generation in one
// streaming query and reports which match their row.
func (a *Archive) hashStored(ctx context.Context, folderID int64, rows []mboxRow) (map[int64]bool, error) {
	want := make(map[int64]mboxRow, len(rows))
	for _, r := range rows {
		want[r.id] = r
	}
	ok := make(map[int64]bool, len(rows))
	rs, err := a.db.QueryContext(ctx, `SELECT m.id, c.seq, c.data FROM messages m
		JOIN message_chunks c ON c.message_id = m.id WHERE m.folder_id = ? ORDER BY m.uid, c.seq`, folderID)
	if err != nil {
		return nil, classifyDB("read archive", a.dir, err)
	}
	defer rs.Close()
	h := newSum()
	var cur int64
	var next int
	started, gap := false, false
	finish := func() {
		if started {
			r := want[cur]
			ok[cur] = !gap && h.n == r.size && h.sum() == r.sha
		}
	}
	for rs.Next() {
		var id int64
		var seq int
		var data []byte
		if err := rs.Scan(&id, &seq, &data); err != nil {
			return nil, classifyDB("read archive", a.dir, err)
		}
		if !started || id != cur {
			finish()
			cur, started, next, gap = id, true, 0, false
			h.reset()
		}
		gap = gap || seq != next
		next = seq + 1
		h.write(data)
	}
	if err := rs.Err(); err != nil {
		return nil, classifyDB("read archive", a.dir, err)
	}
	finish()
	return ok, nil
}

// restoreStored writes a message's bytes in SQLite again from the mbox
// entry e, checking they hash to the row's sha256 before committing.
func (a *Archive) restoreStored(ctx context.Context, fh *os.File, p string, e scanned, r mboxRow) error {
	rd := mbox.NewReader(io.NewSectionReader(fh, e.off, e.length))
	ent, err := rd.Next()
	if err != nil {
		return fsError("read mbox file", p, err)
	}
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return classifyDB("repair archive", a.dir, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM message_chunks WHERE message_id = ?`, r.id); err != nil {
		return classifyDB("repair archive", a.dir, err)
	}
	h := newSum()
	buf := make([]byte, ChunkSize)
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(ent.Body, buf)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return fsError("read mbox file", p, err)
		}
		if n == 0 && seq > 0 {
			break
		}
		h.write(buf[:n])
		if _, err := tx.ExecContext(ctx, `INSERT INTO message_chunks(message_id, seq, data) VALUES(?, ?, ?)`,
			r.id, seq, append([]byte{}, buf[:n]...)); err != nil {
			return classifyDB("repair archive", a.dir, err)
		}
		if n < ChunkSize {
			break
		}
	}
	if h.n != r.size || h.sum() != r.sha {
		return mailerr.New(mailerr.ArchiveBroken, "repair archive", p,
			fmt.Errorf("uid %d: the mbox entry at offset %d changed while it was read", r.uid, e.off))
	}
	return classifyDB("repair archive", a.dir, tx.Commit())
}

// rebuildMbox writes f's mbox file again from SQLite, in the rows' order,
// into the spool, checks it, keeps the damaged file under a new name and
// puts the new one in its place; then records the new offsets. It returns
// the kept file's path relative to the archive ("" when there was none).
func (a *Archive) rebuildMbox(ctx context.Context, f *Folder, p string, rows []mboxRow, old *fileScan) (string, error) {
	tmp, err := os.CreateTemp(filepath.Join(a.dir, TmpDir), "repair-*.mbox")
	if err != nil {
		return "", fsError("repair mbox file", a.dir, err)
	}
	defer os.Remove(tmp.Name()) // gone once renamed
	defer tmp.Close()
	w := bufio.NewWriterSize(tmp, 1<<20)
	offs := make([]mboxRow, len(rows))
	var off int64
	for i, r := range rows {
		n, err := mbox.WriteMessage(w, old.separator(i, r), &storedReaderAt{ctx: ctx, a: a, id: r.id, size: r.size}, r.size)
		if err != nil {
			return "", fsError("repair mbox file", tmp.Name(), err)
		}
		offs[i] = r
		offs[i].offset, offs[i].length = off, n
		off += n
	}
	if err := w.Flush(); err != nil {
		return "", fsError("repair mbox file", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return "", fsError("repair mbox file", tmp.Name(), err)
	}
	// What is put in place is checked as verify will check it.
	if why, err := committedIntact(ctx, io.NewSectionReader(tmp, 0, off), offs); err != nil || why != "" {
		return "", mailerr.New(mailerr.ArchiveBroken, "repair mbox file", tmp.Name(),
			fmt.Errorf("the rebuilt file does not match SQLite (%s, %v)", why, err))
	}
	if err := tmp.Chmod(mboxRestMode); err != nil {
		return "", fsError("repair mbox file", tmp.Name(), err)
	}
	kept := ""
	if old.exists {
		if kept, err = a.keepDamaged(f.MboxPath, p); err != nil {
			return "", err
		}
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return "", fsError("repair mbox file", p, err)
	}
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return "", classifyDB("repair archive", a.dir, err)
	}
	defer tx.Rollback()
	for i, r := range rows {
		if offs[i].offset == r.offset && offs[i].length == r.length {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET mbox_offset = ?, mbox_length = ? WHERE id = ?`,
			offs[i].offset, offs[i].length, r.id); err != nil {
			return "", classifyDB("repair archive", a.dir, err)
		}
	}
	if off != f.MboxSize {
		if _, err := tx.ExecContext(ctx, `UPDATE folders SET mbox_size = ? WHERE id = ?`, off, f.ID); err != nil {
			return "", classifyDB("repair archive", a.dir, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return "", classifyDB("repair archive", a.dir, err)
	}
	f.MboxSize = off
	return kept, nil
}

// keepDamaged gives the damaged file at p (rel in the archive) a name of
// its own beside it: the name and ".damaged-" and the time, which no
// folder's file can have (those end in .mbox). A hard link when the file
// system has them, so that p is never without a file.
func (a *Archive) keepDamaged(rel, p string) (string, error) {
	stamp := a.now().UTC().Format("20060102T150405Z")
	for n := 1; n < 100; n++ {
		suffix := ".damaged-" + stamp
		if n > 1 {
			suffix += fmt.Sprintf("-%d", n)
		}
		keep := p + suffix
		if _, err := os.Lstat(keep); err == nil {
			continue
		}
		if err := os.Link(p, keep); err != nil {
			if err := os.Rename(p, keep); err != nil {
				return "", fsError("keep damaged mbox file", keep, err)
			}
		}
		return rel + suffix, nil
	}
	return "", mailerr.New(mailerr.ArchiveBroken, "keep damaged mbox file", p, errors.New("too many kept copies"))
}

// storedReaderAt reads a message's bytes from SQLite at any offset,
// holding one chunk.
type storedReaderAt struct {
	ctx  context.Context
	a    *Archive
	id   int64
	size int64
	seq  int64
	buf  []byte
}

func (s *storedReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		if off >= s.size {
			return n, io.EOF
		}
		seq := off / ChunkSize
		if s.buf == nil || s.seq != seq {
			var data []byte
			if err := s.a.db.QueryRowContext(s.ctx, `SELECT data FROM message_chunks WHERE message_id = ? AND seq = ?`,
				s.id, seq).Scan(&data); err != nil {
				return n, classifyDB("read archive", s.a.dir, fmt.Errorf("message %d chunk %d: %w", s.id, seq, err))
			}
			s.buf, s.seq = data, seq
		}
		in := off - seq*ChunkSize
		if in >= int64(len(s.buf)) {
			return n, io.ErrUnexpectedEOF
		}
		k := copy(p[n:], s.buf[in:])
		n += k
		off += int64(k)
	}
	return n, nil
}

// defaultSeparator is the separator line of a message whose own was not
// found: the internal date, no sender.
func defaultSeparator(r mboxRow) mbox.Separator {
	t, _ := time.Parse(time.RFC3339, r.internalDate)
	return mbox.Separator{Time: t}
}
