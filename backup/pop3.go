package backup

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/pop3"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/retry"
)

// POP3Options for RunPOP3. Conn and ArchiveDir are required.
type POP3Options struct {
	Conn       pop3.Config
	ArchiveDir string
	Progress   progress.Sink

	// SpoolBytes: a message larger than this is spooled to the archive's
	// tmp/ folder while it is read (default 4 MiB).
	SpoolBytes int64
	// MaxMessageBytes refuses a message larger than this, announced or
	// sent, as failed (default 2 GiB).
	MaxMessageBytes int64
	// BatchMessages: messages are committed in batches of this many (or
	// 64 MiB); a stopped run fetches its last batch again (default 500).
	BatchMessages int
	// Policy is how the run reconnects (Retries, Backoff) and its clock
	// (Sleep, Now); a zero Policy has retry's defaults.
	retry.Policy
}

func (o *POP3Options) applyDefaults() {
	if o.Progress == nil {
		o.Progress = progress.Discard
	}
	if o.SpoolBytes <= 0 {
		o.SpoolBytes = 4 << 20
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 2 << 30
	}
	o.Policy.ApplyDefaults()
	if o.Conn.Port == 0 {
		o.Conn.Port = pop3.DefaultPort(o.Conn.Security)
	}
	o.Conn.MaxMessageBytes = o.MaxMessageBytes + 1 // the Ingest says it is too large
	// A silent or trickling server is cut and reconnected, as the IMAP
	// backup does with half its default stall timeout.
	if o.Conn.IdleTimeout <= 0 {
		o.Conn.IdleTimeout = popStall
	}
	if o.Conn.TrickleWindow <= 0 {
		o.Conn.TrickleWindow = popStall
	}
}

// popStall is how long a POP3 server may be silent, or send less than
// 1 KiB, while Mailark waits, before the connection is cut and made again.
const popStall = 90 * time.Second

// POP3Folder is the one folder a POP3 mailbox has, within its source.
const POP3Folder = "INBOX"

// POP3Source is the archive's record of a POP3 mailbox: kind pop3,
// location "user@host:port", label "POP3 user@host", protocol pop3.
func POP3Source(c pop3.Config) archive.Source {
	if c.Port == 0 {
		c.Port = pop3.DefaultPort(c.Security)
	}
	s := archive.Source{Kind: archive.SourcePOP3, Location: archive.POP3Location(c.User, c.Host),
		Label: "POP3 " + c.User + "@" + c.Host, Server: c.Host, Protocol: "pop3"}
	if strings.Contains(c.User, "@") {
		s.Account = c.User
	}
	return s
}

