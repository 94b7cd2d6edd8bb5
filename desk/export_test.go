package desk

import (
	"context"
	"time"
)

// SetProgress writes an account's progress columns as a worker's
// progress writer does, for the board's tests.
func (d *Desk) SetProgress(ctx context.Context, customer, step string, done, total int64) error {
	return d.update(ctx, customer, map[string]any{"state": StateWorking, "step": step, "done_bytes": done, "total_bytes": total,
		"done_msgs": done / 1000, "total_msgs": total / 1000, "rate": 512000.0, "eta_seconds": (total - done) / 512000, "worker": "pc-2"})
}

// WaitChange waits a little for workers to write (the tests poll the queue
// as the board does).
func (d *Desk) WaitChange(ctx context.Context) {
	t := time.NewTimer(50 * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// ClaimAccount exposes the account claim to the tests.
func (d *Desk) ClaimAccount(ctx context.Context, customer, holder string, ttl time.Duration) (bool, error) {
	return d.claimAccount(ctx, customer, holder, ttl)
}

// ClaimHost exposes the per-host connection slots to the tests.
func (d *Desk) ClaimHost(ctx context.Context, host, holder string, ttl time.Duration) (bool, error) {
	return d.claimHost(ctx, host, holder, ttl)
}

// StallLink makes worker id's link to the queue stall (see stalledLinks);
// the worker goes on with its steps.
func StallLink(id string) { stalledLinks.Store(id, true) }
