package gate

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/progress"
)

// VerifyOptions for Verify. Conn and ArchiveDir are required; the rest have
// defaults.
type VerifyOptions struct {
	Conn       imapconn.Config
	ArchiveDir string
	// Deep fetches every message again (BODY.PEEK[], streamed into a hash)
	// and compares it with the archived bytes.
	Deep     bool
	Progress progress.Sink
	Now      func() time.Time
	// FetchChunk is the number of UIDs asked for in one UID FETCH of
	// bodies (default 250).
	FetchChunk int
}

func (o *VerifyOptions) applyDefaults() {
	if o.Progress == nil {
		o.Progress = progress.Discard
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FetchChunk <= 0 {
		o.FetchChunk = 250
	}
}

// Kind names what a discrepancy is about. The strings are stable: they are
// stored in the archive and appear in the JSON report.
type Kind string

// Discrepancy kinds found by Verify.
const (
	FolderNotArchived    Kind = "folder-not-archived"   // a folder on the server that the archive lacks (added or renamed)
	UIDValidityChanged   Kind = "uidvalidity-changed"   // the server's folder is a new generation
	FolderNotOnServer    Kind = "folder-not-on-server"  // an archived folder the server no longer has (note)
	FolderUnreadable     Kind = "folder-unreadable"     // listed by the server, but it would not open it
	MessageMissing       Kind = "message-missing"       // a UID on the server that the archive lacks
	SizeDiffers          Kind = "size-differs"          // RFC822.SIZE differs from the stored length
	MessageNotOnServer   Kind = "message-not-on-server" // archived, expunged on the server since (note)
	ServerNotChecked     Kind = "server-not-checked"    // archived from a server this verification did not ask
	ServerContentDiffers Kind = "server-content-differs"
	MboxFileMissing      Kind = "mbox-file-missing"
	MboxTruncated        Kind = "mbox-truncated"       // the file is shorter than the archive committed
	MboxUnreadable       Kind = "mbox-unreadable"      // not an mbox file, or a read error
	MboxMessageMissing   Kind = "mbox-message-missing" // no entry for the UID in the mbox file
	MboxMessageDiffers   Kind = "mbox-message-differs" // the entry's bytes differ from SQLite's
	MboxOffsetDiffers    Kind = "mbox-offset-differs"  // the entry is intact but not where SQLite says
	MboxExtraEntry       Kind = "mbox-extra-entry"     // an entry SQLite does not list
	StoredMissing        Kind = "stored-message-missing"
	StoredDiffers        Kind = "stored-message-differs" // SQLite's chunks do not hash to its sha256
)

// Kinds the gate reports in its own conditions.
const (
	MessageFailed      Kind = "message-failed"      // the backup could not fetch it
	ServerFolderAdded  Kind = "folder-added"        // since the verification
	ServerFolderGone   Kind = "folder-gone"         // since the verification
	ServerNewMail      Kind = "new-mail"            // UIDNEXT moved
	ServerMailRemoved  Kind = "mail-removed"        // MESSAGES went down
	ServerNewUIDValid  Kind = "uidvalidity-differs" // since the verification
	ArchiveFileChanged Kind = "mbox-file-changed"   // size or time differs from what verify read
	ArchiveRowsChanged Kind = "messages-changed"    // SQLite's count differs from what verify read
)

// Discrepancy is one thing found different, precisely: the folder, the UID
// when it is about one message, and what was expected and found.
type Discrepancy struct {
	Kind     Kind   `json:"kind"`
	Folder   string `json:"folder"`
	UID      uint32 `json:"uid,omitempty"`
	Want     string `json:"want,omitempty"` // what the archive (or the verification) says
	Got      string `json:"got,omitempty"`  // what was found
	Blocking bool   `json:"blocking"`       // keeps the gate closed
	Detail   string `json:"detail"`         // English, for logs
}

func (d Discrepancy) String() string { return d.Detail }

// FolderResult is what Verify saw of one folder.
type FolderResult struct {
	Name           string `json:"name"`
	Role           string `json:"role,omitempty"`
	OnServer       bool   `json:"on_server"`
	InArchive      bool   `json:"in_archive"`
	Current        bool   `json:"current"` // the archive's current generation (false: an older one)
	UIDValidity    uint32 `json:"uidvalidity"`
	ServerUIDNext  uint32 `json:"server_uidnext,omitempty"`
	ServerMessages uint32 `json:"server_messages"`
	ServerBytes    int64  `json:"server_bytes"`
	Archived       int64  `json:"archived"`
	ArchivedBytes  int64  `json:"archived_bytes"`
	Verified       int64  `json:"verified"`
	MboxPath       string `json:"mbox_path,omitempty"`

	folderID     int64
	verifiedUIDs string
	mboxSize     int64
	mboxMTime    int64
}

// Result is a finished verification.
type Result struct {
	VerificationID int64          `json:"verification_id"`
	Account        Account        `json:"account"`
	StartedAt      time.Time      `json:"started_at"`
	FinishedAt     time.Time      `json:"finished_at"`
	Deep           bool           `json:"deep"`
	Folders        []FolderResult `json:"folders"`
	Messages       int64          `json:"messages"` // archived messages checked
	Bytes          int64          `json:"bytes"`
	Verified       int64          `json:"verified"` // server messages found archived, whole
	Problems       []Discrepancy  `json:"problems"` // keep the gate closed
	Notes          []Discrepancy  `json:"notes"`    // worth knowing; the mail is safe
}

// OK reports whether nothing is missing or different.
func (r Result) OK() bool { return len(r.Problems) == 0 }

// Account is the account an archive holds, from its meta table.
type Account struct {
	User     string `json:"user"`
	Host     string `json:"host"`
	Port     int    `json:"port,omitempty"`
	Security string `json:"security,omitempty"`
}

func (a Account) String() string { return a.User + " on " + a.Host }

func accountOf(ctx context.Context, a *archive.Archive) (Account, error) {
	var acct Account
	var err error
	get := func(k string) string {
		if err != nil {
			return ""
		}
		var v string
		v, err = a.Meta(ctx, k)
		return v
	}
	acct.User, acct.Host, acct.Security = get("account_user"), get("account_host"), get("account_security")
	acct.Port, _ = strconv.Atoi(get("account_port"))
	if err == nil && acct.User == "" {
		// No IMAP backup: the account of a POP3 backup, if any.
		if pa, ok, perr := popAccount(ctx, a); perr != nil {
			err = perr
		} else if ok {
			acct = pa
		}
	}
	return acct, err
}

// ErrNoBackup: the archive holds no backup yet, so there is nothing to
// compare with the server.
var ErrNoBackup = errors.New("this archive holds no backup yet")

// checkAccount refuses to compare an archive with another account's server.
func checkAccount(a *archive.Archive, acct Account, c imapconn.Config) error {
	if acct.User == "" {
		return mailerr.New(mailerr.BadInput, "open archive", a.Dir(),
			ErrNoBackup)
	}
	if !strings.EqualFold(acct.User, c.User) || !strings.EqualFold(acct.Host, c.Host) {
		return mailerr.New(mailerr.BadInput, "open archive", a.Dir(),
			&archive.OtherAccountError{Held: archive.Account{User: acct.User, Host: acct.Host}, GivenUser: c.User, Host: c.Host})
	}
	return nil
}

// openArchive opens the archive in dir to check it and record the result;
// an empty dir is a BadInput error of step.
func openArchive(ctx context.Context, step, dir string, now func() time.Time) (*archive.Archive, error) {
	if dir == "" {
		return nil, mailerr.New(mailerr.BadInput, step, "", errors.New("no archive folder given"))
	}
	return archive.OpenForCheck(ctx, dir, archive.Options{Now: now})
}

// accountFor is the account a's backup is of, which must be the one c
// logs in to.
func accountFor(ctx context.Context, a *archive.Archive, c imapconn.Config) (Account, error) {
	acct, err := accountOf(ctx, a)
	if err != nil {
		return acct, err
	}
	return acct, checkAccount(a, acct, c)
}

// Verify compares the archive in opts.ArchiveDir with the live server and
// with itself, stores the result in the archive, and returns it. It only
// reads the server (EXAMINE, BODY.PEEK). Problems found are not an error:
// they are the Result. A cancelled run stores nothing and returns an error
// for which errors.Is(err, context.Canceled) holds.
func Verify(ctx context.Context, opts VerifyOptions) (Result, error) {
	opts.applyDefaults()
	res := Result{Deep: opts.Deep, StartedAt: opts.Now()}
	a, err := openArchive(ctx, "verify", opts.ArchiveDir, opts.Now)
	if err != nil {
		return res, err
	}
	defer a.Close()
	if res.Account, err = accountFor(ctx, a, opts.Conn); err != nil {
		return res, err
	}
	v := &verifier{a: a, opts: &opts, res: &res, throttle: progress.NewThrottle(opts.Progress, opts.Now)}
	err = v.runAndSave(ctx)
	if err == nil {
		err = saveStoreStates(context.WithoutCancel(ctx), a, res.VerificationID, v.stores)
	}
	return res, err
}

// runAndSave runs the verification and stores its result in the archive
// (v.res.VerificationID), the same for a server and a POP3 mailbox.
func (v *verifier) runAndSave(ctx context.Context) error {
	if err := v.run(ctx); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("verify stopped: %w", ctx.Err())
		}
		return err
	}
	v.res.FinishedAt = v.opts.Now()
	id, err := v.save(ctx)
	v.res.VerificationID = id
	return err
}

