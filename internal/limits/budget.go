package limits

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mailark/mailark/internal/progress"
)

// Direction names a daily budget: bytes an account downloads (backup) or
// uploads (the migration's APPENDs).
type Direction string

const (
	Download Direction = "down"
	Upload   Direction = "up"
)

// Ledger keeps the bytes used per key and day, shared by separate runs.
// The archive keeps one per account (internal/archive); a desk keeps one in
// its queue database for all its workers.
type Ledger interface {
	// DailyUsed is the bytes recorded for key on day.
	DailyUsed(ctx context.Context, key, day string) (int64, error)
	// ReserveDaily records up to n more bytes for key on day, never past
	// limit, in one step (two runs cannot both take the last bytes), and
	// returns how many it recorded.
	ReserveDaily(ctx context.Context, key, day string, n, limit int64) (int64, error)
	// RefundDaily gives back n bytes reserved and not used.
	RefundDaily(ctx context.Context, key, day string, n int64) error
}

// Day is the budget day of t: providers' days are counted here in UTC.
func Day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// Renews is when the budget day of t ends (the next midnight, UTC).
func Renews(t time.Time) time.Time {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day()+1, 0, 0, 0, 0, time.UTC)
}

// Key names an account's budget in a ledger.
func Key(dir Direction, host, user string) string {
	return string(dir) + ":" + strings.ToLower(host) + "/" + strings.ToLower(user)
}

// Meter takes bytes from one account's daily budget before they are sent.
// It reserves in blocks, so that the ledger is written now and then rather
// than per message, and gives back what it held unused on Close. A nil
// Meter, or one with no budget, takes everything.
type Meter struct {
	ledger  Ledger
	key     string
	perDay  int64
	lim     Limits
	dir     Direction
	now     func() time.Time
	mu      sync.Mutex
	day     string
	held    int64 // reserved for day, not yet taken
	blocked bool  // the day's budget is used up
}

// NewMeter returns the meter of the account user@host in direction dir;
// nil when the host has no such budget or there is no ledger.
func NewMeter(ledger Ledger, lim Limits, dir Direction, user string, now func() time.Time) *Meter {
	perDay := lim.DownloadPerDay
	if dir == Upload {
		perDay = lim.UploadPerDay
	}
	if perDay <= 0 || ledger == nil {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	return &Meter{ledger: ledger, key: Key(dir, lim.Host, user), perDay: perDay, lim: lim, dir: dir, now: now}
}

// block is how much the meter reserves at once beyond what it needs.
func (m *Meter) block() int64 { return min(8<<20, max(m.perDay/64, 64<<10)) }

// roll starts a new day: what was held for the old one is not carried.
func (m *Meter) roll() {
	if d := Day(m.now()); d != m.day {
		m.day, m.held, m.blocked = d, 0, false
	}
}

// Take takes n bytes from today's budget; false when they do not fit (the
// day's budget is used up). A message larger than a whole day's budget is
// let through at the start of a day, alone, rather than never.
func (m *Meter) Take(ctx context.Context, n int64) (bool, error) {
	if m == nil {
		return true, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.roll()
	if m.held >= n {
		m.held -= n
		return true, nil
	}
	if m.blocked {
		return false, nil
	}
	want := n - m.held + m.block()
	got, err := m.ledger.ReserveDaily(ctx, m.key, m.day, want, m.perDay)
	if err != nil {
		return false, err
	}
	m.held += got
	if m.held >= n {
		m.held -= n
		return true, nil
	}
	if n > m.perDay {
		used, err := m.ledger.DailyUsed(ctx, m.key, m.day)
		if err != nil {
			return false, err
		}
		if used == m.held { // nothing else used today
			if _, err := m.ledger.ReserveDaily(ctx, m.key, m.day, n-m.held, n); err != nil {
				return false, err
			}
			m.held = 0
			m.blocked = true
			return true, nil
		}
	}
	m.blocked = true
	return false, nil
}

// Close gives back what the meter holds unused.
func (m *Meter) Close(ctx context.Context) error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.held == 0 || m.day != Day(m.now()) {
		m.held = 0
		return nil
	}
	n := m.held
	m.held = 0
	return m.ledger.RefundDaily(ctx, m.key, m.day, n)
}

// Left is what today's budget still allows (held bytes included).
func (m *Meter) Left(ctx context.Context) (int64, error) {
	if m == nil {
		return -1, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.roll()
	used, err := m.ledger.DailyUsed(ctx, m.key, m.day)
	if err != nil {
		return 0, err
	}
	return max(m.perDay-used+m.held, 0), nil
}

// Renews is when the meter's budget renews.
func (m *Meter) Renews() time.Time { return Renews(m.now()) }

// Budget is the daily budget as the progress events carry it.
func (m *Meter) Budget(ctx context.Context) *progress.Budget {
	if m == nil {
		return nil
	}
	left, err := m.Left(ctx)
	if err != nil {
		return nil
	}
	return &progress.Budget{Provider: m.lim.Name(), Upload: m.dir == Upload, PerDay: m.perDay, LeftToday: left, Renews: m.Renews()}
}

// Exhausted is the error for when today's budget is used up with left
// messages (leftBytes) still to send.
func (m *Meter) Exhausted(ctx context.Context, left, leftBytes int64) *ExhaustedError {
	used, _ := m.ledger.DailyUsed(ctx, m.key, m.day)
	return &ExhaustedError{Provider: m.lim.Name(), Host: m.lim.Host, Dir: m.dir, PerDay: m.perDay,
		UsedToday: used, At: m.now(), Renews: m.Renews(), LeftMessages: left, LeftBytes: leftBytes}
}

// ExhaustedError stops a run whose account used up today's budget.
// Nothing is lost: the rest is sent by a run after Renews.
type ExhaustedError struct {
	Provider, Host string
	Dir            Direction
	PerDay         int64
	UsedToday      int64
	At             time.Time // when the run stopped
	Renews         time.Time
	LeftMessages   int64
	LeftBytes      int64
}

func (e *ExhaustedError) Error() string {
	return e.Text("en", time.Local)
}

// gb says a budget in decimal units, as providers state it: "2.5 GB".
func gb(n int64) string {
	switch {
	case n >= 1_000_000_000:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/1e9)) + " GB"
	case n >= 1_000_000:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/1e6)) + " MB"
	case n >= 1000:
		return fmt.Sprintf("%.0f KB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }

// Return gives back n bytes taken and not sent (a cut connection): the
// meter holds them for the next Take, or the ledger gets them on Close.
func (m *Meter) Return(n int64) {
	if m == nil || n <= 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.day == Day(m.now()) {
		m.held += n
		m.blocked = false
	}
}
