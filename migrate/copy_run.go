package migrate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/progress"
)

// copyRun is one Copy (or CheckDestination) call: the archive, the copy log
// and the counters, shared by the sending goroutine and the one reading the
// answers (mu guards the counters, the folder results and the batch).
type copyRun struct {
	opts  *CopyOptions
	a     *archive.Archive
	log   *copyLog
	sum   *CopySummary
	thr   *progress.Throttle
	stats []archive.FolderStats

	plan    []MappingEntry
	visited []bool // folder counted (Already) in an earlier attempt
	done    []bool // folder finished

	mu       sync.Mutex
	doneMsgs int64 // messages settled, Already included
	doneByte int64
	recs     []copyRecord
	fails    []CopyRefusal
	refused  map[[2]int64]bool // folder id, UID: refused in this run
	// uncertain: folder id, UID → when its APPEND's connection broke
	// before the answer came (copy_uncertain.go).
	uncertain map[[2]int64]time.Time
	began     bool // the first folder with messages to copy was looked at
	fewer     bool // the server refused an extra connection

	lim   limits.Limits
	meter *limits.Meter // the daily upload budget; nil: none
	// budgetInfo is the budget when the folder's appends began, and
	// budgetFrom the bytes copied then (copy_budget.go).
	budgetInfo *progress.Budget
	budgetFrom int64

	connCtx   context.Context // the connections' lifetime (see attempt)
	lanes     int             // connections wanted
	appending atomic.Bool     // APPENDs may be in flight
}

func newCopyRun(ctx context.Context, a *archive.Archive, opts *CopyOptions, sum *CopySummary) (*copyRun, error) {
	if err := notTheOldAccount(ctx, a, opts.Conn); err != nil {
		return nil, err
	}
	log, err := openCopyLog(ctx, a, opts.Conn.Host, opts.Conn.User, opts.Now)
	if err != nil {
		return nil, err
	}
	stats, err := a.Stats(ctx)
	if err != nil {
		return nil, err
	}
	r := &copyRun{opts: opts, a: a, log: log, sum: sum, thr: progress.NewThrottle(opts.Progress, opts.Now), stats: stats,
		lim: opts.Limits.For(opts.Conn.Host)}
	ledger := opts.Ledger
	if ledger == nil {
		ledger = a
	}
	r.meter = limits.NewMeter(ledger, r.lim, limits.Upload, opts.Conn.User, opts.Now)
	for _, s := range stats {
		if s.Folder.Current || opts.OldGenerations {
			sum.Messages += s.Messages
			sum.Bytes += s.Bytes
		}
	}
	return r, nil
}

// notTheOldAccount refuses to copy an archive into the account it came
// from: every message would be there twice.
func notTheOldAccount(ctx context.Context, a *archive.Archive, cfg imapconn.Config) error {
	acct, err := a.Account(ctx)
	if err != nil {
		return err
	}
	if strings.EqualFold(acct.Host, cfg.Host) && strings.EqualFold(acct.User, cfg.User) {
		return mailerr.New(mailerr.BadInput, "copy", cfg.Host,
			fmt.Errorf("%s on %s is the account this archive was made from: give the new account's server and user", cfg.User, cfg.Host))
	}
	return nil
}

// copyStopGrace is how long APPENDs already sent may take to be answered
// after the run is cancelled.
const copyStopGrace = 5 * time.Second

