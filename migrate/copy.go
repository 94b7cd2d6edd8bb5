// Package prose for migrate/doc.go (not a package comment here: doc.go has
// it; the lead merges this section there).
//
// # Copying to the new account
//
// Copy puts the archive, not the old server, into the new account over IMAP:
// the archive is the verified source, and the old account may be gone.
//
// Folders are mapped before anything is copied (CopyMapping shows the plan):
// INBOX goes to INBOX; a folder with a special use (sent, drafts, trash,
// junk, archive) goes to the destination's folder of that use, whatever its
// name, so the old "Sent Messages" fills the new "\Sent"; every other folder
// keeps its name, split at the old server's hierarchy delimiter and joined
// with the new one's (LIST "" ""), its parts sent as modified UTF-7 by
// go-imap; a folder under a moved folder moves along. The user can override
// any of it (MappingOverride). When every old folder sat under "INBOX." (a
// Courier or Cyrus server), that prefix is left out; when the new server's
// personal namespace has a prefix, it is added. Only current folder
// generations are copied by default: an older generation (the old server
// changed UIDVALIDITY) usually holds the same mail again, so it goes only
// when asked, beside the current one as "NAME (uidvalidity N)".
//
// Each message is appended with its exact bytes, streamed from SQLite a chunk
// at a time, its flags (without \Recent) and its internal date. APPENDs are
// pipelined, up to CopyOptions.InFlight before the first answer is read, on
// CopyOptions.Connections connections at once (go-imap v2 has no
// MULTIAPPEND, and sends large literals synchronously; see copy_append.go).
// Each answer is recorded in the archive's copies table, with the new UID
// when the server has UIDPLUS (APPENDUID), in batches.
//
// A rerun copies only what has no record for the destination folder and its
// current UIDVALIDITY, so it adds nothing. A record can be missing for a
// message that did arrive: the run stopped between the server's OK and the
// record's commit, or the connection dropped with APPENDs in flight. So
// before appending into a folder that holds messages no record accounts for,
// Mailark reads those messages' Message-ID and internal date (one UID FETCH)
// and, for an archived message with the same Message-ID (or, without one,
// the same internal date), fetches the candidate with BODY.PEEK[] and
// compares its SHA-256 with the archive's (also after turning bare LF into
// CRLF, as servers do). A match is recorded as found, not appended again.
//
// A dropped connection is retried with backoff and the run goes on from the
// records; the wait also lets the server finish (or drop) the APPENDs it had
// read from the broken connection before the next attempt looks for them.
// A cancelled run stops sending at once but waits (up to 5 s) for the
// answers to the APPENDs already sent, and records them.
//
// A message the server refuses (too large, a NO) is listed with the server's
// words, recorded in copy_failures, and the rest goes on; a full account
// ([OVERQUOTA]) stops the run cleanly, with the number and size of the
// messages left. CheckDestination checks that every archived message is in
// the new account. Announce (announce.go) drafts the message that tells the
// contacts.

package migrate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/progress"
)

// CopyOptions configure Copy, CopyMapping and CheckDestination. The zero
// value of every field but ArchiveDir and Conn works.
type CopyOptions struct {
	ArchiveDir string
	Conn       imapconn.Config // the new account
	Progress   progress.Sink

	// Map overrides where folders go.
	Map []MappingOverride
	// OldGenerations also copies older folder generations.
	OldGenerations bool
	// Deep makes CheckDestination fetch every message and compare its bytes.
	Deep bool

	// Connections is how many connections append at once. 0 chooses: one
	// when the server answers within 5 ms (this machine, the LAN), else 4;
	// fewer when the server refuses more (see copy_append.go).
	Connections int
	// InFlight is how many APPENDs may await their answer on each
	// connection (default 16).
	InFlight int
	// RecordBatch is how many copy records are committed at once (default
	// 256). A crash loses at most this many, which the next run finds.
	RecordBatch int

	// Retries is how many reconnects in a row without progress are tried
	// before the run gives up (default 8).
	Retries int
	// Backoff gives the wait before reconnect attempt n (1-based); default
	// 1 s doubling to 30 s.
	Backoff func(attempt int) time.Duration
	// Sleep waits for d or until ctx is done; tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock.
	Now func() time.Time
}

