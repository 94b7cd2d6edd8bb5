package backup_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/testimap"
)

// watchedSession tells its server of each login and each UID FETCH of
// message bodies; its first EXAMINE can be made to wait for the other
// connections' logins.
type watchedSession struct {
	imapserver.SessionIMAP4rev2
	w       *watch
	fetches [][]imap.UID // its body UID FETCHes (under w.mu)
}

type watch struct {
	mu     sync.Mutex
	logins int
	// examineWaits: the first session's EXAMINEs wait (at most 10 s)
	// until this many sessions logged in; gaveUp is set when they did not.
	examineWaits int
	first        *watchedSession
	gaveUp       bool
	loginsThen   int // when it gave up
	loggedIn     chan struct{}
}

func (s *watchedSession) Login(user, pass string) error {
	if err := s.SessionIMAP4rev2.Login(user, pass); err != nil {
		return err
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	if s.w.first == nil {
		s.w.first = s
	}
	s.w.logins++
	if s.w.logins == s.w.examineWaits {
		close(s.w.loggedIn)
	}
	return nil
}

func (s *watchedSession) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	s.w.mu.Lock()
	wait := s.w.examineWaits > 0 && s == s.w.first && !s.w.gaveUp
	s.w.mu.Unlock()
	if wait {
		select {
		case <-s.w.loggedIn:
		case <-time.After(10 * time.Second):
			s.w.mu.Lock()
			s.w.gaveUp, s.w.loginsThen = true, s.w.logins
			s.w.mu.Unlock()
		}
	}
	return s.SessionIMAP4rev2.Select(mailbox, options)
}

func (s *watchedSession) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	if uids, ok := numSet.(imap.UIDSet); ok && len(options.BodySection) > 0 {
		var list []imap.UID
		for _, r := range uids {
			for uid := r.Start; uid <= r.Stop; uid++ {
				list = append(list, uid)
			}
		}
		s.w.mu.Lock()
		s.fetches = append(s.fetches, list)
		s.w.mu.Unlock()
	}
	return s.SessionIMAP4rev2.Fetch(w, numSet, options)
}

func serveWatched(t *testing.T, srv *testimap.Server, w *watch) int {
	w.loggedIn = make(chan struct{})
	return srv.ServeWrapped(t, func(s imapserver.SessionIMAP4rev2) imapserver.Session {
		return &watchedSession{SessionIMAP4rev2: s, w: w}
	})
}

// TestLargeMessageFetchedFirst: a message far larger than the others is
// the first one asked for, on a connection of its own, so that it does not
// keep one connection busy long after the others ran out of work; the
// archive still holds every message once, in UID order.
func TestLargeMessageFetchedFirst(t *testing.T) {
	srv := testimap.Start(t, nil)
	big := append([]byte("From: a@example.com\r\nSubject: large\r\n\r\n"), bytes.Repeat([]byte("0123456789abcdef\r\n"), 200000)...)
	uid := srv.AppendMessage("INBOX", big, nil, time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC))
	state := serverState(t, srv.Client(t))
	w := &watch{}
	opts := options(srv, tempArchive(t))
	opts.Conn.Port = serveWatched(t, srv, w)
	opts.Connections = 2
	opts.FetchChunk = 20
	sum, err := backup.Run(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v, failures %v", err, sum.Failures)
	}
	// The planning connection (the first to log in) takes the first unit
	// before any other connection may.
	var first []imap.UID
	if w.first != nil && len(w.first.fetches) > 0 {
		first = w.first.fetches[0]
	}
	if len(first) != 1 || first[0] != uid {
		t.Errorf("the first UID FETCH asked for %v, want the large message %d alone", first, uid)
	}
	checkArchive(t, opts.ArchiveDir, state)
}

// TestConnectionsOpenedWhilePlanning: the other connections log in while
// the first one plans the folders, not after: each costs the TCP, TLS and
// login round trips, which on a far server would add up before the first
// message. The server holds the planning connection's EXAMINE until all
// four logged in (giving up, once, after 10 s).
func TestConnectionsOpenedWhilePlanning(t *testing.T) {
	srv := testimap.Start(t, nil)
	state := serverState(t, srv.Client(t))
	w := &watch{examineWaits: 4}
	opts := options(srv, tempArchive(t))
	opts.Conn.Port = serveWatched(t, srv, w)
	opts.Connections = 4
	opts.FetchChunk = 10
	sum, err := backup.Run(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v, failures %v", err, sum.Failures)
	}
	if w.gaveUp {
		t.Errorf("only %d connection(s) logged in while the folders were planned, want 4", w.loginsThen)
	}
	checkArchive(t, opts.ArchiveDir, state)
}

