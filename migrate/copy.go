package migrate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/retry"
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
	// FromIncompleteBackup lets Copy go on from an archive that is not a
	// verified, complete copy of the old account (see gate.Coverage); by
	// default Copy refuses with ErrIncompleteSource.
	FromIncompleteBackup bool

	// Connections is how many connections append at once. 0 chooses: one
	// when the server answers within 5 ms (this machine, the LAN), else 4;
	// never more than the host's cap (Limits), and fewer when the server
	// refuses more or cuts one for its limit (see copy_append.go).
	Connections int
	// Limits is the providers' limits: the new host's connection cap,
	// daily upload budget (Gmail: 500 MB) and throttling answers. Nil:
	// limits.Default().
	Limits *limits.Table
	// Ledger keeps the daily upload budget's count, shared by separate
	// runs. Nil: the archive's (a desk passes its queue's).
	Ledger limits.Ledger
	// WaitForBudget: when the new host's daily upload budget is used up,
	// wait until it renews and go on, rather than stop with a
	// *limits.ExhaustedError.
	WaitForBudget bool
	// ThrottleRetries bounds the waits in a row a throttling server asks
	// for with nothing copied between them (default 20).
	ThrottleRetries int
	// InFlight is how many APPENDs may await their answer on each
	// connection (default 16).
	InFlight int
	// RecordBatch is how many copy records are committed at once (default
	// 256). A crash loses at most this many, which the next run finds.
	RecordBatch int

	// roundTrip measures the server's answer time that chooses the number
	// of connections when Connections is 0 (default: one NOOP). Tests set
	// it (export_test.go) so that each path is chosen by the test.
	roundTrip func(*imapconn.Conn) (time.Duration, error)

	// Policy is how the copy reconnects (Retries, Backoff) and its clock
	// (Sleep, Now); a zero Policy has retry's defaults.
	retry.Policy
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
	if o.Limits == nil {
		o.Limits = limits.Default()
	}
	if o.ThrottleRetries <= 0 {
		o.ThrottleRetries = 20
	}
	o.Policy.ApplyDefaults()
}

// ErrCopyQuota is in the chain of Copy's error when the new account is full.
var ErrCopyQuota = errors.New("the new account is full")

// CopySummary is the result of Copy.
type CopySummary struct {
	Host, User string
	// Source is how much of the old account the archive holds: a copy of
	// all of it is not all of the old account unless Source.Complete.
	Source      gate.Coverage
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
	// Throttled counts the waits the server asked for ("slow down").
	Throttled int `json:",omitempty"`
	Elapsed   time.Duration
}

// OK reports whether every archived message is in the new account.
func (s CopySummary) OK() bool { return s.Left == 0 && len(s.Refused) == 0 && s.Quota == "" }

// Whole reports whether the old account is all in the new one: every
// archived message is there and the archive is the whole old account
// (Source.Complete). Only then may a front-end call the move done.
func (s CopySummary) Whole() bool { return s.OK() && s.Source.Complete }

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
	a, err := archive.Open(ctx, opts.ArchiveDir, archive.Options{Existing: true, Now: opts.Now})
	if err != nil {
		return sum, err
	}
	defer a.Close()
	if err := notTheOldAccount(ctx, a, opts.Conn); err != nil {
		return sum, err
	}
	if sum.Source, err = source(ctx, a, &opts); err != nil {
		return sum, err
	}
	r, err := newCopyRun(ctx, a, &opts, &sum)
	if err != nil {
		return sum, err
	}
	err = r.run(ctx)
	if merr := r.meter.Close(context.WithoutCancel(ctx)); merr != nil && err == nil {
		err = merr
	}
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
	fails, throttles := 0, 0
	for {
		before, refusedBefore := r.settled(), r.refusals()
		err := r.attempt(ctx)
		if err == nil {
			return nil
		}
		// Record what the server took before the next attempt looks for
		// unrecorded messages: it would find them and count them twice.
		if ferr := r.flush(ctx); ferr != nil {
			return ferr
		}
		if ctx.Err() != nil {
			return fmt.Errorf("copy to %s: %w", r.opts.Conn.Host, ctx.Err())
		}
		if r.settled() > before {
			throttles = 0
		}
		if errors.Is(err, errUploadBudget) {
			if err := r.budgetUsed(ctx); err != nil {
				return err
			}
			fails = 0
			continue
		}
		if te := r.lim.AsThrottle(err); te != nil {
			// Not a failure: the server asked to slow down.
			throttles++
			if err := r.throttleWait(ctx, te, throttles); err != nil {
				return err
			}
			continue
		}
		if errors.Is(err, errConnLimit) {
			// Again with one connection fewer, after the first backoff.
			// (An APPEND whose answer the cut lost is found or sent last:
			// copy_uncertain.go.)
			r.sum.Retries++
			r.thr.Notice(r.event(""), progress.NoticeData{Kind: progress.Info, Err: err,
				Text: fmt.Sprintf("the server limits connections (%v): going on with %d", err, r.lanes)})
			if err := r.opts.Sleep(ctx, r.opts.Backoff(1)); err != nil {
				return fmt.Errorf("copy to %s: %w", r.opts.Conn.Host, err)
			}
			continue
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
