package limits_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/progress"
)

func TestFor(t *testing.T) {
	tab, err := limits.Parse([]byte(`{"hosts": [
		{"match": "imap.example.jp", "provider": "Example ISP", "max_connections": 2, "download_mb_per_day": 100},
		{"match": "*.big.example", "provider": "Big", "upload_mb_per_day": 7},
		{"match": "imap.gmail.com", "provider": "Gmail", "max_connections": 5}]}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tab        *limits.Table
		host       string
		provider   string
		conns      int
		down, up   int64
		connsOf100 int
	}{
		{nil, "imap.gmail.com", "Gmail", 15, 2500 * limits.MB, 500 * limits.MB, 15},
		{nil, "IMAP.Gmail.com", "Gmail", 15, 2500 * limits.MB, 500 * limits.MB, 15},
		{nil, "mail.old-isp.example", "", 10, 0, 0, 10},
		{tab, "imap.example.jp", "Example ISP", 2, 100 * limits.MB, 0, 2},
		{tab, "imap.big.example", "Big", 10, 0, 7 * limits.MB, 10},
		{tab, "imap.gmail.com", "Gmail", 5, 0, 0, 5}, // the file's rule replaces the built-in one
		{tab, "outlook.office365.com", "Microsoft 365", 8, 0, 0, 8},
	} {
		l := tc.tab.For(tc.host)
		if l.Provider != tc.provider || l.MaxConnections != tc.conns || l.DownloadPerDay != tc.down || l.UploadPerDay != tc.up ||
			l.Connections(100) != tc.connsOf100 || l.Connections(0) != 1 {
			t.Errorf("For(%q) = %+v", tc.host, l)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for name, in := range map[string]string{
		"not JSON":      `hosts = 1`,
		"unknown field": `{"hosts": [{"match": "a", "max_conns": 3}]}`,
		"no match":      `{"hosts": [{"max_connections": 3}]}`,
		"negative":      `{"hosts": [{"match": "a", "download_mb_per_day": -1}]}`,
		"bad pattern":   `{"hosts": [{"match": "a", "throttle": ["("]}]}`,
	} {
		if _, err := limits.Parse([]byte(in), "f.json"); err == nil || !strings.Contains(err.Error(), "f.json") {
			t.Errorf("%s: Parse() = %v, want an error naming the file", name, err)
		}
	}
}

func TestThrottled(t *testing.T) {
	l := limits.Default().For("outlook.office365.com")
	for words, want := range map[string]time.Duration{
		"NO Request is throttled. Suggested Backoff Time: 289 milliseconds":        289 * time.Millisecond,
		"* BYE Request is throttled. Suggested Backoff Time: 9999999 milliseconds": limits.MaxThrottleWait,
		"NO [THROTTLED] slow down": 0,
	} {
		got, ok := l.Throttled(words)
		if !ok || got != want {
			t.Errorf("Throttled(%q) = %v, %v; want %v", words, got, ok, want)
		}
	}
	if _, ok := l.Throttled("NO [LIMIT] too many connections"); ok {
		t.Errorf("a connection limit taken for throttling")
	}
}

// memLedger is a Ledger in memory.
type memLedger struct {
	mu   sync.Mutex
	used map[string]int64
}

func (m *memLedger) DailyUsed(_ context.Context, key, day string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.used[key+day], nil
}

func (m *memLedger) ReserveDaily(_ context.Context, key, day string, n, limit int64) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	got := min(n, max(limit-m.used[key+day], 0))
	m.used[key+day] += got
	return got, nil
}

func (m *memLedger) RefundDaily(_ context.Context, key, day string, n int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.used[key+day] = max(m.used[key+day]-n, 0)
	return nil
}

// A meter takes message by message until the day's budget is used up,
// gives back what it held on Close, and starts afresh the next day.
func TestMeter(t *testing.T) {
	tab, _ := limits.Parse([]byte(`{"hosts": [{"match": "h", "provider": "P", "download_mb_per_day": 1}]}`), "t")
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	led := &memLedger{used: map[string]int64{}}
	m := limits.NewMeter(led, tab.For("h"), limits.Download, "u", func() time.Time { return now })
	ctx := context.Background()
	var took int64
	for {
		ok, err := m.Take(ctx, 100_000)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		took += 100_000
	}
	if took != limits.MB {
		t.Errorf("took %d on a 1 MB day", took)
	}
	ex := m.Exhausted(ctx, 3, 300_000)
	if s := ex.Text("en", time.UTC); s != "P allows 1 MB a day; 1 MB were downloaded today; the rest (3 messages, 300 KB) can be fetched after 00:00 tomorrow — run the same command again" {
		t.Errorf("Text = %q", s)
	}
	if s := ex.Text("en", time.FixedZone("JST", 9*3600)); !strings.Contains(s, "after 09:00 tomorrow") {
		t.Errorf("Text in Japan's time = %q", s)
	}
	if s := ex.Text("en", time.FixedZone("PST", -8*3600)); !strings.Contains(s, "after 16:00 today") {
		t.Errorf("Text in California's time = %q", s)
	}
	now = now.Add(14 * time.Hour)
	if ok, _ := m.Take(ctx, 100_000); !ok {
		t.Errorf("the next day's budget is not there")
	}
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if used, _ := led.DailyUsed(ctx, limits.Key(limits.Download, "h", "u"), limits.Day(now)); used != 100_000 {
		t.Errorf("after Close the ledger counts %d, want the 100000 taken", used)
	}
	if limits.NewMeter(led, limits.Default().For("imap.example"), limits.Download, "u", nil) != nil {
		t.Errorf("a meter for a host with no budget")
	}
}

// The ETA counts the days a budget makes the rest wait, and says so.
func TestBudgetETA(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	b := &progress.Budget{Provider: "Gmail", PerDay: 2500 * limits.MB, LeftToday: 500 * limits.MB, Renews: limits.Renews(now)}
	const rate = 4 << 20
	eta := b.ETA(now, rate, 5500*limits.MB)
	if eta < 36*time.Hour || eta > 37*time.Hour {
		t.Errorf("ETA = %v: want 12 h to midnight, a day, and the last 500 MB", eta)
	}
	if w := limits.ETAWords(b, "en", eta, 5500*limits.MB); w != "about 2 days: Gmail allows 2.5 GB a day" {
		t.Errorf("ETAWords = %q", w)
	}
	if w := limits.ETAWords(b, "ja", eta, 5500*limits.MB); w != "約2日：Gmailの上限は1日2.5 GBです" {
		t.Errorf("ETAWords(ja) = %q", w)
	}
	if w := limits.ETAWords(b, "en", b.ETA(now, rate, 100*limits.MB), 100*limits.MB); w != "" {
		t.Errorf("ETAWords within today's budget = %q, want none", w)
	}
}
