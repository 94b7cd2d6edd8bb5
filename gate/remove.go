package gate

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/pop3"
	"github.com/mailark/mailark/internal/progress"
)

// Why Remove refused. Each comes wrapped in a *mailerr.Error (Kind
// GateClosed for ErrGateClosed and ErrArchiveChanged, NotConfirmed,
// ServerChanged, or ServerError for ErrNoUIDPlus); test with errors.Is.
var (
	// ErrGateClosed: the gate is not green; RemoveResult.Verdict says why.
	ErrGateClosed = errors.New("the removal gate is closed: not yet safe to remove the account")
	// ErrNotConfirmed: the account name typed did not match.
	ErrNotConfirmed = errors.New("the account name typed does not match: nothing was deleted")
	// ErrNoUIDPlus: the server cannot expunge by UID, so deleting only the
	// verified messages cannot be guaranteed.
	ErrNoUIDPlus = errors.New("the server does not support UIDPLUS (UID EXPUNGE): deleting only the verified messages cannot be guaranteed, so nothing is deleted")
	// ErrServerChanged: a folder changed between the gate's check and the
	// deletion, or a message about to be deleted is not the archived one;
	// what was deleted before is listed in the result.
	ErrServerChanged = errors.New("the server changed since the verification")
	// ErrArchiveChanged: an archived copy of a message about to be deleted
	// no longer hashes to what was archived; nothing was deleted.
	ErrArchiveChanged = errors.New("the archive changed since the verification")
)

// rangesPerCommand bounds the UID ranges in one UID STORE or UID EXPUNGE.
var rangesPerCommand = 500

// RemoveOptions for Remove. Conn (or POP3) and ArchiveDir are required.
type RemoveOptions struct {
	Conn imapconn.Config
	// POP3, when set, is the account's POP3 mailbox: the gate is checked
	// over POP3 and DeleteFromServer deletes from it (see removePOP3).
	POP3       *pop3.Config
	ArchiveDir string
	// DeleteFromServer also deletes the verified messages from the server.
	DeleteFromServer bool
	// Deep compares the whole of every message with the archive's SHA-256
	// before deleting it, not only its size, internal date and header.
	Deep bool
	// Confirm is called once the gate is green and before anything is
	// deleted from the server, with the account name and the number of
	// messages to delete; it returns what the user typed. Only the exact
	// account name lets the deletion go on. nil: nothing is deleted.
	Confirm func(account string, messages int64) (string, error)
	// Forget removes the account from Mailark's settings and stored
	// credentials. nil: only the archive records the removal (meta
	// account_removed_at).
	Forget   func(ctx context.Context, acct Account) error
	Progress progress.Sink
	Now      func() time.Time
	// Stores says where to look for the account's mail-app stores.
	Stores StoreSearch
}

// Deletion is what was deleted from one server folder.
type Deletion struct {
	Folder      string `json:"folder"`
	UIDValidity uint32 `json:"uidvalidity"`
	UIDs        string `json:"uids"` // sequence set
	Messages    int64  `json:"messages"`
}

// RemoveResult is what Remove did.
type RemoveResult struct {
	Account   Account    `json:"account"`
	Verdict   Verdict    `json:"verdict"`
	Deleted   []Deletion `json:"deleted,omitempty"`
	Messages  int64      `json:"messages_deleted"`
	Forgotten bool       `json:"forgotten"` // Forget ran
	RemovedAt time.Time  `json:"removed_at,omitzero"`
}