// RunPOP3 backs up the POP3 mailbox opts.Conn names into opts.ArchiveDir,
// as the source POP3Source says, in its folder POP3Folder. Each message is
// known by its UIDL: a run fetches only the UIDLs not yet archived, so a
// second run fetches nothing and a stopped one resumes. Where the server
// gives no usable UIDL for a message (no UIDL command, an id listed twice),
// the message is known by its content: every run downloads it again to
// compare, and the Summary's Notes say so. The server is only read.
//
// A message the server will not deliver (deleted since the listing, larger
// than allowed) is a failure listed in the Summary; a dropped connection is
// reconnected with backoff. A cancelled run returns an error for which
// errors.Is(err, context.Canceled) holds; everything committed stays.
func RunPOP3(ctx context.Context, opts POP3Options) (Summary, error) {
	opts.applyDefaults()
	start := opts.Now()
	sum := Summary{ArchiveDir: opts.ArchiveDir}
	a, err := openArchive(ctx, opts.ArchiveDir, opts.Now)
	if err != nil {
		return sum, err
	}
	defer a.Close()
	src, err := a.EnsureSource(ctx, POP3Source(opts.Conn))
	if err != nil {
		return sum, err
	}
	f, err := a.SourceFolder(ctx, src, POP3Folder, "inbox")
	if err != nil {
		return sum, err
	}
	runID, err := a.BeginRun(ctx, RunKindPOP3)
	if err != nil {
		return sum, err
	}
	sum.RunID = runID
	in := NewIngest(a, runID, IngestOptions{SpoolBytes: opts.SpoolBytes, MaxMessageBytes: opts.MaxMessageBytes,
		BatchMessages: opts.BatchMessages, PreloadKeys: true})
	if err := in.Folder(ctx, f); err != nil {
		return sum, err
	}
	r := &popRunner{a: a, opts: &opts, in: in, f: f, sum: &sum, failed: map[string]bool{},
		throttle: progress.NewThrottle(opts.Progress, opts.Now),
		fs:       &FolderSummary{Name: f.Name, Role: "inbox"}}
	err = r.loop(ctx)
	if cerr := in.Commit(context.WithoutCancel(ctx)); cerr != nil && err == nil {
		err = cerr
	}
	sum.Elapsed = opts.Now().Sub(start)
	r.throttle.Status(r.event(), true)
	wctx := context.WithoutCancel(ctx)
	sum.New, sum.NewBytes = in.Added, in.Bytes
	r.fs.New, r.fs.NewBytes, r.fs.Failed = in.Added, in.Bytes, len(r.failed)
	if n, cerr := a.FolderMessageCount(wctx, f.ID); cerr == nil {
		r.fs.Archived = n
	} else if err == nil {
		err = cerr
	}
	sum.Folders = []FolderSummary{*r.fs}
	if fs, ferr := a.OpenFailures(wctx); ferr == nil {
		sum.Failures = fs
	} else if err == nil {
		err = ferr
	}
	if total, terr := a.CurrentMessageCount(wctx); terr == nil {
		sum.Total = total
	} else if err == nil {
		err = terr
	}
	res := archive.RunResult{Status: archive.RunOK, Messages: sum.New, Bytes: sum.NewBytes, Failed: int64(len(r.failed))}
	switch {
	case err != nil && ctx.Err() != nil:
		res.Status = archive.RunCancelled
		err = fmt.Errorf("backup stopped: %w", ctx.Err())
	case err != nil:
		res.Status, res.Error = archive.RunError, err.Error()
	case len(sum.Failures) > 0:
		res.Status = archive.RunFailures
	default:
		if ierr := a.SourceImported(wctx, src.ID); ierr != nil {
			err = ierr
		}
	}
	if ferr := a.FinishRun(runID, res); ferr != nil && err == nil {
		err = ferr
	}
	return sum, err
}

// RunKindPOP3 is the archive's run kind of a POP3 backup.
const RunKindPOP3 = archive.RunBackupPOP3

type popRunner struct {
	a        *archive.Archive
	opts     *POP3Options
	in       *Ingest
	f        *archive.Folder
	sum      *Summary
	fs       *FolderSummary
	throttle *progress.Throttle

	failed     map[string]bool // keys that failed in this run: not tried again in it
	connected  bool
	progressed bool
	noted      map[string]bool

	total, totalBytes, done, doneBytes int64
}

func (r *popRunner) event() progress.Event {
	return progress.Event{Step: "backup", Folder: r.f.Name, FolderDone: r.done, FolderTotal: r.total,
		Done: r.done, Total: r.total, Bytes: r.doneBytes, TotalBytes: r.totalBytes}
}

func (r *popRunner) note(s string) {
	if r.noted == nil {
		r.noted = map[string]bool{}
	}
	if !r.noted[s] {
		r.noted[s] = true
		r.sum.Notes = append(r.sum.Notes, s)
		r.throttle.Notice(r.event(), progress.NoticeData{Kind: progress.Info, Text: s})
	}
}

// loop runs sessions until the mailbox is done, reconnecting with backoff
// after a transient error (as the IMAP backup's runner.loop does).
func (r *popRunner) loop(ctx context.Context) error {
	attempt := 0
	for {
		r.progressed = false
		err := r.session(ctx)
		if err == nil || ctx.Err() != nil {
			return err
		}
		if !r.transient(err) {
			return err
		}
		if err := reconnect(ctx, r.opts.Policy, r.sum, r.throttle, r.event(), &attempt, r.progressed, r.connected, err); err != nil {
			return err
		}
	}
}

