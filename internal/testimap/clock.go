package testimap

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Clock is an injected clock for the engines' Now and Sleep options: Sleep
// moves it by the wait and records the wait, so a test sees every backoff
// and a day's wait without waiting.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

// NewClock starts a Clock at 10:00 UTC on a fixed day.
func NewClock() *Clock { return &Clock{now: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)} }

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep records d and moves the clock by it.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

// Add moves the clock by d (the next day of a test) without a sleep.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Sleeps are the waits asked for so far.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// SleptAtLeast says whether one of the waits asked for so far was d or
// longer (a wait for a daily budget to renew is hours long).
func (c *Clock) SleptAtLeast(d time.Duration) bool {
	return slices.ContainsFunc(c.Sleeps(), func(w time.Duration) bool { return w >= d })
}
