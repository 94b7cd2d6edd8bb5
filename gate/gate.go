package gate

import (
	"context"
	"encoding/json"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/folders"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/pop3"
)

// The removal gate's conditions, in the order a verdict lists them.
const (
	CondVerified         = "verified"          // the last verification found nothing missing or different
	CondNoFailures       = "no-failures"       // nothing failed during backup
	CondArchiveUnchanged = "archive-unchanged" // no backup ran and no archive file changed since
	CondServerUnchanged  = "server-unchanged"  // nothing new on the server since (checked live)
	CondContactsExported = "contacts-exported" // the address book was exported after the last backup
)

// Condition is one condition of the gate. Code says which case it is
// ("ok" when OK); Data holds the values a UI needs to say it in the user's
// language (see Condition.Text), Reason says it in English for logs, and
// Details lists the first things found (at most maxDetails).
type Condition struct {
	ID      string            `json:"id"`
	OK      bool              `json:"ok"`
	Code    string            `json:"code"`
	Reason  string            `json:"reason"`
	Data    map[string]string `json:"data,omitempty"`
	Details []Discrepancy     `json:"details,omitempty"`
}

// Verdict is the gate's answer: Open only when every condition is OK.
type Verdict struct {
	Open      bool      `json:"open"`
	CheckedAt time.Time `json:"checked_at"`
	// Live: the server was asked at CheckedAt. An offline verdict takes the
	// server condition from the last live check since the verification.
	Live           bool        `json:"live"`
	VerificationID int64       `json:"verification_id"`
	Conditions     []Condition `json:"conditions"`
	// Stores are the mail-app stores of this account found on this
	// computer (see CondStores).
	Stores []StoreState `json:"stores,omitempty"`
}

// Reasons returns the English reason of every condition not met.
func (v Verdict) Reasons() []string {
	var out []string
	for _, c := range v.Conditions {
		if !c.OK {
			out = append(out, c.Reason)
		}
	}
	return out
}

// Condition returns the condition with id, and whether there is one.
func (v Verdict) Condition(id string) (Condition, bool) {
	for _, c := range v.Conditions {
		if c.ID == id {
			return c, true
		}
	}
	return Condition{}, false
}

const maxDetails = 20

// GateOptions for Check. ArchiveDir is required, and Conn (or POP3) unless
// Offline.
type GateOptions struct {
	Conn imapconn.Config
	// POP3, when set, is the account's POP3 mailbox: the server is asked
	// over POP3 instead of Conn (the archive must hold a backup of it).
	POP3       *pop3.Config
	ArchiveDir string
	// Offline evaluates without a connection (for a report): the server
	// condition comes from the last live check since the last verification.
	Offline bool
	Now     func() time.Time
	// Stores says where to look for the account's mail-app stores.
	Stores StoreSearch
}

// Check evaluates the removal gate now. The verdict is returned also with an
// error (a server that cannot be reached keeps the gate closed, and says so).
// A live verdict is recorded in the archive.
func Check(ctx context.Context, opts GateOptions) (Verdict, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a, err := openArchive(ctx, "check gate", opts.ArchiveDir, opts.Now)
	if err != nil {
		return Verdict{}, err
	}
	defer a.Close()
	if opts.Offline {
		return evaluate(ctx, a, opts.Now, nil, opts.Stores)
	}
	if opts.POP3 != nil {
		cfg := *opts.POP3
		f, err := popFolderOf(ctx, a, cfg)
		if err != nil {
			return Verdict{}, err
		}
		v, err := evaluate(ctx, a, opts.Now, func() ([]folderStatus, error) { return popSession(ctx, cfg, f.Name) }, opts.Stores)
		if serr := saveVerdict(ctx, a, v); serr != nil && err == nil {
			err = serr
		}
		return v, err
	}
	if _, err := accountFor(ctx, a, opts.Conn); err != nil {
		return Verdict{}, err
	}
	var c *imapconn.Conn
	live := func() ([]folderStatus, error) {
		if c == nil {
			var err error
			if c, err = imapconn.Dial(ctx, opts.Conn); err != nil {
				return nil, err
			}
		}
		return liveStatus(ctx, c, opts.Conn.Host)
	}
	v, err := evaluate(ctx, a, opts.Now, live, opts.Stores)
	if c != nil {
		c.Close()
	}
	if serr := saveVerdict(ctx, a, v); serr != nil && err == nil {
		err = serr
	}
	return v, err
}

