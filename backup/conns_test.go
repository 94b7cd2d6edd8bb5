package backup_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

// notices collects a run's notices of one kind.
type notices struct {
	mu   sync.Mutex
	kind progress.NoticeKind
	text []string
}

func (n *notices) sink(e progress.Event) {
	if e.Kind == progress.Notice && e.Notice.Kind == n.kind {
		n.mu.Lock()
		n.text = append(n.text, e.Notice.Text)
		n.mu.Unlock()
	}
}

func (n *notices) all() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return strings.Join(n.text, "\n")
}

// TestFourConnectionsPipelined backs up the demo account over four
// connections with small UID FETCHes: every connection is used, each sends
// its next UID FETCH before the answer to the last one ended, and the
// archive holds every message exactly once, byte for byte.
func TestFourConnectionsPipelined(t *testing.T) {
	srv := testimap.Start(t, nil)
	state := serverState(t, srv.Client(t))
	proxy := testimap.StartProxy(t, srv.Addr, testimap.Counting)
	opts := options(srv, tempArchive(t))
	opts.Conn.Port = proxy.Port
	opts.Connections = 4
	opts.FetchChunk = 10
	opts.InFlightBytes = 1 << 20 // the connections wait for the writer, in turn
	opts.SpoolBytes = 256 << 10
	sum, err := backup.Run(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v, failures %v", err, sum.Failures)
	}
	if proxy.Conns() != 4 {
		t.Errorf("%d connections, want 4", proxy.Conns())
	}
	if proxy.MaxPending() < 2 {
		t.Errorf("at most %d command in flight on a connection: the next UID FETCH waited for the last one's answer", proxy.MaxPending())
	}
	if sum.Retries != 0 {
		t.Errorf("%d retries, want none", sum.Retries)
	}
	// A connection that goes on to the next folder sends its EXAMINE
	// behind the UID FETCH in flight (the planning connection's plan
	// pipelines its EXAMINEs anyway: the others only fetch).
	ahead := 0
	for _, s := range proxy.Sent() {
		if s.Conn != 0 && s.Command == "EXAMINE" && s.InFlight > 0 {
			ahead++
		}
	}
	if ahead == 0 {
		t.Errorf("no EXAMINE went out behind a UID FETCH in flight: a round trip stood idle at each folder")
	}
	checkArchive(t, opts.ArchiveDir, state)

	// Again: nothing new, nothing fetched twice.
	again, err := backup.Run(context.Background(), opts)
	if err != nil || again.New != 0 {
		t.Fatalf("second Run() = %v, %d new", err, again.New)
	}
	checkArchive(t, opts.ArchiveDir, state)
}

// TestServerAllowsTwoConnections: a server that turns away a third
// connection, with a BYE as its greeting. The run asks for four, goes on
// with two, says so, and saves everything without an error or a retry.
func TestServerAllowsTwoConnections(t *testing.T) {
	srv := testimap.Start(t, nil)
	state := serverState(t, srv.Client(t))
	proxy := testimap.StartProxy(t, srv.Addr, nil)
	proxy.LimitOpen(2, "* BYE [UNAVAILABLE] Too many connections from your address\r\n")
	opts := options(srv, tempArchive(t))
	opts.Conn.Port = proxy.Port
	opts.Connections = 4
	opts.FetchChunk = 10
	info := &notices{kind: progress.Info}
	opts.Progress = info.sink
	sum, err := backup.Run(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v, failures %v", err, sum.Failures)
	}
	if sum.Retries != 0 {
		t.Errorf("%d retries, want none: a limit is not a failure", sum.Retries)
	}
	if proxy.TurnedAway() == 0 {
		t.Errorf("no connection was turned away (%d accepted)", proxy.Conns())
	}
	if !strings.Contains(info.all(), "going on with 2") {
		t.Errorf("notices %q do not say the run goes on with 2 connections", info.all())
	}
	checkArchive(t, opts.ArchiveDir, state)
}

// TestConnectionCutForItsLimit: the server accepts a fourth connection,
// then sends BYE "too many connections" in the middle of the transfer on
// it. The run goes on with fewer, without counting a retry, and saves
// everything once.
func TestConnectionCutForItsLimit(t *testing.T) {
	srv := testimap.Start(t, nil)
	state := serverState(t, srv.Client(t))
	// The fourth connection: greeting, login and EXAMINE pass, then a BYE.
	proxy := testimap.StartProxy(t, srv.Addr, func(n int) testimap.Fault {
		if n == 3 {
			return testimap.Fault{ByeDownAfter: 3000, ByeText: "* BYE Maximum number of connections from user+IP exceeded\r\n"}
		}
		return testimap.Fault{}
	})
	opts := options(srv, tempArchive(t))
	opts.Conn.Port = proxy.Port
	opts.Connections = 4
	opts.FetchChunk = 10
	sum, err := backup.Run(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v, failures %v", err, sum.Failures)
	}
	if sum.Retries != 0 {
		t.Errorf("%d retries, want none: a limit is not a failure", sum.Retries)
	}
	if proxy.Cuts() != 1 {
		t.Errorf("%d connections cut, want the fourth", proxy.Cuts())
	}
	checkArchive(t, opts.ArchiveDir, state)
}

