package progress_test

import (
	"testing"
	"time"

	"github.com/mailark/mailark/internal/progress"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestThrottlePassesAtMostOncePerInterval(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	var got []progress.Event
	th := progress.NewThrottle(func(e progress.Event) { got = append(got, e) }, c.now)
	for i := 0; i < 10; i++ {
		th.Status(progress.Event{Done: int64(i), Bytes: int64(i) * 1000, TotalBytes: 100000}, false)
		c.t = c.t.Add(50 * time.Millisecond)
	}
	// 10 offers over 500 ms: the first, then one at 200 ms and one at 400 ms.
	if len(got) != 3 {
		t.Fatalf("Status passed %d events, want 3", len(got))
	}
	th.Status(progress.Event{Done: 10}, true)
	if len(got) != 4 || got[3].Done != 10 {
		t.Fatalf("forced Status not passed: %+v", got)
	}
	th.Notice(progress.Event{}, progress.NoticeData{Kind: progress.Retrying})
	th.Notice(progress.Event{}, progress.NoticeData{Kind: progress.Retrying})
	if len(got) != 6 || got[5].Kind != progress.Notice || got[5].Notice.Kind != progress.Retrying {
		t.Fatalf("notices not passed at once: %d events", len(got))
	}
}

func TestRateAndETA(t *testing.T) {
	r := progress.NewRate(30 * time.Second)
	start := time.Unix(0, 0)
	for s := 0; s <= 60; s++ {
		r.Add(start.Add(time.Duration(s)*time.Second), int64(s)*1_000_000)
	}
	if got := r.PerSecond(); got < 999_000 || got > 1_001_000 {
		t.Fatalf("PerSecond() = %v, want 1e6", got)
	}
	if got := progress.ETA(1_000_000, 90_000_000); got != 90*time.Second {
		t.Fatalf("ETA() = %v, want 1m30s", got)
	}
	if got := progress.ETA(0, 5); got != 0 {
		t.Fatalf("ETA(unknown rate) = %v, want 0", got)
	}
}

// TestThrottleKeepsDoneWithinTotal: whatever the engine offers, a consumer
// never sees more done than the total (a lying RFC822.SIZE once showed as
// 17477073%).
func TestThrottleKeepsDoneWithinTotal(t *testing.T) {
	var got []progress.Event
	th := progress.NewThrottle(func(e progress.Event) { got = append(got, e) }, nil)
	th.Status(progress.Event{Done: 3, Total: 2, Bytes: 1_747_707, TotalBytes: 10, FolderDone: 5, FolderTotal: 1}, true)
	th.Notice(progress.Event{Done: 3, Total: 2, Bytes: 11, TotalBytes: 10}, progress.NoticeData{Kind: progress.Info})
	for _, e := range got {
		if e.Done > e.Total || e.Bytes > e.TotalBytes || e.FolderDone > e.FolderTotal {
			t.Errorf("event %+v: done beyond its total", e)
		}
	}
}