// attempt connects once and copies every folder not yet done.
//
// The connections do not close the moment ctx is cancelled, as elsewhere in
// Mailark: while APPENDs are in flight they stay up for copyStopGrace, so
// that the answers arrive and are recorded. Otherwise the server would store
// messages nobody recorded, possibly after a run started right away had
// looked for them, and that run would copy them again.
func (r *copyRun) attempt(ctx context.Context) (err error) {
	connCtx, cut := context.WithCancel(context.WithoutCancel(ctx))
	defer cut()
	stopCutting := context.AfterFunc(ctx, func() {
		if r.appending.Load() {
			time.AfterFunc(copyStopGrace, cut)
		} else {
			cut()
		}
	})
	defer stopCutting()
	r.connCtx = connCtx
	c, err := imapconn.Dial(connCtx, r.opts.Conn)
	if err != nil {
		return r.limited(imapconn.Classify(ctx, "connect", r.opts.Conn.Host, err), nil)
	}
	conns := []*imapconn.Conn{c}
	defer func() {
		err = r.limited(err, conns)
		for _, x := range conns {
			x.Close()
		}
	}()
	d, err := listDest(ctx, c)
	if err != nil {
		return err
	}
	plan, err := planMapping(r.stats, d, r.opts.Map, r.opts.OldGenerations)
	if err != nil {
		return err
	}
	if r.plan == nil {
		r.plan, r.visited, r.done = plan, make([]bool, len(plan)), make([]bool, len(plan))
		for _, e := range plan {
			r.sum.Folders = append(r.sum.Folders, CopyFolder{MappingEntry: e})
		}
	}
	for i := range r.plan {
		if r.done[i] {
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := r.copyFolder(ctx, &conns, d, i); err != nil {
			return err
		}
		r.done[i] = true
	}
	r.status("", true)
	return nil
}

// copyFolder copies what is not yet recorded of one folder generation.
func (r *copyRun) copyFolder(ctx context.Context, conns *[]*imapconn.Conn, d destInfo, i int) error {
	c := (*conns)[0]
	e := &r.plan[i]
	fr := &r.sum.Folders[i]
	v, err := ensureDest(ctx, c, d, e.Dest)
	if err != nil {
		return err
	}
	n, size, err := r.log.countPending(ctx, e.FolderID, e.Dest, v)
	if err != nil {
		return err
	}
	if !r.visited[i] {
		r.visited[i] = true
		r.mu.Lock()
		fr.Already = e.Messages - n
		r.sum.Already += fr.Already
		r.doneMsgs += fr.Already
		r.doneByte += e.Bytes - size
		r.mu.Unlock()
	}
	if n == 0 {
		return nil
	}
	r.thr.Notice(r.event(e.Folder), progress.NoticeData{Kind: progress.FolderStarted,
		Text: fmt.Sprintf("%s → %s: %d message(s) to copy", e.Folder, e.Dest, n)})
	if !r.began {
		r.began = true
		if err := awaitResumed(ctx, c, e.Dest, r.sum.Already); err != nil {
			return err
		}
	}
	idx, v, err := r.unaccounted(ctx, c, e.Dest, v)
	if err != nil {
		return err
	}
	r.moreLanes(ctx, conns)
	if err := r.appendAll(ctx, *conns, i, v, idx); err != nil {
		return err
	}
	if err := r.flush(ctx); err != nil {
		return err
	}
	r.thr.Notice(r.event(e.Folder), progress.NoticeData{Kind: progress.FolderDone,
		Text: fmt.Sprintf("%s → %s: %d copied, %d found already there", e.Folder, e.Dest, fr.Copied, fr.Found)})
	return nil
}

// limited makes an attempt's error errConnLimit when the server refused a
// connection, or cut one of conns, for its connection limit (a NO [LIMIT],
// or a BYE that says so), whatever was under way, and the run can go on
// with fewer. It lowers once per attempt, however many commands the cut
// failed.
func (r *copyRun) limited(err error, conns []*imapconn.Conn) error {
	if err == nil || errors.Is(err, errConnLimit) {
		return err
	}
	limit := imapconn.IsLimit(err)
	for _, c := range conns {
		limit = limit || imapconn.LimitWords(c.ByeText())
	}
	if limit && r.lower() {
		return fmt.Errorf("%w: %w", errConnLimit, err)
	}
	return err
}

// Connections chosen when CopyOptions.Connections is 0.
const (
	nearServer = 5 * time.Millisecond // a NOOP answered faster: one connection
	farLanes   = 4
)

// lanesFor is how many connections to append over when the server answered
// a NOOP in rtt (or failed to: one).
func lanesFor(rtt time.Duration, err error) int {
	if err == nil && rtt >= nearServer {
		return farLanes
	}
	return 1
}

// noopRoundTrip measures one NOOP on c: a measurement, not the run's clock.
func noopRoundTrip(c *imapconn.Conn) (time.Duration, error) {
	start := time.Now()
	err := c.Noop().Wait()
	return time.Since(start), err
}

// moreLanes opens the extra connections, once per attempt. A server that
// refuses more connections leaves the run with fewer.
func (r *copyRun) moreLanes(ctx context.Context, conns *[]*imapconn.Conn) {
	if r.lanes == 0 {
		r.lanes = r.opts.Connections
		if r.lanes <= 0 {
			roundTrip := r.opts.roundTrip
			if roundTrip == nil {
				roundTrip = noopRoundTrip
			}
			rtt, err := roundTrip((*conns)[0])
			r.lanes = lanesFor(rtt, err)
		}
		r.lanes = r.lim.Connections(r.lanes)
	}
	for len(*conns) < r.lanes && !r.fewer {
		c, err := imapconn.Dial(r.connCtx, r.opts.Conn)
		if err != nil {
			r.fewer = true
			r.thr.Notice(r.event(""), progress.NoticeData{Kind: progress.Info, Err: err,
				Text: fmt.Sprintf("copying over %d connection(s): another was refused: %v", len(*conns), err)})
			return
		}
		*conns = append(*conns, c)
	}
	r.sum.Connections = max(r.sum.Connections, len(*conns))
}

// unaccounted selects the destination folder and, when it holds messages no
// record accounts for, indexes them so that they are not appended again. It
// returns the folder's UIDVALIDITY as SELECT gives it.
func (r *copyRun) unaccounted(ctx context.Context, c *imapconn.Conn, dest string, v uint32) (*destIndex, uint32, error) {
	all, sv, err := destFolderUIDs(ctx, c, dest)
	if err != nil || len(all) == 0 {
		return nil, sv, err
	}
	if sv != v {
		return nil, sv, nil // recreated since STATUS: no record can be for it
	}
	known, err := r.log.destUIDs(ctx, dest, v)
	if err != nil {
		return nil, v, err
	}
	rest := subtractUIDs(all, known)
	if len(rest) == 0 {
		return nil, v, nil
	}
	idx, err := buildIndex(ctx, c, rest)
	return idx, v, err
}

// settled is the number of messages whose outcome is known, for progress
// and for telling a retry that got somewhere from one that did not.
func (r *copyRun) settled() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.doneMsgs
}

