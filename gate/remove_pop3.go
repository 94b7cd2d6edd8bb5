package gate

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/pop3"
	"github.com/mailark/mailark/internal/progress"
)

// Removal from a POP3 mailbox. The gate is checked live over POP3, then,
// after the typed confirmation, in one session: the listing must still be
// the one verified, and every message to be deleted is proved to be the
// archived one before any DELE is sent. A message is deleted only when its
// UIDL is the key of a message the last verification verified, the archive's
// two copies of it still hash to what was archived, LIST gives its size,
// and its header (TOP n 0; with Deep, its whole bytes, RETR) hashes to the
// archived one's. A message with no usable UIDL, or one that arrived after
// the verification, is never deleted. A POP3 server deletes only when the
// session ends with QUIT: when any check fails the session sends RSET and
// QUIT, and a session cut off (a kill, a dropped connection) deletes
// nothing at all.

// popDelete is one message to delete: its number in the session and the
// archive's copy.
type popDelete struct {
	num  int
	uid  uint32
	key  string
	want archivedCopy
}

func removePOP3(ctx context.Context, opts RemoveOptions) (RemoveResult, error) {
	var res RemoveResult
	cfg := *opts.POP3
	if cfg.Port == 0 {
		cfg.Port = pop3.DefaultPort(cfg.Security)
	}
	a, err := openArchive(ctx, "remove", opts.ArchiveDir, opts.Now)
	if err != nil {
		return res, err
	}
	defer a.Close()
	f, err := popFolderOf(ctx, a, cfg)
	if err != nil {
		return res, err
	}
	res.Account = Account{User: cfg.User, Host: cfg.Host, Port: cfg.Port, Security: cfg.Security.String()}
	res.Verdict, err = evaluate(ctx, a, opts.Now, func() ([]folderStatus, error) { return popSession(ctx, cfg, f.Name) }, opts.Stores)
	if serr := saveVerdict(ctx, a, res.Verdict); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		return res, err
	}
	if !res.Verdict.Open {
		return res, mailerr.New(mailerr.GateClosed, "remove", res.Account.User, ErrGateClosed)
	}
	if opts.DeleteFromServer {
		if err := deletePOP3(ctx, a, cfg, f, &opts, &res); err != nil {
			return res, err
		}
	}
	return res, forgetAndRecord(ctx, a, &opts, &res)
}

