package gate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/pop3"
	"github.com/mailark/mailark/internal/progress"
)

// VerifyPOP3Options for VerifyPOP3. Conn and ArchiveDir are required.
type VerifyPOP3Options struct {
	Conn       pop3.Config
	ArchiveDir string
	// Deep fetches every message again (RETR, streamed into a hash) and
	// compares it with the archived bytes.
	Deep     bool
	Progress progress.Sink
	Now      func() time.Time
}

// VerifyPOP3 compares the archive's copy of a POP3 mailbox (the source
// backup.RunPOP3 writes) with the live server and with itself, as Verify
// does for an IMAP account, and stores the result in the archive: it is
// the verification the gate reads for a POP3 account. The archive's own
// files are read again (every folder generation, mbox and SQLite), every
// message the server lists must be archived under its UIDL with the size
// LIST gives (and, with Deep, the same bytes; a message without a usable
// UIDL is fetched and found by its content), and every mail-app store
// imported into the archive is read again (checkStores). Archived messages
// the server no longer lists are notes: a POP3 server that deletes or
// expires mail leaves the archive as the only copy. An archive that also
// holds a backup of an IMAP server has a problem here (server-not-checked):
// the gate goes by the last verification, and this one did not ask that
// server. It only reads the server (no DELE).
//
// Whether the account may be removed also depends on where its older mail
// is: a POP3 account's gate stays closed until a mail app's store of it is
// imported and verified (see CondStores).
func VerifyPOP3(ctx context.Context, opts VerifyPOP3Options) (Result, error) {
	vo := VerifyOptions{Deep: opts.Deep, Progress: opts.Progress, Now: opts.Now}
	vo.applyDefaults()
	cfg := opts.Conn
	if cfg.Port == 0 {
		cfg.Port = pop3.DefaultPort(cfg.Security)
	}
	res := Result{Deep: opts.Deep, StartedAt: vo.Now(),
		Account: Account{User: cfg.User, Host: cfg.Host, Port: cfg.Port, Security: cfg.Security.String()}}
	a, err := openArchive(ctx, "verify", opts.ArchiveDir, vo.Now)
	if err != nil {
		return res, err
	}
	defer a.Close()
	f, err := pop3Folder(ctx, a, archive.POP3Location(cfg.User, cfg.Host))
	if err != nil {
		return res, err
	}
	v := &verifier{a: a, opts: &vo, res: &res, throttle: progress.NewThrottle(vo.Progress, vo.Now),
		pop: &popTarget{cfg: cfg, f: f}}
	err = v.runAndSave(ctx) // fills in res
	return res, err
}

// popTarget is the POP3 mailbox a verification compares with.
type popTarget struct {
	cfg pop3.Config
	f   *archive.Folder
}

// checkPOP3Server is checkServer for a POP3 mailbox: the mailbox's folder
// against the server, then the rest of the archive's folders as archived
// only (stores are checked by checkStores).
func (v *verifier) checkPOP3Server(ctx context.Context) error {
	f := v.pop.f
	g := v.gens[f.ID]
	if g == nil {
		g = &genState{f: f, bad: map[uint32]bool{}}
	}
	archived := map[string]*archive.SourceKey{}
	if err := v.a.EachSourceKey(ctx, f.ID, func(k *archive.SourceKey) error {
		archived[k.Key] = k
		return nil
	}); err != nil {
		return err
	}
	fr := archivedOnly(g)
	fr.Role = "inbox"
	fr.Current = true
	if v.opts.Deep {
		v.setFolder(f.Name, g.messages, 1)
	}
	if err := v.checkPOP3(ctx, v.pop.cfg, g, archived, &fr); err != nil {
		return err
	}
	v.res.Folders = append(v.res.Folders, fr)
	v.res.Verified += fr.Verified
	notChecked := false
	for _, id := range v.genOrder {
		g := v.gens[id]
		if id == f.ID || g.f.SourceID != 0 {
			continue
		}
		v.res.Folders = append(v.res.Folders, archivedOnly(g))
		if g.f.Current && !notChecked {
			notChecked = true
			v.problem(Discrepancy{Kind: ServerNotChecked, Folder: g.f.Name,
				Detail: fmt.Sprintf("%s: this archive also holds a backup of an IMAP server, which a POP3 verification does not ask: run mailark verify without --protocol pop3 as well", g.f.Name)})
		}
	}
	return nil
}

// ErrNoPOP3Backup: the archive holds no backup of that POP3 mailbox.
var ErrNoPOP3Backup = errors.New("this archive holds no backup of that POP3 mailbox")