// verifier holds one run of Verify.
type verifier struct {
	a        *archive.Archive
	opts     *VerifyOptions
	res      *Result
	throttle *progress.Throttle

	backupRunID    int64
	contentVersion int64
	gens           map[int64]*genState   // archive folder generations by id
	genOrder       []int64               // as archive.Stats lists them
	stores         map[int64]storeRecord // what was found of each store, for the gate's check (storecache.go)

	// Progress counts checks (a message is checked two or three times:
	// mbox, SQLite, and with Deep the server) but shows messages: Done is
	// scaled to messages, so 3,000 messages read "1,500/3,000", never
	// "3,000/6,000".
	folder                   atomic.Value // string, for progress
	messages                 int64        // messages in the archive
	total, totalBytes        int64        // checks to do
	done, doneBytes          atomic.Int64 // checks done
	folderDone, folderTotals atomic.Int64 // checks in the folder
	folderPasses             atomic.Int64 // checks per message in the folder

	pop *popTarget // a POP3 mailbox instead of the account's IMAP server
}

// genState is what the archive's own check found of one folder generation.
type genState struct {
	f        *archive.Folder
	messages int64
	bytes    int64
	bad      map[uint32]bool // UIDs whose stored copy (mbox or SQLite) is not whole
	size     int64           // the mbox file as read
	mtime    int64
}

