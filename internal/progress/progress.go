// Package progress carries progress from the engine to the CLI and the GUI.
//
// The engine sends Events to a Sink. A Status event is a snapshot: a consumer
// may merge or skip it, and the engine sends one at most every Interval plus a
// final one. A Notice event (retrying, a message failed, a folder done) is sent
// at once and should be shown every time. Events are never the only record of
// something that matters: the result of a run is its return value.
package progress

import (
	"sync"
	"time"
)

// Kind tells a snapshot from a notice.
type Kind int

const (
	// Status is a snapshot; it may be merged or skipped.
	Status Kind = iota
	// Notice should be shown every time.
	Notice
)

// NoticeKind says what a Notice is about.
type NoticeKind string

const (
	Retrying      NoticeKind = "retrying"
	MessageFailed NoticeKind = "message-failed"
	FolderStarted NoticeKind = "folder-started"
	FolderDone    NoticeKind = "folder-done"
	Info          NoticeKind = "info"
	// Waiting: the run waits for a provider's daily budget to renew.
	Waiting NoticeKind = "waiting"
)

// NoticeData is the detail of a Notice event.
type NoticeData struct {
	Kind NoticeKind
	UID  uint32 // for MessageFailed
	Text string // English, for logs; consumers build user text from Kind and fields
	Err  error
}

// Event is one progress report.
type Event struct {
	Kind              Kind
	Step              string // "backup", "verify", "copy", "contacts", StepIndex
	Folder            string // decoded, for display
	FolderDone        int64  // messages done in Folder
	FolderTotal       int64  // messages to do in Folder this run
	Done, Total       int64  // messages, whole run
	Bytes, TotalBytes int64
	Rate              float64       // bytes per second over the last 30 s
	ETA               time.Duration // 0 when unknown
	// Budget, when set, is the provider's daily budget, which the ETA
	// includes (see Budget.ETA).
	Budget *Budget
	Notice *NoticeData
}

// StepIndex is the Step of a backup's last stage, building the full-text
// index of the messages it saved ("indexing for search"): Done of Total
// messages, no bytes.
const StepIndex = "index"

// Sink receives events. It is called from engine goroutines and must return
// quickly.
type Sink func(Event)

// Discard is a Sink that drops every event.
func Discard(Event) {}

// Interval is the least time between two Status events from one Throttle.
const Interval = 200 * time.Millisecond

// Throttle passes Status events to a Sink at most once per Interval, and
// Notices at once. It is safe for concurrent use.
type Throttle struct {
	mu   sync.Mutex
	sink Sink
	now  func() time.Time
	last time.Time
	rate *Rate
}

// NewThrottle returns a Throttle in front of sink; a nil sink discards. now
// is the clock (time.Now when nil), so tests need no sleeping.
func NewThrottle(sink Sink, now func() time.Time) *Throttle {
	if sink == nil {
		sink = Discard
	}
	if now == nil {
		now = time.Now
	}
	return &Throttle{sink: sink, now: now, rate: NewRate(30 * time.Second)}
}

// Status offers a snapshot; it is passed on when Interval has gone by since
// the last one passed, or when force is set (the final snapshot). Rate and ETA
// are filled in from the byte counts.
func (t *Throttle) Status(e Event, force bool) {
	t.mu.Lock()
	now := t.now()
	t.rate.Add(now, e.Bytes)
	if !force && !t.last.IsZero() && now.Sub(t.last) < Interval {
		t.mu.Unlock()
		return
	}
	t.last = now
	e = clamp(e)
	e.Kind = Status
	e.Rate = t.rate.PerSecond()
	e.ETA = ETA(e.Rate, e.TotalBytes-e.Bytes)
	if e.Budget != nil {
		e.ETA = e.Budget.ETA(now, e.Rate, e.TotalBytes-e.Bytes)
	}
	t.mu.Unlock()
	t.sink(e)
}

// Notice passes a notice on at once.
func (t *Throttle) Notice(e Event, n NoticeData) {
	e = clamp(e)
	e.Kind = Notice
	e.Notice = &n
	t.sink(e)
}

// clamp keeps what is done within its total: a server may announce a size
// smaller than what it sends, and a fraction above 1 means nothing to
// anyone (a bar at 17477073%). The total grows to what is done.
func clamp(e Event) Event {
	e.Total = max(e.Total, e.Done)
	e.TotalBytes = max(e.TotalBytes, e.Bytes)
	e.FolderTotal = max(e.FolderTotal, e.FolderDone)
	return e
}

// ETA is the time left for remaining bytes at rate bytes per second, 0 when
// unknown.
func ETA(rate float64, remaining int64) time.Duration {
	if rate <= 0 || remaining <= 0 {
		return 0
	}
	return time.Duration(float64(remaining) / rate * float64(time.Second)).Round(time.Second)
}

// Budget is a provider's daily byte budget seen from now, when it limits a
// run: what it allows per day, what is left today, and when it renews.
type Budget struct {
	Provider  string // "Gmail"
	Upload    bool   // an upload budget (the migration), else download
	PerDay    int64
	LeftToday int64
	Renews    time.Time
}

// ExtraDays is how many days after today the budget makes remaining bytes
// wait for.
func (b *Budget) ExtraDays(remaining int64) int64 {
	over := remaining - b.LeftToday
	if over <= 0 || b.PerDay <= 0 {
		return 0
	}
	return (over + b.PerDay - 1) / b.PerDay
}

// ETA is the time left for remaining bytes at rate bytes per second,
// counting the days the budget makes the rest wait; 0 when unknown.
func (b *Budget) ETA(now time.Time, rate float64, remaining int64) time.Duration {
	days := b.ExtraDays(remaining)
	if days == 0 {
		return ETA(rate, remaining)
	}
	last := remaining - b.LeftToday - (days-1)*b.PerDay
	d := b.Renews.Sub(now) + time.Duration(days-1)*24*time.Hour + ETA(rate, last)
	return d.Round(time.Second)
}
