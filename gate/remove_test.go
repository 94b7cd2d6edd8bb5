package gate_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/mailerr"
)

// recordingSession records, on the server's side, every command that can
// delete: STORE (with its UID or sequence set) and EXPUNGE (with its UID
// set, or "all" for a plain EXPUNGE and for CLOSE).
type recordingSession struct {
	imapserver.SessionIMAP4rev2
	log     *commandLog
	current string
}

type commandLog struct {
	mu    sync.Mutex
	lines []string
	// checks also records SELECT, EXAMINE and every UID FETCH of message
	// data, to see what removal checked before deleting.
	checks atomic.Bool
}

func (l *commandLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *commandLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func (s *recordingSession) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	s.current = mailbox
	if s.log.checks.Load() {
		kind := "SELECT"
		if options != nil && options.ReadOnly {
			kind = "EXAMINE"
		}
		s.log.add("%s %s", kind, mailbox)
	}
	return s.SessionIMAP4rev2.Select(mailbox, options)
}

func (s *recordingSession) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	if _, ok := numSet.(imap.UIDSet); ok && s.log.checks.Load() && len(options.BodySection) > 0 {
		part := "BODY[]"
		if options.BodySection[0].Specifier == imap.PartSpecifierHeader {
			part = "BODY[HEADER]"
		}
		s.log.add("UID FETCH %s %s %s size=%v date=%v", s.current, numSet, part, options.RFC822Size, options.InternalDate)
	}
	return s.SessionIMAP4rev2.Fetch(w, numSet, options)
}

func (s *recordingSession) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, options *imap.StoreOptions) error {
	kind := "STORE"
	if _, ok := numSet.(imap.UIDSet); ok {
		kind = "UID STORE"
	}
	s.log.add("%s %s %s op=%d silent=%v %v", kind, s.current, numSet, flags.Op, flags.Silent, flags.Flags)
	return s.SessionIMAP4rev2.Store(w, numSet, flags, options)
}

func (s *recordingSession) Expunge(w *imapserver.ExpungeWriter, uids *imap.UIDSet) error {
	if uids == nil {
		s.log.add("EXPUNGE %s all", s.current)
	} else {
		s.log.add("UID EXPUNGE %s %s", s.current, *uids)
	}
	return s.SessionIMAP4rev2.Expunge(w, uids)
}

// recordDeletions serves e's account through a recordingSession.
func recordDeletions(t testing.TB, e *env) *commandLog {
	log := &commandLog{}
	e.conn.Port = e.srv.ServeWith(t, func(o *imapserver.Options) {
		newSession := o.NewSession
		o.NewSession = func(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			s, g, err := newSession(c)
			return &recordingSession{SessionIMAP4rev2: s.(imapserver.SessionIMAP4rev2), log: log}, g, err
		}
	})
	return log
}

func (e *env) removeOpts(del bool, typed string) gate.RemoveOptions {
	return gate.RemoveOptions{Conn: e.conn, ArchiveDir: e.dir, DeleteFromServer: del, Now: e.clk.Now,
		Confirm: func(account string, n int64) (string, error) { return typed, nil }}
}