// refusals is the number of messages refused so far in this run.
func (r *copyRun) refusals() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sum.Refused)
}

func (r *copyRun) event(folder string) progress.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := progress.Event{Step: "copy", Folder: folder, Done: r.doneMsgs, Total: r.sum.Messages,
		Bytes: r.doneByte, TotalBytes: r.sum.Bytes}
	if r.budgetInfo != nil {
		b := *r.budgetInfo
		b.LeftToday = max(b.LeftToday-(r.sum.CopiedBytes-r.budgetFrom), 0)
		e.Budget = &b
	}
	return e
}

func (r *copyRun) status(folder string, force bool) { r.thr.Status(r.event(folder), force) }

// flush commits the batch of records and refusals. It runs even when ctx is
// cancelled: what the server took must be recorded.
func (r *copyRun) flush(ctx context.Context) error {
	r.mu.Lock()
	recs, fails := r.recs, r.fails
	r.recs, r.fails = nil, nil
	r.mu.Unlock()
	return r.log.save(context.WithoutCancel(ctx), recs, fails)
}

// finish commits what is left and counts what is not in the new account.
func (r *copyRun) finish(ctx context.Context) {
	_ = r.flush(ctx)
	ctx = context.WithoutCancel(ctx)
	r.sum.Left, r.sum.LeftBytes = 0, 0
	for _, s := range r.stats {
		if !s.Folder.Current && !r.opts.OldGenerations {
			continue
		}
		n, b, err := r.log.countUnrecorded(ctx, s.Folder.ID)
		if err != nil {
			n, b = s.Messages, s.Bytes
		}
		r.sum.Left += n
		r.sum.LeftBytes += b
	}
	r.status("", true)
}