func pop3Folder(ctx context.Context, a *archive.Archive, location string) (*archive.Folder, error) {
	srcs, err := a.Sources(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range srcs {
		if s.Kind != archive.SourcePOP3 || s.Location != location {
			continue
		}
		fs, err := a.SourceFolders(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		if len(fs) == 1 {
			return fs[0], nil
		}
	}
	return nil, mailerr.New(mailerr.BadInput, "open archive", a.Dir(), fmt.Errorf("%w (%s)", ErrNoPOP3Backup, location))
}

func (v *verifier) checkPOP3(ctx context.Context, cfg pop3.Config, g *genState, archived map[string]*archive.SourceKey, fr *FolderResult) error {
	c, err := pop3.Dial(ctx, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	var verified []uint32
	defer func() {
		slices.Sort(verified)
		fr.verifiedUIDs = formatUIDs(slices.Compact(verified))
	}()
	mb, err := c.Mailbox(ctx)
	if err != nil {
		return err
	}
	count, list, ids := mb.Count, mb.List, mb.UIDs
	keys := pop3.UsableUIDLs(ids)
	fr.OnServer, fr.ServerMessages = true, uint32(count)
	name := g.f.Name
	onServer := map[string]bool{}
	var byContent []pop3.Listing
	for _, l := range list {
		fr.ServerBytes += l.SizeBytes
		key := keys[l.Num]
		if key == "" {
			byContent = append(byContent, l)
			continue
		}
		onServer[key] = true
		k := archived[key]
		switch {
		case k == nil:
			v.problem(Discrepancy{Kind: MessageMissing, Folder: name, Want: "UIDL " + key,
				Detail: fmt.Sprintf("%s: message %d (UIDL %s, %d bytes) is on the server but not in the archive", name, l.Num, key, l.SizeBytes)})
			continue
		case g.bad[k.UID]:
			continue // its stored copy is damaged: reported by the local check
		case k.Size != l.SizeBytes && k.Size != l.SizeBytes+2:
			// (+2: RFC 1939 cannot send a message that does not end with
			// a line end, so servers add CRLF to one and LIST the size
			// without it; Dovecot does.)
			v.problem(Discrepancy{Kind: SizeDiffers, Folder: name, UID: k.UID, Want: fmt.Sprint(k.Size), Got: fmt.Sprint(l.SizeBytes),
				Detail: fmt.Sprintf("%s uid %d (UIDL %s): the server says %d bytes, the archive holds %d", name, k.UID, key, l.SizeBytes, k.Size)})
			continue
		}
		if v.opts.Deep {
			sum, err := retrHash(c, l.Num)
			if err != nil {
				return c.Classify(ctx, "retr", err)
			}
			v.tick(1, l.SizeBytes)
			if sum != k.SHA256 {
				v.problem(Discrepancy{Kind: ServerContentDiffers, Folder: name, UID: k.UID, Want: k.SHA256, Got: sum,
					Detail: fmt.Sprintf("%s uid %d (UIDL %s): the server's bytes differ from the archived ones", name, k.UID, key)})
				continue
			}
		}
		fr.Verified++
		verified = append(verified, k.UID)
	}
	// Without a usable UIDL a message can only be found by its bytes.
	for _, l := range byContent {
		sum, err := retrHash(c, l.Num)
		if err != nil {
			return c.Classify(ctx, "retr", err)
		}
		k, err := v.a.LookupSourceKey(ctx, g.f.ID, "sha256:"+sum)
		if err != nil {
			return err
		}
		if k == nil {
			v.problem(Discrepancy{Kind: MessageMissing, Folder: name, Want: "sha256:" + sum,
				Detail: fmt.Sprintf("%s: message %d (no usable UIDL, %d bytes) is on the server but not in the archive", name, l.Num, l.SizeBytes)})
			continue
		}
		onServer[k.Key] = true
		if g.bad[k.UID] {
			continue
		}
		fr.Verified++
		verified = append(verified, k.UID)
	}
	for key, k := range archived {
		if !onServer[key] && len(byContent) == 0 {
			v.note(Discrepancy{Kind: MessageNotOnServer, Folder: name, UID: k.UID, Want: key,
				Detail: fmt.Sprintf("%s uid %d (%s) is archived but no longer on the server: the archive holds the only copy the server had", name, k.UID, key)})
		}
	}
	return nil
}

// retrHash fetches message num and returns the hex SHA-256 of its bytes.
func retrHash(c *pop3.Client, num int) (string, error) {
	sum, err := readHash(c.Retr(num))
	return hexSum(sum), err
}
