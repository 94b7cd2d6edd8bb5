// Package retry is the reconnect policy shared by the engines: how long to
// wait before attempt n, and a wait that ends early when the context does.
// Options structs default to these, and tests replace them.
package retry

import (
	"context"
	"time"
)

// Backoff is the wait before reconnect attempt n (1-based): 1 s, doubling,
// at most 30 s.
func Backoff(n int) time.Duration {
	return min(time.Second<<min(max(n, 1)-1, 5), 30*time.Second)
}

// Sleep waits for d, or until ctx is done, and then returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