// TestPlanSendsExamineAndListingTogether: planning a folder costs one
// round trip, not three, and the folders of a first run are planned side
// by side: the UID FETCH of the sizes (for a folder the
// archive holds nothing of) goes out before the EXAMINE's answer came
// back; on the next run (three folders with a new message), the UID
// SEARCH likewise.
func TestPlanSendsExamineAndListingTogether(t *testing.T) {
	srv := testimap.Start(t, nil)
	// Each EXAMINE answered 20 ms late, so that a command sent without
	// waiting for the answer surely reaches the proxy before it.
	slow := srv.ServeWrapped(t, func(s imapserver.SessionIMAP4rev2) imapserver.Session { return slowExamine{s} })
	proxy := testimap.StartProxy(t, fmt.Sprintf("127.0.0.1:%d", slow), testimap.Counting)
	opts := options(srv, tempArchive(t))
	opts.Conn.Port = proxy.Port
	opts.Connections = 1
	if sum, err := backup.Run(context.Background(), opts); err != nil || !sum.OK() {
		t.Fatalf("Run() = %v", err)
	}
	firstRun := len(proxy.Sent())
	for _, folder := range []string{"INBOX", "Sent", "Drafts"} {
		srv.AppendMessage(folder, []byte("From: a@example.com\r\nSubject: new\r\n\r\nnew\r\n"), nil, time.Now())
	}
	if sum, err := backup.Run(context.Background(), opts); err != nil || sum.New != 3 {
		t.Fatalf("second Run() = %v, %d new", err, sum.New)
	}
	together := map[string]int{}
	sent := proxy.Sent()
	for i := 1; i < len(sent); i++ {
		if sent[i-1].Command == "EXAMINE" && sent[i].Conn == sent[i-1].Conn && sent[i].InFlight > 0 {
			together[sent[i].Command]++
		}
	}
	// Without it none would be: the client would wait for the answer.
	if together["UID FETCH"] < 1 || together["UID SEARCH"] < 1 {
		t.Errorf("commands sent with an EXAMINE in flight: %v; want UID FETCHes of the first run and UID SEARCHes of the second", together)
	}
	// The folders of the first run (none archived yet) go out ahead of
	// each other. On the second, each folder asks the sizes of what is
	// missing after its UID SEARCH: no other folder's EXAMINE may be in
	// flight before that, or the sizes would be asked in the wrong folder.
	// (Fetching, the next folder's EXAMINE goes out behind a UID FETCH of
	// messages in flight: that one is in its own folder.)
	ahead := 0
	for i, s := range sent {
		if s.Command != "EXAMINE" || s.InFlight == 0 {
			continue
		}
		if i < firstRun {
			ahead++
		} else if before := sent[i-1]; before.Conn == s.Conn && before.Command != "UID FETCH" {
			t.Errorf("second run: an EXAMINE went out with %d command(s) in flight, right after a %s", s.InFlight, before.Command)
		}
	}
	if ahead == 0 {
		t.Errorf("first run: no folder's EXAMINE went out ahead of the one before")
	}
}

type slowExamine struct{ imapserver.SessionIMAP4rev2 }

func (s slowExamine) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	time.Sleep(20 * time.Millisecond)
	return s.SessionIMAP4rev2.Select(mailbox, options)
}

// emptyRefuses answers NO to UID FETCH and UID SEARCH in an empty folder,
// as some servers do for "1:*" where there is no message.
type emptyRefuses struct {
	imapserver.SessionIMAP4rev2
	empty bool
}

func (s *emptyRefuses) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	d, err := s.SessionIMAP4rev2.Select(mailbox, options)
	s.empty = err == nil && d.NumMessages == 0
	return d, err
}

var errNoMessages = &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Invalid message set: the mailbox is empty"}

func (s *emptyRefuses) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	if s.empty {
		return errNoMessages
	}
	return s.SessionIMAP4rev2.Fetch(w, numSet, options)
}

func (s *emptyRefuses) Search(kind imapserver.NumKind, criteria *imap.SearchCriteria, options *imap.SearchOptions) (*imap.SearchData, error) {
	if s.empty {
		return nil, errNoMessages
	}
	return s.SessionIMAP4rev2.Search(kind, criteria, options)
}