func (e *env) removedAt() string {
	e.t.Helper()
	v, err := e.archive().Meta(context.Background(), "account_removed_at")
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func sameCounts(t testing.TB, before, after map[string]uint32) {
	t.Helper()
	for name, n := range before {
		if after[name] != n {
			t.Errorf("%s: %d messages on the server, had %d: something was deleted", name, after[name], n)
		}
	}
}

func TestRemoveRefusesAClosedGate(t *testing.T) {
	e := newEnv(t)
	e.backup()
	e.verify(false) // the address book was never exported
	before := serverCounts(t, e.srv)
	forgot := false
	opts := e.removeOpts(true, e.srv.User)
	opts.Forget = func(context.Context, gate.Account) error { forgot = true; return nil }
	res, err := gate.Remove(context.Background(), opts)
	if !errors.Is(err, gate.ErrGateClosed) || mailerr.KindOf(err) != mailerr.GateClosed {
		t.Fatalf("Remove() through a closed gate = %v, want ErrGateClosed", err)
	}
	closedBy(t, res.Verdict, gate.CondContactsExported, "never", "", "", 0)
	if forgot || res.Messages != 0 || e.removedAt() != "" {
		t.Errorf("a refused Remove() forgot %v, deleted %d, removed_at %q", forgot, res.Messages, e.removedAt())
	}
	sameCounts(t, before, serverCounts(t, e.srv))
}

// TestRemoveDeletesExactlyTheVerifiedUIDs: every verified UID goes, by
// UID STORE +FLAGS.SILENT (\Deleted) and UID EXPUNGE of exactly the
// verified set; folders stay; nothing is sent that could remove anything
// else (EXPUNGE, CLOSE), as the server saw it.
func TestRemoveDeletesExactlyTheVerifiedUIDs(t *testing.T) {
	e := newEnv(t)
	log := recordDeletions(t, e)
	e.backup()
	e.export()
	e.verify(false)
	if len(log.all()) != 0 {
		t.Fatalf("backup and verify sent %v", log.all())
	}
	var asked int64
	opts := e.removeOpts(true, "")
	opts.Confirm = func(account string, n int64) (string, error) {
		if account != e.srv.User {
			t.Errorf("Confirm() asked for %q, want %q", account, e.srv.User)
		}
		asked = n
		return " " + e.srv.User + "\n", nil
	}
	var forgotten gate.Account
	opts.Forget = func(_ context.Context, a gate.Account) error { forgotten = a; return nil }
	res, err := gate.Remove(context.Background(), opts)
	if err != nil {
		t.Fatalf("Remove() = %v", err)
	}
	if asked != 615 || res.Messages != 615 || len(res.Deleted) != 9 {
		t.Fatalf("asked about %d, deleted %d in %d folders; want 615 in 9", asked, res.Messages, len(res.Deleted))
	}
	if !res.Forgotten || forgotten.User != e.srv.User || e.removedAt() == "" {
		t.Errorf("Forget got %+v, result forgotten %v, removed_at %q", forgotten, res.Forgotten, e.removedAt())
	}
	counts := serverCounts(t, e.srv)
	if len(counts) != 9 {
		t.Errorf("%d folders on the server after removal, want all 9 kept", len(counts))
	}
	for name, n := range counts {
		if n != 0 {
			t.Errorf("%s: %d messages left", name, n)
		}
	}
	want := map[string]bool{
		`UID STORE INBOX 1:248 op=1 silent=true [\Deleted]`: true,
		`UID EXPUNGE INBOX 1:248`:                           true,
		`UID STORE 取引先/見積 1:25 op=1 silent=true [\Deleted]`: true,
		`UID EXPUNGE 取引先/見積 1:25`:                           true,
	}
	var stores, expunges int
	for _, line := range log.all() {
		delete(want, line)
		switch {
		case strings.HasPrefix(line, "UID STORE "):
			stores++
		case strings.HasPrefix(line, "UID EXPUNGE "):
			expunges++
		default:
			t.Errorf("removal sent %q", line)
		}
	}
	if stores != 9 || expunges != 9 || len(want) != 0 {
		t.Errorf("%d UID STORE and %d UID EXPUNGE (want 9 each); missing %v; all: %v", stores, expunges, want, log.all())
	}
}

func TestRemoveWithoutDeletingForgetsOnly(t *testing.T) {
	e := ready(t)
	before := serverCounts(t, e.srv)
	opts := e.removeOpts(false, "")
	opts.Confirm = func(string, int64) (string, error) {
		t.Error("Confirm() asked without --delete-from-server")
		return "", nil
	}
	forgot := false
	opts.Forget = func(context.Context, gate.Account) error { forgot = true; return nil }
	res, err := gate.Remove(context.Background(), opts)
	if err != nil || !forgot || res.Messages != 0 || e.removedAt() == "" {
		t.Fatalf("Remove() = %v; forgot %v, deleted %d, removed_at %q", err, forgot, res.Messages, e.removedAt())
	}
	sameCounts(t, before, serverCounts(t, e.srv))
}

func TestRemoveWrongConfirmationDeletesNothing(t *testing.T) {
	for name, typed := range map[string]string{"nothing": "", "yes": "yes", "upper case": "DEMO@old-isp.example",
		"one letter short": "demo@old-isp.exampl", "longer": "demo@old-isp.example.evil"} {
		// Named cases: a subtest named "" gets "#00" in its temporary
		// folder, and archive.Open cannot open a path with '#' (see the note
		// on uriPath in internal/archive/verify.go).
		t.Run(name, func(t *testing.T) {
			e := ready(t)
			before := serverCounts(t, e.srv)
			forgot := false
			opts := e.removeOpts(true, typed)
			opts.Forget = func(context.Context, gate.Account) error { forgot = true; return nil }
			res, err := gate.Remove(context.Background(), opts)
			if !errors.Is(err, gate.ErrNotConfirmed) {
				t.Fatalf("Remove() with %q typed = %v, want ErrNotConfirmed", typed, err)
			}
			if forgot || res.Messages != 0 || e.removedAt() != "" {
				t.Errorf("forgot %v, deleted %d, removed_at %q", forgot, res.Messages, e.removedAt())
			}
			sameCounts(t, before, serverCounts(t, e.srv))
		})
	}
	t.Run("no confirm function", func(t *testing.T) {
		e := ready(t)
		opts := e.removeOpts(true, "")
		opts.Confirm = nil
		if _, err := gate.Remove(context.Background(), opts); !errors.Is(err, gate.ErrNotConfirmed) {
			t.Fatalf("Remove() without Confirm = %v, want ErrNotConfirmed", err)
		}
	})
}

// TestRemoveMailArrivingWhileTyping: a message that arrives after the gate
// opened, while the user types the confirmation, stops the removal before
// anything is deleted.
func TestRemoveMailArrivingWhileTyping(t *testing.T) {
	e := ready(t)
	opts := e.removeOpts(true, "")
	var newUID imap.UID
	opts.Confirm = func(string, int64) (string, error) {
		newUID = e.srv.AppendMessage("Sent", []byte("Subject: just now\r\n\r\nx\r\n"), nil, time.Now())
		return e.srv.User, nil
	}
	before := serverCounts(t, e.srv)
	res, err := gate.Remove(context.Background(), opts)
	if !errors.Is(err, gate.ErrGateClosed) {
		t.Fatalf("Remove() with mail arriving = %v, want ErrGateClosed", err)
	}
	closedBy(t, res.Verdict, gate.CondServerUnchanged, "changed", gate.ServerNewMail, "Sent", 0)
	before["Sent"]++
	sameCounts(t, before, serverCounts(t, e.srv))
	if newUID == 0 || res.Messages != 0 {
		t.Errorf("new uid %d, deleted %d", newUID, res.Messages)
	}
}

// TestRemoveClosedGateAfterNewMailDeletesNothing: the message that arrived
// after the verification closes the gate; nothing is deleted, the new one
// included.
func TestRemoveClosedGateAfterNewMailDeletesNothing(t *testing.T) {
	e := ready(t)
	e.srv.AppendMessage("INBOX", []byte("Subject: late\r\n\r\nx\r\n"), nil, time.Now())
	before := serverCounts(t, e.srv)
	res, err := gate.Remove(context.Background(), e.removeOpts(true, e.srv.User))
	if !errors.Is(err, gate.ErrGateClosed) {
		t.Fatalf("Remove() = %v, want ErrGateClosed", err)
	}
	closedBy(t, res.Verdict, gate.CondServerUnchanged, "changed", gate.ServerNewMail, "INBOX", 0)
	sameCounts(t, before, serverCounts(t, e.srv))
}

// TestRemoveRefusesWithoutUIDPlus: without UID EXPUNGE, deleting only the
// verified messages cannot be guaranteed, so nothing is deleted; forgetting
// without deleting still works.
func TestRemoveRefusesWithoutUIDPlus(t *testing.T) {
	e := newEnv(t)
	e.conn.Port = e.srv.ServeWith(t, func(o *imapserver.Options) { o.Caps = imap.CapSet{imap.CapIMAP4rev1: {}} })
	e.backup()
	e.export()
	e.verify(false)
	before := serverCounts(t, e.srv)
	confirmed := false
	opts := e.removeOpts(true, e.srv.User)
	opts.Confirm = func(string, int64) (string, error) { confirmed = true; return e.srv.User, nil }
	_, err := gate.Remove(context.Background(), opts)
	if !errors.Is(err, gate.ErrNoUIDPlus) || mailerr.KindOf(err) != mailerr.ServerError {
		t.Fatalf("Remove() without UIDPLUS = %v, want ErrNoUIDPlus", err)
	}
	if confirmed || e.removedAt() != "" {
		t.Errorf("asked to confirm %v, removed_at %q; want neither", confirmed, e.removedAt())
	}
	sameCounts(t, before, serverCounts(t, e.srv))
	if _, err := gate.Remove(context.Background(), e.removeOpts(false, "")); err != nil {
		t.Errorf("Remove() without deleting, no UIDPLUS = %v", err)
	}
}

// TestRemoveScatteredUIDs: verified UIDs with gaps are deleted in several
// commands of bounded length, and all of them go.
func TestRemoveScatteredUIDs(t *testing.T) {
	defer gate.SetRangesPerCommand(3)()
	e := newEnv(t)
	e.backup()
	var gone []imap.UID
	for uid := imap.UID(2); uid <= 30; uid += 3 {
		gone = append(gone, uid)
	}
	e.srv.ExpungeUID("INBOX", gone...) // archived; gone from the server before the verification
	e.export()
	e.verify(false)
	log := recordDeletions(t, e)
	res, err := gate.Remove(context.Background(), e.removeOpts(true, e.srv.User))
	if err != nil {
		t.Fatalf("Remove() = %v", err)
	}
	if res.Messages != 615-int64(len(gone)) {
		t.Errorf("deleted %d, want %d", res.Messages, 615-len(gone))
	}
	if n := serverCounts(t, e.srv)["INBOX"]; n != 0 {
		t.Errorf("INBOX: %d left", n)
	}
	for _, d := range res.Deleted {
		if d.Folder == "INBOX" && !strings.HasPrefix(d.UIDs, "1,3:4,6:7,") {
			t.Errorf("INBOX verified set %q", d.UIDs)
		}
	}
	var inbox []string
	for _, line := range log.all() {
		if strings.Contains(line, " INBOX ") {
			inbox = append(inbox, line)
		}
	}
	want := []string{
		`UID STORE INBOX 1,3:4,6:7 op=1 silent=true [\Deleted]`, `UID EXPUNGE INBOX 1,3:4,6:7`,
		`UID STORE INBOX 9:10,12:13,15:16 op=1 silent=true [\Deleted]`, `UID EXPUNGE INBOX 9:10,12:13,15:16`,
		`UID STORE INBOX 18:19,21:22,24:25 op=1 silent=true [\Deleted]`, `UID EXPUNGE INBOX 18:19,21:22,24:25`,
		`UID STORE INBOX 27:28,30:248 op=1 silent=true [\Deleted]`, `UID EXPUNGE INBOX 27:28,30:248`,
	}
	if !slices.Equal(inbox, want) {
		t.Errorf("INBOX commands:\n%s\nwant:\n%s", strings.Join(inbox, "\n"), strings.Join(want, "\n"))
	}
}
