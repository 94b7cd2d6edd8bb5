package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mailark/mailark/internal/mailerr"
)

// ErrMboxChanged is matched (errors.Is) by the error NewAppender and
// BeginBatch return for a folder whose mbox file changed outside Mailark
// (a mail program rewrote it, say). Nothing is cut from such a file, and
// nothing added, until mailark repair has rebuilt it from SQLite.
var ErrMboxChanged = errors.New("the mbox file was changed outside Mailark")

// recover finishes an interrupted generation change and cuts every mbox
// file back to its committed length, after checking that what it keeps is
// what SQLite committed. A file found changed is left as it is, and the
// folder is marked so that this run writes none of it (MboxChanged).
func (a *Archive) recover(ctx context.Context) error {
	if j, err := a.Meta(ctx, pendingKey); err != nil {
		return classifyDB("read archive", a.dir, err)
	} else if j != "" {
		var r pendingRename
		if err := json.Unmarshal([]byte(j), &r); err != nil {
			return classifyDB("read archive", a.dir, fmt.Errorf("bad %s: %w", pendingKey, err))
		}
		if err := a.finishRename(ctx, r); err != nil {
			return err
		}
	}
	folders, err := a.Folders(ctx)
	if err != nil {
		return err
	}
	for _, f := range folders {
		p, err := a.mboxFile(f.MboxPath, false)
		if err != nil {
			return err
		}
		st, err := lstatFile(p)
		switch {
		case errors.Is(err, os.ErrNotExist) && f.MboxSize == 0:
		case errors.Is(err, os.ErrNotExist):
			a.markChanged(f, p, fmt.Sprintf("it is missing; SQLite committed %d bytes", f.MboxSize))
		case err != nil:
			return fsError("check mbox file", p, err)
		case st.Size() < f.MboxSize:
			a.markChanged(f, p, fmt.Sprintf("it is %d bytes, but SQLite committed %d", st.Size(), f.MboxSize))
		case st.Size() > f.MboxSize:
			// An interrupted run's unfinished entries, or a rewrite.
			why, err := a.checkCommitted(ctx, f, p)
			if err != nil {
				return err
			}
			if why != "" {
				a.markChanged(f, p, why)
				continue
			}
			fh, _, err := a.openMboxWrite(f.MboxPath)
			if err != nil {
				return err
			}
			err = fh.Truncate(f.MboxSize)
			if cerr := a.closeMboxWrite(fh); err == nil {
				err = cerr
			}
			if err != nil {
				return fsError("recover mbox file", p, err)
			}
		}
	}
	return nil
}

// checkCommitted says how the committed part of f's file (at p, longer
// than committed) differs from SQLite, "" when it does not: then only
// what lies past it, an unfinished write, may be cut.
func (a *Archive) checkCommitted(ctx context.Context, f *Folder, p string) (string, error) {
	fh, err := openNoFollow(p, os.O_RDONLY, 0)
	if err != nil {
		return "", fsError("check mbox file", p, err)
	}
	defer fh.Close()
	// What an interrupted run left starts with a separator line; anything
	// else there is a rewrite (a mail program adds Status: lines).
	head := make([]byte, 5)
	if _, err := fh.ReadAt(head, f.MboxSize); err != nil && err != io.EOF {
		return "", fsError("check mbox file", p, err)
	}
	if !bytes.Equal(head, []byte("From ")) {
		return fmt.Sprintf("it is longer than SQLite committed (%d bytes), and no new message starts there", f.MboxSize), nil
	}
	rows, err := a.mboxRows(ctx, f.ID)
	if err != nil {
		return "", err
	}
	why, err := committedIntact(ctx, io.NewSectionReader(fh, 0, f.MboxSize), rows)
	if err != nil {
		return "", fsError("check mbox file", p, err)
	}
	return why, nil
}

func (a *Archive) markChanged(f *Folder, p, why string) {
	if a.damaged == nil {
		a.damaged = map[int64]error{}
	}
	a.damaged[f.ID] = mailerr.New(mailerr.ArchiveBroken, "write mbox file", p,
		fmt.Errorf("%w (%s); nothing was cut from it or added to it, and SQLite still holds every message",
			ErrMboxChanged, why))
}

// MboxChanged returns, for a folder whose mbox file changed outside
// Mailark, the error that says so (see ErrMboxChanged); nil otherwise.
// Mailark writes nothing to such a folder until it is repaired.
func (a *Archive) MboxChanged(f *Folder) error { return a.damaged[f.ID] }