// TestEmptyFolderListingRefused: a server that refuses to list an empty
// folder (NO to UID FETCH 1:* or UID SEARCH there) does not make the folder
// fail, in the plan (first run and later runs) or in the survey.
func TestEmptyFolderListingRefused(t *testing.T) {
	srv := testimap.Start(t, nil)
	srv.CreateFolder("Empty")
	state := serverState(t, srv.Client(t))
	opts := options(srv, tempArchive(t))
	opts.Conn.Port = srv.ServeWrapped(t, func(s imapserver.SessionIMAP4rev2) imapserver.Session { return &emptyRefuses{SessionIMAP4rev2: s} })
	for run := 1; run <= 2; run++ {
		if run == 2 {
			// Empty's UIDNEXT moves (a message came and went): planned
			// again, by UID SEARCH this time.
			msg := []byte("From: a@example.com\r\nSubject: new\r\n\r\nnew\r\n")
			srv.ExpungeUID("Empty", srv.AppendMessage("Empty", msg, nil, time.Now()))
			srv.AppendMessage("INBOX", msg, nil, time.Now())
			state = serverState(t, srv.Client(t))
		}
		sum, err := backup.Run(context.Background(), opts)
		if err != nil || !sum.OK() || len(sum.FolderErrors) > 0 {
			t.Fatalf("run %d: Run() = %v, failures %v, folders not read %v", run, err, sum.Failures, sum.FolderErrors)
		}
		checkArchive(t, opts.ArchiveDir, state)
	}
	if _, err := backup.Preflight(context.Background(), opts); err != nil {
		t.Fatalf("Preflight() = %v", err)
	}
}

// TestNextFetchGoesOutNearTheEnd: on a slow link a connection sends its
// next UID FETCH once what is left of the one in flight would take about
// two round trips, not as soon as that one went out: taken that early,
// each connection holds two units, and at the end of a run the one that
// took its second far ahead of need fetches alone while the others stand
// idle. It still goes out before the answer ends (pipelined).
func TestNextFetchGoesOutNearTheEnd(t *testing.T) {
	srv := testimap.Start(t, nil)
	line := []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\r\n")
	date := time.Date(2021, 5, 6, 7, 8, 9, 0, time.UTC)
	for i := range 48 {
		raw := fmt.Appendf(nil, "From: a@example.com\r\nSubject: part %d\r\n\r\n", i)
		srv.AppendMessage("INBOX", append(raw, bytes.Repeat(line, 1600)...), nil, date) // 100 KiB
	}
	state := serverState(t, srv.Client(t))
	// Each 32 KiB the proxy forwards waits 2 ms: a link of about 16 MB/s
	// whose round trip is a few milliseconds, so a unit of a megabyte
	// takes many round trips to come.
	proxy := testimap.StartProxy(t, srv.Addr, func(int) testimap.Fault { return testimap.Fault{Delay: 2 * time.Millisecond} })
	opts := options(srv, tempArchive(t))
	opts.Conn.Port = proxy.Port
	opts.Connections = 1
	type claim struct {
		got, of  int64
		answered bool
	}
	var mu sync.Mutex
	var claims []claim
	backup.WatchPipelining(t, func(got, of int64, answered bool) {
		mu.Lock()
		claims = append(claims, claim{got, of, answered})
		mu.Unlock()
	})
	sum, err := backup.Run(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v, failures %v", err, sum.Failures)
	}
	checkArchive(t, opts.ArchiveDir, state)
	// The summary says what the connections delivered while the run
	// waited for them (the rule for spooling ahead uses it).
	if sum.LinkRate <= 0 {
		t.Errorf("Summary.LinkRate = %v after %d bytes: the link's rate was not measured", sum.LinkRate, sum.NewBytes)
	}
	mu.Lock()
	defer mu.Unlock()
	large, early, pipelined := 0, 0, 0
	for _, c := range claims {
		if c.of < 1<<20 {
			continue // small enough to send the next at once
		}
		large++
		if !c.answered {
			pipelined++
		}
		if c.got < c.of/2 {
			early++
			t.Errorf("the next UID FETCH went out with %d of %d bytes of the one in flight received", c.got, c.of)
		}
	}
	if large < 2 {
		t.Fatalf("%d units of a megabyte or more went out with another behind them (%v): the test measures nothing", large, claims)
	}
	if pipelined == 0 {
		t.Errorf("every next UID FETCH waited for the answer before it to end: not pipelined")
	}
}