// deletePOP3 deletes the verified messages of the POP3 mailbox, after the
// typed confirmation, or none.
func deletePOP3(ctx context.Context, a *archive.Archive, cfg pop3.Config, f *archive.Folder, opts *RemoveOptions, res *RemoveResult) error {
	who := res.Account.User
	vfs, err := a.VerificationFolders(ctx, res.Verdict.VerificationID)
	if err != nil {
		return err
	}
	var set imap.UIDSet
	var n int64
	for _, vf := range vfs {
		if vf.FolderID == f.ID && vf.OnServer && vf.VerifiedUIDs != "" {
			if set, n, err = parseUIDs(vf.VerifiedUIDs); err != nil {
				return mailerr.New(mailerr.ArchiveBroken, "remove", f.Name, err)
			}
		}
	}
	// The verified messages known by a UIDL: only those can be found
	// again on the server for sure.
	byKey := map[string]uint32{}
	if err := a.EachSourceKey(ctx, f.ID, func(k *archive.SourceKey) error {
		if set.Contains(imap.UID(k.UID)) && !strings.HasPrefix(k.Key, "sha256:") {
			byKey[k.Key] = k.UID
		}
		return nil
	}); err != nil {
		return err
	}
	if opts.Confirm == nil {
		return mailerr.New(mailerr.NotConfirmed, "remove", who, ErrNotConfirmed)
	}
	typed, err := opts.Confirm(who, int64(len(byKey)))
	if err != nil {
		return mailerr.New(mailerr.NotConfirmed, "remove", who, fmt.Errorf("%w (%v)", ErrNotConfirmed, err))
	}
	if strings.TrimSpace(typed) != who {
		return mailerr.New(mailerr.NotConfirmed, "remove", who, ErrNotConfirmed)
	}
	// The archive's copies, hashed again, before the server is touched.
	want := map[uint32]archivedCopy{}
	if n > 0 {
		if want, err = archivedCopies(ctx, a, f, set, n); err != nil {
			return err
		}
	}
	c, err := pop3.Dial(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	mb, err := c.Mailbox(ctx)
	if err != nil {
		return err
	}
	// The gate's server condition once more, on this session's listing.
	if err := mustStillBeOpen(ctx, a, func() ([]folderStatus, error) { return popStatuses(mb, f.Name), nil }, res); err != nil {
		return err
	}
	differs := func(format string, args ...any) error {
		_ = c.Rset()
		_ = c.Quit()
		return mailerr.New(mailerr.ServerChanged, "remove", f.Name,
			fmt.Errorf("%w: %s; nothing was deleted", ErrServerChanged, fmt.Sprintf(format, args...)))
	}
	keys := pop3.UsableUIDLs(mb.UIDs)
	var plan []popDelete
	for _, l := range mb.List {
		key := keys[l.Num]
		uid, ok := byKey[key]
		if key == "" || !ok {
			continue // not archived and verified: kept
		}
		w, ok := want[uid]
		if !ok {
			return differs("%s uid %d (UIDL %s) is not in the archive", f.Name, uid, key)
		}
		if l.SizeBytes != w.size && l.SizeBytes+2 != w.size {
			return differs("message %d (UIDL %s) is %d bytes on the server, the archived message %d", l.Num, key, l.SizeBytes, w.size)
		}
		plan = append(plan, popDelete{num: l.Num, uid: uid, key: key, want: w})
	}
	for _, p := range plan {
		same, err := popSame(c, p, opts.Deep)
		if err != nil {
			return c.Classify(ctx, "check before deleting", err)
		}
		if !same {
			return differs("message %d (UIDL %s) is not the archived message (its header or bytes differ)", p.num, p.key)
		}
	}
	throttle := progress.NewThrottle(opts.Progress, opts.Now)
	uids := make([]uint32, 0, len(plan))
	for i, p := range plan {
		if err := c.Dele(p.num); err != nil {
			var se *pop3.Error
			if errors.As(err, &se) {
				return differs("DELE %d (UIDL %s) was refused: %s", p.num, p.key, se.Text)
			}
			return c.Classify(ctx, "mark deleted", err) // cut off: the server deletes nothing
		}
		uids = append(uids, p.uid)
		throttle.Status(progress.Event{Step: "remove", Folder: f.Name, Done: int64(i + 1), Total: int64(len(plan))}, true)
	}
	// Only now does the server delete.
	if err := c.Quit(); err != nil {
		return mailerr.New(mailerr.ServerError, "remove", cfg.Host,
			fmt.Errorf("the server did not confirm the deletion (%w): some of the %d messages may be deleted; every one of them is in the archive; verify again to see what the server still holds", err, len(plan)))
	}
	slices.Sort(uids)
	res.Deleted = append(res.Deleted, Deletion{Folder: f.Name, UIDValidity: f.UIDValidity, UIDs: formatUIDs(uids), Messages: int64(len(uids))})
	res.Messages += int64(len(uids))
	throttle.Notice(progress.Event{Step: "remove", Folder: f.Name, Done: res.Messages, Total: res.Messages},
		progress.NoticeData{Kind: progress.FolderDone, Text: fmt.Sprintf("%s: %d message(s) deleted", f.Name, len(uids))})
	return nil
}

// popSame reports whether message p on the server is the archived one: its
// header (TOP n 0) hashes to the archived header's, or with deep (or a
// server without TOP, or a header that does not match) its whole bytes
// (RETR) hash to the archived message's.
func popSame(c *pop3.Client, p popDelete, deep bool) (bool, error) {
	if !deep && (!c.Caps.Known || c.Caps.Top) {
		sum, err := readHash(c.Top(p.num))
		var se *pop3.Error
		switch {
		case errors.As(err, &se):
			// No TOP here after all: the whole message.
		case err != nil:
			return false, err
		case sum == p.want.header:
			return true, nil
		}
	}
	sum, err := readHash(c.Retr(p.num))
	if err != nil {
		return false, err
	}
	return sum == p.want.sha, nil
}

func readHash(r io.Reader, err error) ([32]byte, error) {
	var sum [32]byte
	if err != nil {
		return sum, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return sum, err
	}
	h.Sum(sum[:0])
	return sum, nil
}

// popStatuses is a session's listing as the gate's live look.
func popStatuses(mb *pop3.Mailbox, folderName string) []folderStatus {
	st := &popStatus{keys: map[string]bool{}}
	for _, l := range mb.List {
		st.bytes += l.SizeBytes
	}
	for _, k := range pop3.UsableUIDLs(mb.UIDs) {
		st.keys[k] = true
	}
	return []folderStatus{{name: folderName, messages: uint32(mb.Count), pop: st}}
}
