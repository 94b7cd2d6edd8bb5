// Package retry is the reconnect policy shared by the engines: how many
// reconnects in a row, how long to wait before attempt n, and a wait that
// ends early when the context does. The engines' Options embed Policy,
// which defaults to these; tests replace them.
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

// Policy is how a job reconnects, embedded in the engines' Options. Its
// zero value works: ApplyDefaults fills in what is left zero.
type Policy struct {
	// Retries is how many reconnects in a row without progress are tried
	// before the job gives up (default 8).
	Retries int
	// Backoff gives the wait before reconnect attempt n (1-based); default
	// Backoff: 1 s doubling to 30 s.
	Backoff func(attempt int) time.Duration
	// Sleep waits for d or until ctx is done (default Sleep); tests
	// replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock the job's times and waits are read on (default
	// time.Now); tests replace it with Sleep.
	Now func() time.Time
}

// ApplyDefaults fills in the fields p leaves zero.
func (p *Policy) ApplyDefaults() {
	if p.Retries <= 0 {
		p.Retries = 8
	}
	if p.Backoff == nil {
		p.Backoff = Backoff
	}
	if p.Sleep == nil {
		p.Sleep = Sleep
	}
	if p.Now == nil {
		p.Now = time.Now
	}
}