func (v *verifier) event() progress.Event {
	name, _ := v.folder.Load().(string)
	done := v.messages
	if v.total > 0 {
		done = v.done.Load() * v.messages / v.total
	}
	passes := max(v.folderPasses.Load(), 1)
	return progress.Event{Step: "verify", Folder: name, Done: done, Total: v.messages,
		Bytes: v.doneBytes.Load(), TotalBytes: v.totalBytes,
		FolderDone: v.folderDone.Load() / passes, FolderTotal: v.folderTotals.Load() / passes}
}

func (v *verifier) tick(messages, bytes int64) {
	v.done.Add(messages)
	v.folderDone.Add(messages)
	v.doneBytes.Add(bytes)
	v.throttle.Status(v.event(), false)
}

// setFolder starts a folder of messages checked passes times each.
func (v *verifier) setFolder(name string, messages, passes int64) {
	v.folder.Store(name)
	v.folderDone.Store(0)
	v.folderPasses.Store(passes)
	v.folderTotals.Store(passes * messages)
	v.throttle.Notice(v.event(), progress.NoticeData{Kind: progress.FolderStarted, Text: name})
}

func (v *verifier) problem(d Discrepancy) {
	d.Blocking = true
	v.res.Problems = append(v.res.Problems, d)
}

func (v *verifier) note(d Discrepancy) {
	d.Blocking = false
	v.res.Notes = append(v.res.Notes, d)
}