func (o *CopyOptions) applyDefaults() {
	if o.Progress == nil {
		o.Progress = progress.Discard
	}
	if o.InFlight <= 0 {
		o.InFlight = 16
	}
	if o.RecordBatch <= 0 {
		o.RecordBatch = 256
	}
	if o.Retries <= 0 {
		o.Retries = 8
	}
	if o.Backoff == nil {
		o.Backoff = func(n int) time.Duration { return min(time.Second<<min(n-1, 5), 30*time.Second) }
	}
	if o.Sleep == nil {
		o.Sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// ErrCopyQuota is in the chain of Copy's error when the new account is full.
var ErrCopyQuota = errors.New("the new account is full")

// CopySummary is the result of Copy.
type CopySummary struct {
	Host, User  string
	Folders     []CopyFolder
	Messages    int64 // archived messages to be in the new account
	Bytes       int64
	Already     int64 // recorded as copied by an earlier run
	Copied      int64 // appended by this run
	CopiedBytes int64
	Found       int64 // already in the new account without a record (found by Message-ID and hash)
	Refused     []CopyRefusal
	// Left counts the messages not in the new account when the run ended
	// (refused ones included); 0 when everything is there.
	Left, LeftBytes int64
	// Quota is the server's words when the new account is full; QuotaUsed
	// and QuotaLimit are in bytes when the server has QUOTA (0: unknown).
	Quota                 string
	QuotaUsed, QuotaLimit int64
	Connections           int // the most used at once
	Retries               int
	Elapsed               time.Duration
}

// OK reports whether every message is in the new account.
func (s CopySummary) OK() bool { return s.Left == 0 && len(s.Refused) == 0 && s.Quota == "" }

// CopyFolder is what happened to one folder generation.
type CopyFolder struct {
	MappingEntry
	Already, Copied, Found, Refused int64
}

// CopyRefusal is a message the new server would not take.
type CopyRefusal struct {
	Folder   string
	UID      uint32
	Size     int64
	Dest     string
	Reason   string // the server's words
	folderID int64
}

// Copy copies the archive into the new account. A cancelled run returns its
// summary so far and an error matching context.Canceled; running again
// continues.
func Copy(ctx context.Context, opts CopyOptions) (CopySummary, error) {
	opts.applyDefaults()
	start := opts.Now()
	sum := CopySummary{Host: opts.Conn.Host, User: opts.Conn.User}
	a, err := archive.Open(ctx, opts.ArchiveDir, archive.Options{Now: opts.Now})
	if err != nil {
		return sum, err
	}
	defer a.Close()
	r, err := newCopyRun(ctx, a, &opts, &sum, false)
	if err != nil {
		return sum, err
	}
	err = r.run(ctx)
	r.finish(ctx)
	if sum.Quota != "" && ctx.Err() == nil {
		// The refusal cost the connection (see wasRefused): ask on a new one.
		if c, err := imapconn.Dial(ctx, opts.Conn); err == nil {
			sum.QuotaUsed, sum.QuotaLimit = quotaUsage(c)
			c.Close()
		}
	}
	sum.Elapsed = opts.Now().Sub(start)
	return sum, err
}

// run connects, copies, and reconnects after a dropped connection as long
// as the attempts make progress.
func (r *copyRun) run(ctx context.Context) error {
	fails := 0
	for {
		before, refusedBefore := r.settled(), r.refusals()
		err := r.attempt(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("copy to %s: %w", r.opts.Conn.Host, ctx.Err())
		}
		if mailerr.KindOf(err).Class() != mailerr.Transient {
			return err
		}
		r.sum.Retries++
		if r.refusals() > refusedBefore {
			continue // the server dropped the connection after a refusal
		}
		if r.settled() > before {
			fails = 0
		}
		fails++
		if fails > r.opts.Retries {
			return err
		}
		wait := r.opts.Backoff(fails)
		r.thr.Notice(r.event(""), progress.NoticeData{Kind: progress.Retrying, Err: err,
			Text: fmt.Sprintf("%v; reconnecting in %v (attempt %d of %d)", err, wait, fails, r.opts.Retries)})
		if err := r.opts.Sleep(ctx, wait); err != nil {
			return fmt.Errorf("copy to %s: %w", r.opts.Conn.Host, err)
		}
	}
}