func (r *popRunner) transient(err error) bool {
	switch mailerr.KindOf(err) {
	case mailerr.ConnLost, mailerr.Timeout, mailerr.MessageFailed:
		// MessageFailed: a message too large cut the session; it is
		// recorded, the next session goes on without it.
		return true
	case mailerr.ConnRefused, mailerr.HostNotFound, mailerr.NotPOP3, mailerr.Unknown:
		return r.connected
	}
	return false
}

// wanted is one message a session fetches.
type wanted struct {
	num       int
	key       string // "" : known by content
	origin    string
	sizeBytes int64
}

func (r *popRunner) session(ctx context.Context) error {
	c, err := pop3.Dial(ctx, r.opts.Conn)
	if err != nil {
		return err
	}
	defer c.Close()
	r.connected = true
	mb, err := c.Mailbox(ctx)
	if err != nil {
		return err
	}
	count, list, ids := mb.Count, mb.List, mb.UIDs
	if mb.NoUIDL && count > 0 {
		r.note("The server does not support UIDL: messages are matched by their content, so every run downloads the whole mailbox again to find what is new.")
	}
	r.fs.ServerMessages = uint32(count)

	keys := pop3.UsableUIDLs(ids)
	if n := len(ids) - len(keys); n > 0 {
		r.note(fmt.Sprintf("%d message(s) on the server have a UIDL that is missing, repeated or unusable: they are matched by their content, so every run downloads them again.", n))
	}
	var todo []wanted
	r.total, r.totalBytes = r.done, r.doneBytes
	for _, l := range list {
		w := wanted{num: l.Num, key: keys[l.Num], sizeBytes: l.SizeBytes}
		if w.key != "" {
			w.origin = "UIDL " + w.key
			if r.failed[w.key] {
				continue
			}
			has, err := r.in.Has(ctx, w.key)
			if err != nil {
				return err
			}
			if has {
				continue
			}
		} else {
			w.origin = fmt.Sprintf("message %d", l.Num)
			if ids[l.Num] != "" {
				w.origin += " (UIDL " + ids[l.Num] + ")"
			}
			if r.failed["origin:"+w.origin] {
				continue
			}
		}
		todo = append(todo, w)
		r.total++
		r.totalBytes += l.SizeBytes
	}
	if len(list) < count {
		r.note(fmt.Sprintf("The server listed %d of its %d messages: the others could not be saved in this run.", len(list), count))
	}
	if len(ids) > 0 || count == 0 {
		// A failure whose UIDL the server no longer lists: the message
		// is gone from the server, nothing is left to fetch. (A message
		// known by content cannot be told apart: its failure stays.)
		onServer := make(map[string]bool, len(ids))
		for _, id := range ids {
			onServer[id] = true
		}
		if _, err := r.a.ResolveSourceGone(ctx, r.f.ID, func(key string) bool {
			return strings.HasPrefix(key, "origin:") || onServer[key]
		}); err != nil {
			return err
		}
	}
	r.throttle.Notice(r.event(), progress.NoticeData{Kind: progress.FolderStarted, Text: r.f.Name})
	r.throttle.Status(r.event(), true)

	if err := r.fetchAll(ctx, c, todo); err != nil {
		return c.Classify(ctx, "retr", err)
	}
	r.throttle.Notice(r.event(), progress.NoticeData{Kind: progress.FolderDone, Text: r.f.Name})
	return nil
}

func (r *popRunner) fail(ctx context.Context, w wanted, key, reason string) error {
	if err := r.in.Fail(ctx, key, reason); err != nil {
		return err
	}
	r.failed[key] = true
	r.afterFail(w, reason)
	return nil
}

func (r *popRunner) afterFail(w wanted, reason string) {
	r.progressed = true
	r.total--
	r.totalBytes -= w.sizeBytes
	r.throttle.Notice(r.event(), progress.NoticeData{Kind: progress.MessageFailed, Text: reason})
}

type byteCounter struct {
	r io.Reader
	n *int64
}

func (c byteCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}