// run checks the archive against itself first (no connection held open
// meanwhile), then against the server.
func (v *verifier) run(ctx context.Context) error {
	if r, err := v.a.LastRun(ctx, archive.BackupRunKinds...); err != nil {
		return err
	} else if r != nil {
		v.backupRunID = r.ID
	}
	cv, err := v.a.ContentVersion(ctx)
	if err != nil {
		return err
	}
	v.contentVersion = cv
	stats, err := v.a.Stats(ctx)
	if err != nil {
		return err
	}
	v.gens = map[int64]*genState{}
	passes := int64(2) // the mbox file and SQLite's chunks
	for _, s := range stats {
		v.gens[s.Folder.ID] = &genState{f: s.Folder, messages: s.Messages, bytes: s.Bytes, bad: map[uint32]bool{}}
		v.genOrder = append(v.genOrder, s.Folder.ID)
		v.total += passes * s.Messages
		v.totalBytes += passes * s.Bytes
		if v.opts.Deep && s.Folder.Current && (v.pop == nil || s.Folder.ID == v.pop.f.ID) {
			v.total += s.Messages
			v.totalBytes += s.Bytes
		}
		v.res.Messages += s.Messages
		v.res.Bytes += s.Bytes
	}
	v.messages = v.res.Messages
	v.throttle.Status(v.event(), true)
	for _, s := range stats {
		if err := v.checkLocal(ctx, v.gens[s.Folder.ID]); err != nil {
			return err
		}
	}
	check := v.checkServer
	if v.pop != nil {
		check = v.checkPOP3Server
	}
	if err := check(ctx); err != nil {
		return err
	}
	if err := v.checkStores(ctx); err != nil {
		return err
	}
	v.throttle.Status(v.event(), true)
	return nil
}

// save stores the result in the archive.
func (v *verifier) save(ctx context.Context) (int64, error) {
	r := v.res
	rec := archive.Verification{StartedAt: stamp(r.StartedAt), FinishedAt: stamp(r.FinishedAt), Deep: r.Deep,
		BackupRunID: v.backupRunID, Folders: int64(len(r.Folders)), Messages: r.Messages, Bytes: r.Bytes,
		Verified: r.Verified, Problems: int64(len(r.Problems)), Notes: int64(len(r.Notes)), ContentVersion: v.contentVersion}
	folders := make([]archive.VerificationFolder, len(r.Folders))
	for i, f := range r.Folders {
		folders[i] = archive.VerificationFolder{Name: f.Name, FolderID: f.folderID, OnServer: f.OnServer,
			ServerUIDValidity: f.UIDValidity, ServerUIDNext: f.ServerUIDNext, ServerMessages: f.ServerMessages,
			ServerBytes: f.ServerBytes, Archived: f.Archived, ArchivedBytes: f.ArchivedBytes, Verified: f.Verified,
			VerifiedUIDs: f.verifiedUIDs, MboxSize: f.mboxSize, MboxMTime: f.mboxMTime}
	}
	ds := make([]archive.Discrepancy, 0, len(r.Problems)+len(r.Notes))
	for _, d := range append(append([]Discrepancy{}, r.Problems...), r.Notes...) {
		ds = append(ds, archive.Discrepancy{Kind: string(d.Kind), Folder: d.Folder, UID: d.UID, Want: d.Want,
			Got: d.Got, Blocking: d.Blocking, Detail: d.Detail})
	}
	// Stored even when the run's context ends now: the work is done.
	return v.a.SaveVerification(context.WithoutCancel(ctx), rec, folders, ds)
}

func stamp(t time.Time) string { return t.Format(time.RFC3339) }
