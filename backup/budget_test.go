package backup_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/testimap"
)

// throttlingSession answers Microsoft 365's throttling NO to LOGIN and to
// FETCHes of bodies while its counters last.
type throttlingSession struct {
	imapserver.SessionIMAP4rev2
	logins, fetches *atomic.Int32
}

const throttledText = "Request is throttled. Suggested Backoff Time: 1234 milliseconds"

func (s *throttlingSession) Login(user, pass string) error {
	if s.logins.Add(-1) >= 0 {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Text: throttledText}
	}
	return s.SessionIMAP4rev2.Login(user, pass)
}

func (s *throttlingSession) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	if len(options.BodySection) > 0 && s.fetches.Add(-1) >= 0 {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Text: throttledText}
	}
	return s.SessionIMAP4rev2.Fetch(w, numSet, options)
}

// A server asking to slow down ("Request is throttled. Suggested Backoff
// Time: 1234 milliseconds") to a login and to fetches is waited for by the
// time it suggests, on a new connection, and no message is failed for it.
func TestThrottledBacksOffBySuggestedTime(t *testing.T) {
	srv := testimap.Start(t, nil)
	var logins, fetches atomic.Int32
	logins.Store(1)
	fetches.Store(3)
	port := srv.ServeWrapped(t, func(sess imapserver.SessionIMAP4rev2) imapserver.Session {
		return &throttlingSession{SessionIMAP4rev2: sess, logins: &logins, fetches: &fetches}
	})
	o := options(srv, tempArchive(t))
	o.Conn.Port = port
	o.Connections = 2
	clk := testimap.NewClock()
	o.Now, o.Sleep = clk.Now, clk.Sleep
	sum, err := backup.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if !sum.OK() || len(sum.Failures) > 0 {
		t.Fatalf("failures %v: a throttled answer failed messages", sum.Failures)
	}
	waits := clk.Sleeps()
	n := 0
	for _, w := range waits {
		if w == 1234*time.Millisecond {
			n++
		}
	}
	if n < 2 || sum.Throttled < 2 {
		t.Errorf("waits %v (throttled %d): want the suggested 1.234s for the login and the fetches", waits, sum.Throttled)
	}
	checkArchive(t, o.ArchiveDir, serverState(t, srv.Client(t)))
}

// tinyBudget is a limits table giving the test server's host a daily
// download budget of 1 MB.
func tinyBudget(t testing.TB) *limits.Table {
	t.Helper()
	tab, err := limits.Parse([]byte(`{"hosts": [{"match": "127.0.0.1", "provider": "TestMail", "download_mb_per_day": 1}]}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// budgeted starts the test server and gives options to back it up under
// tinyBudget, on a test clock.
func budgeted(t testing.TB) (*testimap.Server, backup.Options, *testimap.Clock) {
	t.Helper()
	srv := testimap.Start(t, nil)
	o := options(srv, tempArchive(t))
	o.Limits = tinyBudget(t)
	clk := testimap.NewClock()
	o.Now = clk.Now
	return srv, o, clk
}

// A run that uses up the day's budget stops cleanly with the message and
// what is left; another run the same day fetches nothing more; runs on the
// following days go on until everything is in the archive, with no message
// lost or stored twice.
func TestDailyBudgetStopsAndNextDayContinues(t *testing.T) {
	srv, o, clk := budgeted(t)
	ctx := context.Background()

	sum, err := backup.Run(ctx, o)
	var ex *limits.ExhaustedError
	if !errors.As(err, &ex) {
		t.Fatalf("Run() = %v, want the budget used up", err)
	}
	if sum.New == 0 || sum.Deferred == 0 || ex.LeftMessages != sum.Deferred {
		t.Fatalf("first day: new %d, deferred %d, error's %d: want some saved, the rest left", sum.New, sum.Deferred, ex.LeftMessages)
	}
	msg := ex.Text("en", time.UTC)
	for _, w := range []string{"TestMail allows 1 MB a day", "were downloaded today", "the rest (", "after 00:00 tomorrow", "run the same command again"} {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q lacks %q", msg, w)
		}
	}
	if ja := ex.Text("ja", time.UTC); !strings.Contains(ja, "1日1 MB") || !strings.Contains(ja, "明日00:00") {
		t.Errorf("Japanese message %q", ja)
	}
	if ex.UsedToday > limits.MB || sum.NewBytes > limits.MB {
		t.Errorf("used %d, saved %d bytes: more than the 1 MB budget", ex.UsedToday, sum.NewBytes)
	}

	// The same day: the budget is spent, nothing more is fetched.
	again, err := backup.Run(ctx, o)
	if !errors.As(err, &ex) || again.New != 0 {
		t.Fatalf("same day again: new %d, err %v: want nothing and the budget message", again.New, err)
	}

	days := 1
	for ; days < 40; days++ {
		clk.Add(24 * time.Hour)
		sum, err = backup.Run(ctx, o)
		if err == nil {
			break
		}
		if !errors.As(err, &ex) || sum.New == 0 {
			t.Fatalf("day %d: new %d, err %v", days+1, sum.New, err)
		}
	}
	if err != nil || !sum.OK() || days < 2 {
		t.Fatalf("after %d days: %v (ok %v)", days+1, err, sum.OK())
	}
	checkArchive(t, o.ArchiveDir, serverState(t, srv.Client(t)))
}

// With WaitForBudget a run waits for the budget to renew and goes on by
// itself; its progress says how long the budget makes it take.
func TestDailyBudgetWaitResumes(t *testing.T) {
	srv, o, clk := budgeted(t)
	o.WaitForBudget = true
	o.Sleep = clk.Sleep
	var mu sync.Mutex
	var waiting int
	var words string
	o.Progress = func(e progress.Event) {
		mu.Lock()
		defer mu.Unlock()
		if e.Notice != nil && e.Notice.Kind == progress.Waiting {
			waiting++
		}
		if e.Budget != nil && words == "" {
			words = limits.ETAWords(e.Budget, "en", e.ETA, e.TotalBytes-e.Bytes)
		}
	}
	sum, err := backup.Run(context.Background(), o)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v (ok %v)", err, sum.OK())
	}
	mu.Lock()
	defer mu.Unlock()
	if waiting < 1 {
		t.Errorf("no waiting notice")
	}
	if !strings.Contains(words, "days: TestMail allows 1 MB a day") {
		t.Errorf("ETA words %q: want the days the budget makes it take", words)
	}
	if !clk.SleptAtLeast(time.Hour) {
		t.Errorf("waits %v: no wait for the budget to renew", clk.Sleeps())
	}
	checkArchive(t, o.ArchiveDir, serverState(t, srv.Client(t)))
}

// Survey's time estimate counts the days the budget makes the backup take.
func TestSurveyCountsTheBudget(t *testing.T) {
	_, o, _ := budgeted(t)
	res, err := backup.Survey(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Budget == nil || res.Budget.ExtraDays(res.ToFetchBytes) < 2 || res.ETA < 24*time.Hour {
		t.Fatalf("Survey() = budget %+v, ETA %v: want the days the 1 MB budget makes it take", res.Budget, res.ETA)
	}
	if w := limits.ETAWords(res.Budget, "en", res.ETA, res.ToFetchBytes); !strings.HasSuffix(w, "days: TestMail allows 1 MB a day") {
		t.Errorf("ETAWords = %q", w)
	}
}