// TestDovecotFourConnections backs up the demo account from Dovecot over
// TLS with four connections, and again from a Dovecot that allows each
// user two connections at once (it answers NO [LIMIT] to the login of a
// third): no error, every message once, byte for byte.
func TestDovecotFourConnections(t *testing.T) {
	d := testimap.StartDovecot(t)
	seedDemo(t, d, "user")
	state := serverState(t, dovecotClient(t, d, "user", "password"))
	cfg := imapconn.Config{Host: "localhost", Port: d.TLSPort, CAFile: d.CAFile, User: "user",
		Password: secret.New("password"), DialTimeout: 10 * time.Second}
	opts := backup.Options{Conn: cfg, ArchiveDir: tempArchive(t), Connections: 4, FetchChunk: 20,
		Policy: noWait}
	sum, err := backup.Run(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v, failures %v", err, sum.Failures)
	}
	checkArchive(t, opts.ArchiveDir, state)

	// A small in-flight budget: the connections wait for the writer and
	// for each other, while Dovecot interleaves the answers of each
	// connection's pipelined UID FETCHes.
	tight := opts
	tight.ArchiveDir, tight.FetchChunk, tight.InFlightBytes, tight.SpoolBytes = tempArchive(t), 10, 1<<20, 256<<10
	if sum, err := backup.Run(context.Background(), tight); err != nil || !sum.OK() {
		t.Fatalf("Run() with a 1 MiB budget = %v, failures %v", err, sum.Failures)
	}
	checkArchive(t, tight.ArchiveDir, state)

	d.LimitConnections(t, 2)
	opts.ArchiveDir = tempArchive(t)
	info := &notices{kind: progress.Info}
	opts.Progress = info.sink
	sum, err = backup.Run(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() against a 2-connection Dovecot = %v, failures %v", err, sum.Failures)
	}
	// Dovecot counts the connections of a user after login, a little
	// late: a third that logs in at the same moment may pass, and on a
	// busy machine all four may (nothing to lower then: its log shows no
	// refusal). Whenever it refused one, the run says it goes on with
	// fewer. (The lowering itself is pinned without a race by
	// TestServerAllowsTwoConnections.)
	refused := strings.Contains(d.Log(), "Maximum number of connections")
	fewer := strings.Contains(info.all(), "going on with 2") || strings.Contains(info.all(), "going on with 3")
	if refused && !fewer {
		t.Errorf("Dovecot refused a connection, but the notices %q do not say the run goes on with fewer", info.all())
	}
	if !refused && !fewer {
		t.Logf("Dovecot let all four connections in at once: nothing to lower this time")
	}
	checkArchive(t, opts.ArchiveDir, state)
}

// TestRefusedExamineAhead: the server refuses the EXAMINE a connection
// sent ahead, behind a UID FETCH in flight, with the next folder's UID
// FETCHes behind it. The server is still in the folder before, and
// answers those with that folder's messages: none may be stored as the
// next folder's. The session stops; the next one (or the next run) saves
// everything.
func TestRefusedExamineAhead(t *testing.T) {
	srv := testimap.Start(t, nil)
	state := serverState(t, srv.Client(t))
	// Whether an EXAMINE goes out while the answer before it still comes
	// is a race with the in-memory server, which answers at once: on a
	// busy machine every answer can be in first (CI once saw no EXAMINE
	// ahead in a whole run). So a run through a counting proxy finds which
	// command was an EXAMINE sent ahead, a second run's proxy refuses that
	// one, and the test checks that what it refused was such an EXAMINE;
	// it tries again (each time checking the archive all the same) when
	// the race went the other way.
	run := func(opts backup.Options) (backup.Summary, error) {
		sum, err := backup.Run(context.Background(), opts)
		if err != nil || !sum.OK() {
			sum, err = backup.Run(context.Background(), opts)
		}
		return sum, err
	}
	const tries = 5
	for try := 1; try <= tries; try++ {
		clean := testimap.StartProxy(t, srv.Addr, testimap.Counting)
		opts := options(srv, tempArchive(t))
		opts.Conn.Port, opts.Connections, opts.FetchChunk = clean.Port, 1, 10
		if _, err := backup.Run(context.Background(), opts); err != nil {
			t.Fatalf("clean Run() = %v", err)
		}
		// The plan's first EXAMINE and the fetch's first go out alone; the
		// next one sent behind a command in flight is sent ahead.
		alone, ahead := 0, 0
		for i, s := range clean.Sent() {
			if s.Command != "EXAMINE" {
				continue
			}
			if s.InFlight == 0 {
				alone++
			} else if alone >= 2 {
				ahead = i + 1 // RefuseCommand counts from 1
				break
			}
		}
		if ahead == 0 {
			t.Logf("try %d: no EXAMINE went out ahead: %+v", try, clean.Sent())
			continue
		}
		proxy := testimap.StartProxy(t, srv.Addr, testimap.FirstConns(1, testimap.Fault{RefuseCommand: ahead}))
		opts = options(srv, tempArchive(t))
		opts.Conn.Port, opts.Connections, opts.FetchChunk = proxy.Port, 1, 10
		sum, err := run(opts)
		if err != nil || !sum.OK() {
			t.Fatalf("Run() after the refusal, and again = %v", err)
		}
		checkArchive(t, opts.ArchiveDir, state)
		if t.Failed() {
			t.Fatalf("try %d: the archive is wrong after command %d, %+v, was refused; the first connection sent %+v", try, ahead, proxy.RefusedCommands(), proxy.Sent())
		}
		if proxy.Refused() > 1 {
			t.Fatalf("%d commands refused, want one", proxy.Refused())
		}
		if proxy.Refused() == 0 {
			t.Logf("try %d: this run sent fewer than %d commands", try, ahead)
			continue
		}
		if rc := proxy.RefusedCommands()[0]; rc.Command != "EXAMINE" || rc.InFlight == 0 {
			t.Logf("try %d: the command refused was %+v, not an EXAMINE sent ahead", try, rc)
			continue
		}
		return
	}
	t.Fatalf("in %d tries no EXAMINE sent ahead was refused", tries)
}
