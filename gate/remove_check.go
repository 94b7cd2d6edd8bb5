package gate

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
)

// Before removal deletes a message it proves, twice over, that the message
// is the one archived. The archive's copies of exactly the messages to be
// deleted are hashed again, from SQLite and from the mbox file, and must
// match the SHA-256 stored at backup (a database edited with the triggers
// dropped, or an mbox file edited in place with its time set back, stops
// here). Then the server's copies of exactly those UIDs are fetched and
// must match the archive's in RFC822.SIZE, INTERNALDATE and the header's
// SHA-256 (with Deep, the whole message's): a folder rebuilt with other
// messages under its old UIDVALIDITY, UIDNEXT and MESSAGES stops here.

// archivedCopy is what the archive holds of one message to be deleted.
type archivedCopy struct {
	size         int64
	internalDate time.Time
	header, sha  [32]byte
}

// archivedCopies re-hashes the archive's copies of exactly the UIDs of set
// in generation f and returns them by UID. A copy that no longer hashes to
// what was stored, or a UID the archive does not hold, is an error of kind
// GateClosed wrapping ErrArchiveChanged.
func archivedCopies(ctx context.Context, a *archive.Archive, f *archive.Folder, set imap.UIDSet, n int64) (map[uint32]archivedCopy, error) {
	out := make(map[uint32]archivedCopy, n)
	changed := func(format string, args ...any) error {
		return mailerr.New(mailerr.GateClosed, "remove", f.Name, fmt.Errorf("%w: %s; nothing was deleted", ErrArchiveChanged, fmt.Sprintf(format, args...)))
	}
	err := a.RehashMessages(ctx, f, func(uid uint32) bool { return set.Contains(imap.UID(uid)) },
		func(m *archive.MessageInfo, c archive.StoredCopy) error {
			var want [32]byte
			if b, err := hex.DecodeString(m.SHA256); err == nil && len(b) == 32 {
				copy(want[:], b)
			}
			switch {
			case c.SQLite != want || c.SQLiteSize != m.Size:
				return changed("%s uid %d: the copy in archive.sqlite is not the message archived (%d bytes, SHA-256 %s; archived %d bytes, %s)",
					f.Name, m.UID, c.SQLiteSize, hexSum(c.SQLite), m.Size, m.SHA256)
			case c.MboxProblem != "":
				return changed("%s uid %d: %s", f.Name, m.UID, c.MboxProblem)
			case c.Mbox != want || c.MboxSize != m.Size:
				return changed("%s uid %d: the copy in %s is not the message archived (%d bytes, SHA-256 %s; archived %d bytes, %s)",
					f.Name, m.UID, f.MboxPath, c.MboxSize, hexSum(c.Mbox), m.Size, m.SHA256)
			}
			date, err := time.Parse(time.RFC3339, m.InternalDate)
			if err != nil {
				return changed("%s uid %d: the archived internal date %q cannot be read", f.Name, m.UID, m.InternalDate)
			}
			out[m.UID] = archivedCopy{size: m.Size, internalDate: date, header: c.Header, sha: want}
			return nil
		})
	if err != nil {
		return nil, err
	}
	if int64(len(out)) != n {
		return nil, changed("%s: the archive holds %d of the %d verified messages", f.Name, len(out), n)
	}
	return out, nil
}

// checkServerCopies fetches, in the selected folder, RFC822.SIZE,
// INTERNALDATE and the SHA-256 of BODY.PEEK[HEADER] (with deep, of
// BODY.PEEK[]) of exactly the UIDs of set, in pieces of rangesPerCommand
// ranges, and compares each with the archive's copy. Any difference, or a
// UID that does not answer, is an error of kind ServerChanged wrapping
// ErrServerChanged. Bodies are hashed as they stream in.
func checkServerCopies(ctx context.Context, c *imapconn.Conn, host, folder string, set imap.UIDSet,
	want map[uint32]archivedCopy, deep bool) error {
	section := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
	what := "header fields"
	if deep {
		section, what = &imap.FetchItemBodySection{Peek: true}, "bytes"
	}
	opts := &imap.FetchOptions{UID: true, RFC822Size: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{section}}
	differs := func(format string, args ...any) error {
		return mailerr.New(mailerr.ServerChanged, "remove", folder,
			fmt.Errorf("%w: %s", ErrServerChanged, fmt.Sprintf(format, args...)))
	}
	seen := make(map[uint32]bool, len(want))
	for start := 0; start < len(set); start += rangesPerCommand {
		piece := set[start:min(start+rangesPerCommand, len(set))]
		cmd := c.Fetch(piece, opts)
		var mismatch error
		err := eachFetched(c, cmd, func(got *fetched) {
			uid := got.uid
			if uid == 0 || !set.Contains(imap.UID(uid)) {
				return // an unsolicited FETCH (flags), or not one of ours
			}
			a, ok := want[uid]
			var err error
			switch {
			case !ok:
				err = differs("%s uid %d is not in the archive", folder, uid)
			case !got.sized || got.size != a.size:
				err = differs("%s uid %d has RFC822.SIZE %d, the archived message %d bytes", folder, uid, got.size, a.size)
			case !got.dated || !got.internalDate.Equal(a.internalDate):
				err = differs("%s uid %d has INTERNALDATE %s, the archived message %s", folder, uid,
					got.internalDate.Format(time.RFC3339), a.internalDate.Format(time.RFC3339))
			case !got.hashed:
				err = differs("%s uid %d: the server did not send its %s", folder, uid, what)
			case deep && got.sum != a.sha, !deep && got.sum != a.header:
				err = differs("%s uid %d: its %s are not the archived message's (SHA-256 %s)", folder, uid, what, hexSum(got.sum))
			}
			seen[uid] = true
			if err != nil && mismatch == nil {
				mismatch = err
			}
		})
		if err != nil {
			return imapconn.Classify(ctx, "check "+folder+" before deleting", host, err)
		}
		if mismatch != nil {
			return mismatch
		}
	}
	missing := uint32(0)
	for uid := range want {
		if !seen[uid] && (missing == 0 || uid < missing) {
			missing = uid
		}
	}
	if missing != 0 {
		return differs("%s uid %d did not answer", folder, missing)
	}
	return nil
}
