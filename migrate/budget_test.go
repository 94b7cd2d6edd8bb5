package migrate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/retry"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
	"github.com/mailark/mailark/migrate"
)

// memDest is a new account on go-imap's in-memory server that counts the
// APPENDs it stored, and answers Microsoft 365's throttling NO to the
// first throttle ones (after reading their literal).
type memDest struct {
	conn     imapconn.Config
	stored   atomic.Int64
	throttle atomic.Int64
}

type countingSession struct {
	imapserver.SessionIMAP4rev2
	d *memDest
}

func (s *countingSession) Append(mailbox string, r imap.LiteralReader, o *imap.AppendOptions) (*imap.AppendData, error) {
	if s.d.throttle.Add(-1) >= 0 {
		io.Copy(io.Discard, r)
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Request is throttled. Suggested Backoff Time: 2500 milliseconds"}
	}
	// go-imap's in-memory server stores a literal cut short as if whole;
	// a real server (Dovecot) stores nothing: so does this one.
	buf, err := io.ReadAll(r)
	if err != nil || int64(len(buf)) != r.Size() {
		return nil, fmt.Errorf("literal cut short: %d of %d bytes", len(buf), r.Size())
	}
	data, err := s.SessionIMAP4rev2.Append(mailbox, sizedReader{bytes.NewReader(buf)}, o)
	if err == nil {
		s.d.stored.Add(1)
	}
	return data, err
}

type sizedReader struct{ *bytes.Reader }

func (r sizedReader) Size() int64 { return r.Reader.Size() }

func startMemDest(t *testing.T) *memDest {
	t.Helper()
	d := &memDest{}
	d.conn = serveMemDest(t, func(base imapserver.SessionIMAP4rev2) imapserver.Session {
		return &countingSession{SessionIMAP4rev2: base, d: d}
	})
	return d
}

// serveMemDest serves an empty new account on go-imap's in-memory server,
// each session made by wrap, and returns the connection to it.
func serveMemDest(t *testing.T, wrap func(imapserver.SessionIMAP4rev2) imapserver.Session) imapconn.Config {
	t.Helper()
	m, err := demo.NewMemServer(&demo.Account{User: copyNewUser, Password: copyPass})
	if err != nil {
		t.Fatal(err)
	}
	opts := m.Options()
	opts.Logger = log.New(io.Discard, "", 0)
	opts.NewSession = func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
		return wrap(m.Mem.NewSession().(imapserver.SessionIMAP4rev2)), nil, nil
	}
	return imapconn.Config{Host: "127.0.0.1", Port: testimap.ServeOptions(t, opts), Security: imapconn.Plain,
		User: copyNewUser, Password: secret.New(copyPass), DialTimeout: 10 * time.Second}
}

// memArchive backs the demo's old account up from the in-memory server
// and verifies it, as Copy requires.
func memArchive(t *testing.T) string {
	t.Helper()
	dir, oldConn := backedUpDemo(t)
	verifyArchive(t, oldConn, dir)
	return dir
}

// deepCheck fetches every message of the new account and compares its
// bytes with the archive's.
// copiedOnce checks that the copy sum reports sent every message to d
// once (one APPEND each) and that d holds all of dir byte for byte.
func (d *memDest) copiedOnce(t *testing.T, dir string, sum migrate.CopySummary) {
	t.Helper()
	if got := d.stored.Load(); got != sum.Messages {
		t.Errorf("stored %d APPENDs for %d messages (%d found after a lost answer): a message was sent twice or not at all", got, sum.Messages, sum.Found)
	}
	deepCheck(t, dir, d.conn)
}

func deepCheck(t *testing.T, dir string, conn imapconn.Config) {
	t.Helper()
	opts := migrate.CopyOptions{ArchiveDir: dir, Conn: conn, Deep: true}
	res, err := migrate.CheckDestination(context.Background(), opts)
	if err != nil || !res.OK() {
		t.Fatalf("CheckDestination(deep) = %v: %d missing", err, res.MissingCount)
	}
}