// Remove forgets the account in Mailark, and with DeleteFromServer deletes
// the verified messages from the old server, only through a green gate,
// checked live at that moment. Deletion touches only the UIDs the last
// verification found archived whole, in folders the archive holds with the
// same UIDVALIDITY, and only after the typed confirmation and proof that
// each of them is, on the server and in the archive, the message archived
// (see remove_check.go): UID STORE +FLAGS.SILENT (\Deleted) and UID
// EXPUNGE of exactly those UIDs, never a plain EXPUNGE, which would also
// remove other messages marked \Deleted.
func Remove(ctx context.Context, opts RemoveOptions) (RemoveResult, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Progress == nil {
		opts.Progress = progress.Discard
	}
	if opts.POP3 != nil {
		return removePOP3(ctx, opts)
	}
	var res RemoveResult
	a, err := openArchive(ctx, "remove", opts.ArchiveDir, opts.Now)
	if err != nil {
		return res, err
	}
	defer a.Close()
	if res.Account, err = accountFor(ctx, a, opts.Conn); err != nil {
		return res, err
	}
	c, err := imapconn.Dial(ctx, opts.Conn)
	if err != nil {
		return res, err
	}
	defer c.Close()
	live := func() ([]folderStatus, error) { return liveStatus(ctx, c, opts.Conn.Host) }

	search := opts.Stores
	search.readAll = true // the moment of removal reads every store again
	res.Verdict, err = evaluate(ctx, a, opts.Now, live, search)
	if serr := saveVerdict(ctx, a, res.Verdict); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		return res, err
	}
	who := res.Account.User
	if !res.Verdict.Open {
		return res, mailerr.New(mailerr.GateClosed, "remove", who, ErrGateClosed)
	}
	if opts.DeleteFromServer {
		if err := deleteVerified(ctx, a, c, &opts, &res, live); err != nil {
			return res, err
		}
	}
	return res, forgetAndRecord(ctx, a, &opts, &res)
}

// forgetAndRecord ends a removal: Forget, and the archive's record of it.
func forgetAndRecord(ctx context.Context, a *archive.Archive, opts *RemoveOptions, res *RemoveResult) error {
	if opts.Forget != nil {
		if err := opts.Forget(ctx, res.Account); err != nil {
			return err
		}
		res.Forgotten = true
	}
	res.RemovedAt = opts.Now()
	meta := map[string]string{"account_removed_at": stamp(res.RemovedAt)}
	if opts.DeleteFromServer {
		meta["server_deleted_at"] = stamp(res.RemovedAt)
		meta["server_deleted_messages"] = strconv.FormatInt(res.Messages, 10)
	}
	return a.SetMeta(context.WithoutCancel(ctx), meta)
}

// deleteVerified deletes the last verification's verified UIDs, folder by
// folder, after the typed confirmation.
func deleteVerified(ctx context.Context, a *archive.Archive, c *imapconn.Conn, opts *RemoveOptions, res *RemoveResult,
	live func() ([]folderStatus, error)) error {
	who := res.Account.User
	if !c.Caps.UIDPlus {
		return mailerr.New(mailerr.ServerError, "remove", opts.Conn.Host, ErrNoUIDPlus)
	}
	vfs, err := a.VerificationFolders(ctx, res.Verdict.VerificationID)
	if err != nil {
		return err
	}
	var plans []removalPlan
	var total int64
	for _, vf := range vfs {
		if !vf.OnServer || vf.FolderID == 0 || vf.VerifiedUIDs == "" {
			continue
		}
		// Only a folder the archive holds, in the generation verified.
		f, err := a.Folder(ctx, vf.Name)
		if err != nil {
			return err
		}
		if f == nil || f.ID != vf.FolderID || f.UIDValidity != vf.ServerUIDValidity {
			continue
		}
		set, n, err := parseUIDs(vf.VerifiedUIDs)
		if err != nil {
			return mailerr.New(mailerr.ArchiveBroken, "remove", vf.Name, err)
		}
		plans = append(plans, removalPlan{vf: vf, f: f, set: set, n: n})
		total += n
	}
	if opts.Confirm == nil {
		return mailerr.New(mailerr.NotConfirmed, "remove", who, ErrNotConfirmed)
	}
	typed, err := opts.Confirm(who, total)
	if err != nil {
		return mailerr.New(mailerr.NotConfirmed, "remove", who, fmt.Errorf("%w (%v)", ErrNotConfirmed, err))
	}
	if strings.TrimSpace(typed) != who {
		return mailerr.New(mailerr.NotConfirmed, "remove", who, ErrNotConfirmed)
	}
	// Typing takes time: ask the server again before touching it.
	if err := mustStillBeOpen(ctx, a, live, res); err != nil {
		return err
	}
	// Before anything is deleted anywhere: the archive's copies of every
	// message to be deleted are hashed again, and the server's copies of
	// every folder's set are compared with them (see remove_check.go).
	for i := range plans {
		p := &plans[i]
		if p.want, err = archivedCopies(ctx, a, p.f, p.set, p.n); err != nil {
			return err
		}
	}
	for i := range plans {
		if err := selectChecked(ctx, c, opts, &plans[i], opts.Deep); err != nil {
			return err
		}
	}
	throttle := progress.NewThrottle(opts.Progress, opts.Now)
	var done int64
	for _, p := range plans {
		// Each folder again right before its deletion: the counters and
		// the set's sizes, dates and headers must still be as archived.
		if err := selectChecked(ctx, c, opts, &p, false); err != nil {
			return err
		}
		// In pieces, so no command line grows past what servers accept
		// (Dovecot: 64 KiB) when the verified UIDs are scattered.
		var n int64
		for start := 0; start < len(p.set); start += rangesPerCommand {
			set := p.set[start:min(start+rangesPerCommand, len(p.set))]
			deleted := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
			if err := c.Store(set, deleted, nil).Close(); err != nil {
				return imapconn.Classify(ctx, "mark deleted in "+p.vf.Name, opts.Conn.Host, err)
			}
			expunged, err := c.UIDExpunge(set).Collect()
			if err != nil {
				return imapconn.Classify(ctx, "expunge in "+p.vf.Name, opts.Conn.Host, err)
			}
			n += int64(len(expunged))
		}
		res.Deleted = append(res.Deleted, Deletion{Folder: p.vf.Name, UIDValidity: p.vf.ServerUIDValidity, UIDs: p.vf.VerifiedUIDs, Messages: n})
		res.Messages += n
		done += n
		throttle.Notice(progress.Event{Step: "remove", Folder: p.vf.Name, Done: done, Total: total},
			progress.NoticeData{Kind: progress.FolderDone, Text: fmt.Sprintf("%s: %d message(s) deleted", p.vf.Name, n)})
	}
	// Leave the last folder without CLOSE, which would expunge every
	// message marked \Deleted, not only ours.
	if c.Caps.IMAP4rev2 || c.Client.Caps().Has(imap.CapUnselect) {
		_ = c.Unselect().Wait()
	}
	return nil
}

