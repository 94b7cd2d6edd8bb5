package gate

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
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
// backup.RunPOP3 writes) with the live server and with itself: the source
// folder's mbox file and SQLite agree; every message the server lists is
// archived under its UIDL with the size LIST gives (and, with Deep, the
// same bytes); a message without a usable UIDL is fetched and found by its
// content. Archived messages the server no longer lists are notes: a POP3
// server that deletes or expires mail leaves the archive as the only copy.
// It only reads the server (no DELE).
//
// The result is returned, not stored: whether a POP3 account may be removed
// also depends on where its older mail is (a mail app's store), which the
// gate decides.
func VerifyPOP3(ctx context.Context, opts VerifyPOP3Options) (Result, error) {
	if opts.Progress == nil {
		opts.Progress = progress.Discard
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	cfg := opts.Conn
	if cfg.Port == 0 {
		cfg.Port = pop3.DefaultPort(cfg.Security)
	}
	res := Result{Deep: opts.Deep, StartedAt: opts.Now(),
		Account: Account{User: cfg.User, Host: cfg.Host, Port: cfg.Port, Security: cfg.Security.String()}}
	a, err := openArchive(ctx, "verify", opts.ArchiveDir, opts.Now)
	if err != nil {
		return res, err
	}
	defer a.Close()
	f, err := pop3Folder(ctx, a, archive.POP3Location(cfg.User, cfg.Host))
	if err != nil {
		return res, err
	}
	v := &verifier{a: a, opts: &VerifyOptions{Deep: opts.Deep}, res: &res, throttle: progress.NewThrottle(opts.Progress, opts.Now)}
	g := &genState{f: f, bad: map[uint32]bool{}}
	archived := map[string]*archive.SourceKey{}
	if err := a.EachSourceKey(ctx, f.ID, func(k *archive.SourceKey) error {
		archived[k.Key] = k
		g.messages++
		g.bytes += k.Size
		return nil
	}); err != nil {
		return res, err
	}
	v.total, v.totalBytes = 2*g.messages, 2*g.bytes
	res.Messages, res.Bytes = g.messages, g.bytes
	if err := v.checkLocal(ctx, g); err != nil {
		return res, err
	}
	fr := FolderResult{Name: f.Name, Role: f.Role, InArchive: true, Current: true, UIDValidity: f.UIDValidity,
		Archived: g.messages, ArchivedBytes: g.bytes, MboxPath: f.MboxPath, folderID: f.ID}
	if err := v.checkPOP3(ctx, cfg, g, archived, &fr); err != nil {
		if ctx.Err() != nil {
			return res, fmt.Errorf("verify stopped: %w", ctx.Err())
		}
		return res, err
	}
	res.Folders = []FolderResult{fr}
	res.Verified = fr.Verified
	res.FinishedAt = opts.Now()
	v.throttle.Status(v.event(), true)
	return res, nil
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
			if sum != k.SHA256 {
				v.problem(Discrepancy{Kind: ServerContentDiffers, Folder: name, UID: k.UID, Want: k.SHA256, Got: sum,
					Detail: fmt.Sprintf("%s uid %d (UIDL %s): the server's bytes differ from the archived ones", name, k.UID, key)})
				continue
			}
		}
		fr.Verified++
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
		fr.Verified++
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
	r, err := c.Retr(num)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hexSum([32]byte(h.Sum(nil))), nil
}