// APPENDs answered "Request is throttled. Suggested Backoff Time: 2500
// milliseconds" over four connections are sent again after the suggested
// wait, not refused; every message arrives once, byte for byte.
func TestCopyThrottledBacksOff(t *testing.T) {
	dir := memArchive(t)
	d := startMemDest(t)
	d.throttle.Store(3)
	clk := testimap.NewClock()
	opts := migrate.CopyOptions{ArchiveDir: dir, Conn: d.conn, Connections: 4, Policy: retry.Policy{Now: clk.Now, Sleep: clk.Sleep}}
	sum, err := migrate.Copy(context.Background(), opts)
	if err != nil || !sum.OK() || len(sum.Refused) > 0 {
		t.Fatalf("Copy() = %v, refused %v", err, sum.Refused)
	}
	if !slices.Contains(clk.Sleeps(), 2500*time.Millisecond) || sum.Throttled < 1 {
		t.Errorf("waits %v (throttled %d): want the suggested 2.5 s", clk.Sleeps(), sum.Throttled)
	}
	if got := d.stored.Load(); got != sum.Messages || sum.Connections != 4 {
		t.Errorf("stored %d APPENDs for %d messages over %d connections: want each once over 4", got, sum.Messages, sum.Connections)
	}
	deepCheck(t, dir, d.conn)
}

