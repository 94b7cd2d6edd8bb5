package migrate

import (
	"context"
	"errors"
	"time"

	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/progress"
)

// The new provider's daily upload budget (Gmail: 500 MB a day by APPEND)
// is taken from before each message is handed to a connection; what was
// taken and not appended goes back. When it is used up the attempt stops
// as after a cut (every answer received is recorded, nothing is sent
// twice: the copy log says what is there), and the run either waits for
// the budget to renew (WaitForBudget) or ends with a *limits.ExhaustedError.

// errUploadBudget stops an attempt whose day's upload budget is used up.
var errUploadBudget = errors.New("the daily upload budget is used up")

// errConnLimit stops an attempt whose connection the server cut for its
// connection limit; the run goes on at once with one connection fewer.
var errConnLimit = errors.New("the server limits connections")

// lower takes one connection off the run when it has more than one, and
// reports whether it did.
func (r *copyRun) lower() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lanes <= 1 {
		return false
	}
	r.lanes--
	r.fewer = true
	return true
}

func (r *copyRun) copiedBytes() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sum.CopiedBytes
}

// budgetStart notes the budget as a folder's appends begin, for the ETA.
func (r *copyRun) budgetStart(ctx context.Context) {
	b := r.meter.Budget(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.budgetInfo, r.budgetFrom = b, r.sum.CopiedBytes
}

// budgetUsed waits for the budget to renew (WaitForBudget) and returns
// nil, or returns the error that ends the run.
func (r *copyRun) budgetUsed(ctx context.Context) error {
	var n, bytes int64
	for _, s := range r.stats {
		if !s.Folder.Current && !r.opts.OldGenerations {
			continue
		}
		c, b, err := r.log.countUnrecorded(ctx, s.Folder.ID)
		if err != nil {
			return err
		}
		n += c
		bytes += b
	}
	ex := r.meter.Exhausted(ctx, n, bytes)
	if !r.opts.WaitForBudget {
		return ex
	}
	r.thr.Notice(r.event(""), progress.NoticeData{Kind: progress.Waiting, Err: ex, Text: ex.Waiting("en", time.Local)})
	return r.opts.Sleep(ctx, max(ex.Renews.Sub(r.opts.Now()), time.Second))
}

// throttleWait waits what a throttling server suggested (or the backoff),
// bounded by ThrottleRetries waits in a row with nothing copied between.
func (r *copyRun) throttleWait(ctx context.Context, te *limits.ThrottleError, inARow int) error {
	wait, err := te.Next(inARow, r.opts.ThrottleRetries, r.opts.Backoff)
	if err != nil {
		return err
	}
	r.sum.Throttled++
	r.thr.Notice(r.event(""), progress.NoticeData{Kind: progress.Retrying, Err: te, Text: te.Notice(wait)})
	return r.opts.Sleep(ctx, wait)
}
