package backup

import (
	"context"
	"errors"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/progress"
)

// A provider's daily download budget (Gmail: 2,500 MB a day over IMAP) is
// taken from before a session fetches: the plan keeps, folder by folder in
// plan order, the messages whose sizes fit in what today's budget still
// allows, and defers the rest. A folder with deferred messages is not
// complete (its UIDNEXT is not recorded as archived), so the next session —
// this run's after the budget renewed (WaitForBudget), or the next run's —
// plans exactly those. What a session took and did not receive (it was cut)
// is given back. The count lives in the ledger (the archive's, shared by
// every run on it; a desk's, shared by its workers).

// errBudgetUsed ends a session that fetched all the budget allowed while
// messages were deferred.
var errBudgetUsed = errors.New("the daily download budget is used up")

// fitBudget cuts the plans to what today's budget allows, and returns how
// many messages and bytes it deferred and how many bytes it took.
func (r *runner) fitBudget(ctx context.Context, plans []*folderPlan) (n, bytes, taken int64, err error) {
	if r.meter == nil {
		return 0, 0, 0, nil
	}
	if left, err := r.meter.Left(ctx); err == nil {
		r.budgetInfo = r.meter.Budget(ctx)
		r.budgetInfo.LeftToday = left
		r.budgetFrom = r.doneBytes
	}
	full := false
	for _, fp := range plans {
		kept := make([]imap.UID, 0, len(fp.missing))
		for _, uid := range fp.missing {
			size := fp.sizes[uid]
			if !full {
				ok, err := r.meter.Take(ctx, size)
				if err != nil {
					return n, bytes, taken, err
				}
				full = !ok
				if ok {
					kept = append(kept, uid)
					taken += size
					continue
				}
			}
			n++
			bytes += size
			fp.deferred++
			fp.bytes -= size
		}
		fp.missing = kept
	}
	return n, bytes, taken, nil
}

// budgetEvent adds the budget to a progress event: what is left today
// shrinks by what this session received since it took its share.
func (r *runner) budgetEvent(e *progress.Event) {
	if r.budgetInfo == nil {
		return
	}
	b := *r.budgetInfo
	b.LeftToday = max(b.LeftToday-(r.doneBytes-r.budgetFrom), 0)
	e.Budget = &b
}

// budgetUsed handles a session that ended with messages deferred: it waits
// until the budget renews (WaitForBudget), returning nil to go on, or
// returns the *limits.ExhaustedError that stops the run.
func (r *runner) budgetUsed(ctx context.Context) error {
	n, bytes := r.defN, r.defBytes
	ex := r.meter.Exhausted(ctx, n, bytes)
	r.sum.Deferred, r.sum.DeferredBytes = n, bytes
	if !r.opts.WaitForBudget {
		return ex
	}
	wait := ex.Renews.Sub(r.opts.Now())
	r.throttle.Notice(r.event(), progress.NoticeData{Kind: progress.Waiting, Err: ex,
		Text: ex.Waiting("en", time.Local)})
	if err := r.opts.Sleep(ctx, max(wait, time.Second)); err != nil {
		return err
	}
	r.sum.Deferred, r.sum.DeferredBytes = 0, 0
	r.moved() // waiting for the budget is not a stall
	return nil
}

// throttled is the server asking to slow down in err, or in the last BYE
// of the connection that failed.
func (r *runner) throttled(err error, bye string) *limits.ThrottleError {
	return r.lim.AsThrottle(err, bye)
}

// throttleWait waits what a throttling server suggested (or the backoff,
// when it named no time), bounded by ThrottleRetries waits in a row with
// nothing saved between them.
func (r *runner) throttleWait(ctx context.Context, te *limits.ThrottleError, inARow int) error {
	wait, err := te.Next(inARow, r.opts.ThrottleRetries, r.opts.Backoff)
	if err != nil {
		return err
	}
	r.sum.Throttled++
	r.throttle.Notice(r.event(), progress.NoticeData{Kind: progress.Retrying, Err: te, Text: te.Notice(wait)})
	if err := r.opts.Sleep(ctx, wait); err != nil {
		return err
	}
	r.moved() // a wait the server asked for is not a stall
	return nil
}