func tinyUpload(t *testing.T) *limits.Table {
	t.Helper()
	tab, err := limits.Parse([]byte(`{"hosts": [{"match": "127.0.0.1", "provider": "NewMail", "upload_mb_per_day": 1, "max_connections": 4}]}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// A 1 MB daily upload budget stops the copy cleanly with the message; the
// same day nothing more is sent; the following days finish it, with every
// message in the new account once.
func TestCopyUploadBudget(t *testing.T) {
	dir := memArchive(t)
	d := startMemDest(t)
	clk := testimap.NewClock()
	opts := migrate.CopyOptions{ArchiveDir: dir, Conn: d.conn, Connections: 4, Policy: retry.Policy{Now: clk.Now, Sleep: clk.Sleep}, Limits: tinyUpload(t)}
	ctx := context.Background()
	sum, err := migrate.Copy(ctx, opts)
	var ex *limits.ExhaustedError
	if !errors.As(err, &ex) || sum.Copied == 0 || sum.Left == 0 || ex.LeftMessages != sum.Left {
		t.Fatalf("day 1: Copy() = %v, copied %d, left %d: want the budget used up", err, sum.Copied, sum.Left)
	}
	if msg := ex.Text("en", time.UTC); !strings.Contains(msg, "NewMail allows 1 MB a day; ") || !strings.Contains(msg, "were uploaded today") ||
		!strings.Contains(msg, "can be copied after 00:00 tomorrow") {
		t.Errorf("message %q", msg)
	}
	if sum.CopiedBytes > limits.MB {
		t.Errorf("copied %d bytes on a 1 MB day", sum.CopiedBytes)
	}
	// The same day: at most what the first run left of the budget (messages
	// it had taken and not sent went back).
	if again, err := migrate.Copy(ctx, opts); !errors.As(err, &ex) || sum.CopiedBytes+again.CopiedBytes > limits.MB {
		t.Fatalf("same day again: copied %d bytes after %d, %v", again.CopiedBytes, sum.CopiedBytes, err)
	}
	days := 1
	for ; days < 40; days++ {
		clk.Add(24 * time.Hour)
		sum, err = migrate.Copy(ctx, opts)
		if err == nil {
			break
		}
		if !errors.As(err, &ex) || sum.Copied == 0 {
			t.Fatalf("day %d: copied %d, %v", days+1, sum.Copied, err)
		}
	}
	if err != nil || !sum.OK() || days < 2 {
		t.Fatalf("after %d days: %v", days+1, err)
	}
	d.copiedOnce(t, dir, sum)
}

// With WaitForBudget the copy waits for the budget to renew and finishes
// in one call; its progress carries the budget.
func TestCopyUploadBudgetWaits(t *testing.T) {
	dir := memArchive(t)
	d := startMemDest(t)
	clk := testimap.NewClock()
	var budgeted atomic.Bool
	opts := migrate.CopyOptions{ArchiveDir: dir, Conn: d.conn, Connections: 4, Policy: retry.Policy{Now: clk.Now, Sleep: clk.Sleep},
		Limits: tinyUpload(t), WaitForBudget: true, Progress: func(e progress.Event) {
			if e.Budget != nil && e.Budget.Upload && e.Budget.ExtraDays(e.TotalBytes-e.Bytes) > 0 {
				budgeted.Store(true)
			}
		}}
	sum, err := migrate.Copy(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Copy() = %v", err)
	}
	if !clk.SleptAtLeast(time.Hour) || !budgeted.Load() {
		t.Errorf("waits %v, budget in progress %v: want a wait for the renewal", clk.Sleeps(), budgeted.Load())
	}
	d.copiedOnce(t, dir, sum)
}

// Four connections through a link that is cut (mid-literal, and while the
// answers come down) and a server that ends one connection with "BYE Too
// many connections": the copy goes on with fewer, and every message is in
// the new account once, byte for byte.
func TestCopyFourConnectionsCutsAndLimit(t *testing.T) {
	dir := memArchive(t)
	d := startMemDest(t)
	proxy := testimap.StartProxy(t, net.JoinHostPort(d.conn.Host, itoa(d.conn.Port)), func(n int) testimap.Fault {
		switch n {
		case 1:
			return testimap.Fault{CutUpAfter: 200 << 10}
		case 2:
			return testimap.Fault{CutDownAfter: 3000, Reset: true}
		case 6:
			return testimap.Fault{ByeDownAfter: 2000, ByeText: "* BYE Too many connections from this user\r\n"}
		}
		return testimap.Fault{}
	})
	conn := d.conn
	conn.Port = proxy.Port
	var lowered atomic.Bool
	var mu sync.Mutex
	var notices []string
	opts := migrate.CopyOptions{ArchiveDir: dir, Conn: conn, Connections: 4,
		Policy: retry.Policy{Backoff: func(int) time.Duration { return 200 * time.Millisecond }},
		Progress: func(e progress.Event) {
			if e.Notice != nil {
				mu.Lock()
				notices = append(notices, e.Notice.Text)
				mu.Unlock()
			}
			// The BYE comes on the seventh connection, during its login
			// (the connection is refused) or on one of its commands (the
			// run goes on with one fewer): which, scheduling decides.
			if e.Notice != nil && (strings.Contains(e.Notice.Text, "limits connections") ||
				strings.Contains(e.Notice.Text, "another was refused")) {
				lowered.Store(true)
			}
		}}
	sum, err := migrate.Copy(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Copy() = %v", err)
	}
	if !lowered.Load() {
		mu.Lock()
		t.Errorf("the BYE about too many connections did not lower the connections; the notices: %q", notices)
		mu.Unlock()
	}
	if proxy.Cuts() < 1 {
		t.Errorf("no cut happened")
	}
	mu.Lock()
	for _, n := range notices {
		// One BYE, one connection fewer (of 4), however many APPENDs
		// were in flight on the connection it cut.
		if strings.Contains(n, "limits connections") && !strings.HasSuffix(n, "going on with 3") {
			t.Errorf("one BYE lowered the connections to other than 3: %q", n)
		}
	}
	mu.Unlock()
	d.copiedOnce(t, dir, sum)
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestCopyLowersForALimitAtLogin: a server that says "too many connections"
// when the copy logs in again after a cut (not in an APPEND's answer)
// makes it go on with one connection fewer too.
func TestCopyLowersForALimitAtLogin(t *testing.T) {
	dir := memArchive(t)
	d := startMemDest(t)
	proxy := testimap.StartProxy(t, net.JoinHostPort(d.conn.Host, itoa(d.conn.Port)), func(n int) testimap.Fault {
		switch n {
		case 1: // a lane of the first attempt (connections 0-3)
			return testimap.Fault{CutUpAfter: 100 << 10}
		case 4: // the next attempt's first
			return testimap.Fault{ByeDownAfter: 1, ByeText: "* BYE Too many connections from this user\r\n"}
		}
		return testimap.Fault{}
	})
	conn := d.conn
	conn.Port = proxy.Port
	var lowered atomic.Bool
	opts := migrate.CopyOptions{ArchiveDir: dir, Conn: conn, Connections: 4,
		Policy: retry.Policy{Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }},
		Progress: func(e progress.Event) {
			if e.Notice != nil && strings.Contains(e.Notice.Text, "limits connections") {
				lowered.Store(true)
			}
		}}
	sum, err := migrate.Copy(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Copy() = %v", err)
	}
	if !lowered.Load() {
		t.Errorf("the BYE about too many connections at login did not lower the connections")
	}
	d.copiedOnce(t, dir, sum)
}