// removalPlan is what Remove deletes in one folder: the verified set, and
// the archive's copies of its messages, hashed again.
type removalPlan struct {
	vf   archive.VerificationFolder
	f    *archive.Folder
	set  imap.UIDSet
	n    int64
	want map[uint32]archivedCopy
}

// selectChecked selects p's folder (SELECT, not EXAMINE: this is the one
// place Mailark changes the server) and checks that its counters are still
// what was verified and that the server's copies of p's set are the
// archived messages.
func selectChecked(ctx context.Context, c *imapconn.Conn, opts *RemoveOptions, p *removalPlan, deep bool) error {
	sel, err := c.Select(p.vf.Name, nil).Wait()
	if err != nil {
		return imapconn.Classify(ctx, "select "+p.vf.Name, opts.Conn.Host, err)
	}
	if sel.UIDValidity != p.vf.ServerUIDValidity || uint32(sel.UIDNext) != p.vf.ServerUIDNext || sel.NumMessages != p.vf.ServerMessages {
		return mailerr.New(mailerr.ServerChanged, "remove", p.vf.Name, fmt.Errorf("%w: %s has UIDVALIDITY %d, UIDNEXT %d, %d messages; verified %d, %d, %d",
			ErrServerChanged, p.vf.Name, sel.UIDValidity, sel.UIDNext, sel.NumMessages, p.vf.ServerUIDValidity, p.vf.ServerUIDNext, p.vf.ServerMessages))
	}
	return checkServerCopies(ctx, c, opts.Conn.Host, p.vf.Name, p.set, p.want, deep)
}

// mustStillBeOpen re-checks the server condition and returns an error when
// it no longer holds.
func mustStillBeOpen(ctx context.Context, a *archive.Archive, live func() ([]folderStatus, error), res *RemoveResult) error {
	vfs, err := a.VerificationFolders(ctx, res.Verdict.VerificationID)
	if err != nil {
		return err
	}
	last, err := a.LastVerification(ctx)
	if err != nil {
		return err
	}
	cond, err := condServerUnchanged(ctx, a, last, vfs, live)
	if err != nil {
		return err
	}
	if !cond.OK {
		for i, old := range res.Verdict.Conditions {
			if old.ID == cond.ID {
				res.Verdict.Conditions[i] = cond
			}
		}
		res.Verdict.Open = false
		return mailerr.New(mailerr.GateClosed, "remove", res.Account.User, ErrGateClosed)
	}
	return nil
}