func saveVerdict(ctx context.Context, a *archive.Archive, v Verdict) error {
	if !v.Live {
		return nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		panic(err) // our own types always marshal
	}
	return a.SaveGateCheck(context.WithoutCancel(ctx), archive.GateCheck{At: stamp(v.CheckedAt),
		VerificationID: v.VerificationID, Live: true, Open: v.Open, Verdict: string(j)})
}

// folderStatus is a folder's counters on the server.
type folderStatus struct {
	name                           string
	uidValidity, uidNext, messages uint32
	pop                            *popStatus // a POP3 mailbox's listing (name: its archive folder)
}

// liveStatus asks the server, cheaply, for every selectable folder's
// UIDVALIDITY, UIDNEXT and MESSAGES: one LIST-STATUS, or LIST and a STATUS
// per folder.
func liveStatus(ctx context.Context, c *imapconn.Conn, host string) ([]folderStatus, error) {
	list, err := folders.List(c, folders.Options{Status: true})
	if err != nil {
		return nil, imapconn.Classify(ctx, "list folders", host, err)
	}
	out := make([]folderStatus, 0, len(list))
	for _, f := range list {
		if f.Err != nil {
			// Listed but unreadable: counters of zero keep the gate
			// closed, as the verification could not vouch for it either.
			out = append(out, folderStatus{name: f.Name})
			continue
		}
		st := f.Status
		if st == nil || st.NumMessages == nil || st.UIDNext == 0 || st.UIDValidity == 0 {
			if st, err = c.Status(f.Mailbox, &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true}).Wait(); err != nil {
				return nil, imapconn.Classify(ctx, "status "+f.Name, host, err)
			}
		}
		fs := folderStatus{name: f.Name, uidValidity: st.UIDValidity, uidNext: uint32(st.UIDNext)}
		if st.NumMessages != nil { // else 0: a server that will not say keeps the gate closed
			fs.messages = *st.NumMessages
		}
		out = append(out, fs)
	}
	return out, nil
}

// evaluate computes every condition. live is nil for an offline verdict.
func evaluate(ctx context.Context, a *archive.Archive, now func() time.Time, live func() ([]folderStatus, error), search StoreSearch) (Verdict, error) {
	v := Verdict{CheckedAt: now(), Live: live != nil}
	last, err := a.LastVerification(ctx)
	if err != nil {
		return v, err
	}
	var vfs []archive.VerificationFolder
	if last != nil {
		v.VerificationID = last.ID
		if vfs, err = a.VerificationFolders(ctx, last.ID); err != nil {
			return v, err
		}
	}
	lastRun, err := a.LastRun(ctx, archive.BackupRunKinds...)
	if err != nil {
		return v, err
	}
	conds := []func() (Condition, error){
		func() (Condition, error) { return condVerified(ctx, a, last) },
		func() (Condition, error) { return condNoFailures(ctx, a, lastRun) },
		func() (Condition, error) { return condArchiveUnchanged(ctx, a, last, vfs, lastRun) },
		func() (Condition, error) { return condServerUnchanged(ctx, a, last, vfs, live) },
		func() (Condition, error) { return condContacts(ctx, a, lastRun) },
		func() (Condition, error) {
			c, stores, err := condStores(ctx, a, last, vfs, search)
			v.Stores = stores
			return c, err
		},
	}
	v.Open = true
	var firstErr error
	for _, f := range conds {
		c, err := f()
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if c.OK {
			c.Code = "ok"
		}
		v.Open = v.Open && c.OK
		v.Conditions = append(v.Conditions, c)
	}
	return v, firstErr
}
