package migrate_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/testimap"
	"github.com/mailark/mailark/migrate"
)

// Copy against a real Dovecot (MAILARK_TEST_DOVECOT=1): two accounts, the
// old one backed up into an archive, the archive copied into the new one.

func TestCopyToDovecot(t *testing.T) {
	d, dir := copyDovecot(t, testimap.DovecotUser{Name: copyNewUser, Password: copyPass})
	ctx := context.Background()
	conn := copyConn(d, copyNewUser)
	want := copyExpected(t, dir, copyWant)

	t.Run("mapping", func(t *testing.T) {
		plan, err := migrate.CopyMapping(ctx, copyOpts(dir, conn))
		if err != nil {
			t.Fatalf("CopyMapping() = %v", err)
		}
		for _, e := range plan {
			if e.Dest != copyWant[e.Folder] {
				t.Errorf("%s → %s (%s), want %s", e.Folder, e.Dest, e.Why, copyWant[e.Folder])
			}
		}
		if got := copyServerState(t, conn); len(got["取引先"]) != 0 || got["取引先"] != nil {
			t.Errorf("CopyMapping() created folders: %v", got)
		}
	})
	t.Run("first run", func(t *testing.T) {
		var folderDone int
		opts := copyOpts(dir, conn)
		opts.InFlight, opts.Connections = 8, 3
		opts.Progress = func(e progress.Event) {
			if e.Step != "copy" {
				t.Errorf("event step %q, want copy", e.Step)
			}
			if e.Notice != nil && e.Notice.Kind == progress.FolderDone {
				folderDone++
			}
		}
		sum, err := migrate.Copy(ctx, opts)
		if err != nil || !sum.OK() {
			t.Fatalf("Copy() = %v, summary %+v", err, sum)
		}
		if sum.Copied != sum.Messages || sum.Messages != 70 || sum.Left != 0 || sum.Found != 0 {
			t.Errorf("Copy() copied %d of %d (found %d, left %d), want all 70", sum.Copied, sum.Messages, sum.Found, sum.Left)
		}
		if folderDone != 9 {
			t.Errorf("%d folder-done notices, want 9 (one per folder with mail)", folderDone)
		}
		copySame(t, copyServerState(t, conn), want)
	})
	t.Run("rerun adds nothing", func(t *testing.T) {
		sum, err := migrate.Copy(ctx, copyOpts(dir, conn))
		if err != nil || sum.Copied != 0 || sum.Found != 0 || sum.Already != 70 || !sum.OK() {
			t.Fatalf("rerun: Copy() = %v, copied %d, found %d, already %d", err, sum.Copied, sum.Found, sum.Already)
		}
		copySame(t, copyServerState(t, conn), want)
	})
	t.Run("records lost in a crash", func(t *testing.T) {
		// As if the run had died between the server's OK and the commit:
		// the mail is there, the records are not. INBOX 7 and 8 are the
		// same bytes; INBOX 4 has no Message-ID.
		lost := copyDB(t, dir, `DELETE FROM copies WHERE uid IN (1, 4, 7, 8, 13) OR dest_folder = 'Sent'`)
		sum, err := migrate.Copy(ctx, copyOpts(dir, conn))
		if err != nil || sum.Copied != 0 || sum.Found != lost || !sum.OK() {
			t.Fatalf("Copy() = %v: copied %d, found %d; want 0 copied, %d found", err, sum.Copied, sum.Found, lost)
		}
		copySame(t, copyServerState(t, conn), want)
	})
	for _, deep := range []bool{false, true} {
		t.Run(fmt.Sprintf("check deep=%v", deep), func(t *testing.T) {
			opts := copyOpts(dir, conn)
			opts.Deep = deep
			res, err := migrate.CheckDestination(ctx, opts)
			if err != nil || !res.OK() || res.Present != 70 {
				t.Fatalf("CheckDestination() = %v: %d present, missing %v", err, res.Present, res.Missing)
			}
		})
	}
	t.Run("check finds what is missing", func(t *testing.T) {
		c, err := imapconn.Dial(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Select("取引先", nil).Wait(); err != nil {
			t.Fatal(err)
		}
		deleted := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
		if err := c.Store(imap.UIDSetNum(2), deleted, nil).Close(); err != nil {
			t.Fatal(err)
		}
		if err := c.UIDExpunge(imap.UIDSetNum(2)).Close(); err != nil {
			t.Fatal(err)
		}
		res, err := migrate.CheckDestination(ctx, copyOpts(dir, conn))
		if err != nil || res.OK() || res.MissingCount != 1 || res.Missing[0].Folder != "取引先" {
			t.Fatalf("CheckDestination() = %v, missing %+v; want 1 in 取引先", err, res.Missing)
		}
	})
}

func TestCopyOverride(t *testing.T) {
	d, dir := copyDovecot(t, testimap.DovecotUser{Name: copyNewUser, Password: copyPass})
	conn := copyConn(d, copyNewUser)
	opts := copyOpts(dir, conn)
	for _, s := range []string{"取引先=Clients/取引先", "Work=Arbeit"} {
		o, err := migrate.ParseMappingOverride(s)
		if err != nil {
			t.Fatal(err)
		}
		opts.Map = append(opts.Map, o)
	}
	sum, err := migrate.Copy(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Copy() = %v", err)
	}
	want := map[string]string{}
	for k, v := range copyWant {
		want[k] = v
	}
	want["取引先"], want["取引先/株式会社ABC"] = "Clients/取引先", "Clients/取引先/株式会社ABC"
	want["Work"], want["Work/Clients"] = "Arbeit", "Arbeit/Clients"
	copySame(t, copyServerState(t, conn), copyExpected(t, dir, want))

	opts.Map = []migrate.MappingOverride{{From: "Nope", To: "X"}}
	if _, err := migrate.CopyMapping(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Errorf("CopyMapping() with an unknown folder = %v, want an error naming it", err)
	}
}

func TestCopyRefusesTheOldAccount(t *testing.T) {
	d, dir := copyDovecot(t)
	_, err := migrate.Copy(context.Background(), copyOpts(dir, copyConn(d, copyOldUser)))
	if err == nil || !strings.Contains(err.Error(), "this archive was made from") {
		t.Fatalf("Copy() into the old account = %v, want a refusal", err)
	}
}

func TestCopyCancelledAndResumed(t *testing.T) {
	d, dir := copyDovecot(t, testimap.DovecotUser{Name: copyNewUser, Password: copyPass})
	conn := copyConn(d, copyNewUser)
	for _, stopAt := range []int64{1, 9, 33, 61} {
		t.Run(fmt.Sprint("after ", stopAt), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opts := copyOpts(dir, conn)
			opts.RecordBatch, opts.Connections = 5, 4
			opts.Progress = func(e progress.Event) {
				if e.Done >= stopAt {
					cancel()
				}
			}
			_, err := migrate.Copy(ctx, opts)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled Copy() = %v, want context.Canceled", err)
			}
		})
	}
	sum, err := migrate.Copy(context.Background(), copyOpts(dir, conn))
	if err != nil || !sum.OK() || sum.Already+sum.Copied+sum.Found != 70 {
		t.Fatalf("final Copy() = %v: %+v", err, sum)
	}
	copySame(t, copyServerState(t, conn), copyExpected(t, dir, copyWant))
}

func TestCopyConnectionCut(t *testing.T) {
	d, dir := copyDovecot(t, testimap.DovecotUser{Name: copyNewUser, Password: copyPass})
	// The first connections break: while messages go up (mid-literal), and
	// while the answers to APPENDs come down (the server has the mail, the
	// client never hears of it).
	proxy := testimap.StartProxy(t, d.PlainAddr(), func(n int) testimap.Fault {
		switch n {
		case 0:
			return testimap.Fault{CutUpAfter: 300 << 10}
		case 1:
			return testimap.Fault{CutDownAfter: 2000, Reset: true}
		case 2:
			return testimap.Fault{CutUpAfter: 150 << 10}
		}
		return testimap.Fault{}
	})
	conn := copyConn(d, copyNewUser)
	conn.Port = proxy.Port
	opts := copyOpts(dir, conn)
	opts.Connections = 2
	// The wait before reconnecting is real, as it is for a user.
	// (TestCopyFindsWhatTheServerStoresLate reconnects at once.)
	opts.Sleep, opts.Backoff = nil, func(int) time.Duration { return 300 * time.Millisecond }
	sum, err := migrate.Copy(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Copy() through a breaking link = %v: %+v", err, sum)
	}
	// Which of the planned faults fire depends on timing (a connection the
	// first cut ends may close before its own fault); at least one must.
	// TestMigrateCutAnywhere places cuts one by one.
	if sum.Retries < 1 || proxy.Cuts() < 1 {
		t.Errorf("%d retries, %d cuts; want the link to have broken", sum.Retries, proxy.Cuts())
	}
	copySame(t, copyServerState(t, copyConn(d, copyNewUser)), copyExpected(t, dir, copyWant))
}

// TestCopyFindsWhatTheServerStoresLate breaks the link with APPENDs in
// flight while the server has not yet stored the ones it had read: it
// gets them only after the client saw the break (testimap.Fault.UpLag),
// and the copy reconnects at once (no wait between attempts). The next
// attempt must find those messages in the new account, not append them
// again.
func TestCopyFindsWhatTheServerStoresLate(t *testing.T) {
	d, dir := smallMessagesDovecot(t)
	proxy := testimap.StartProxy(t, d.PlainAddr(), testimap.FirstConns(1, lateFault))
	conn := copyConn(d, copyNewUser)
	conn.Port = proxy.Port
	opts := copyOpts(dir, conn)
	opts.Connections = 1
	sum, err := migrate.Copy(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Copy() through a breaking link = %v: %+v", err, sum)
	}
	t.Logf("copied %d, found %d, retries %d", sum.Copied, sum.Found, sum.Retries)
	if sum.Retries != 1 || proxy.Cuts() != 1 {
		t.Errorf("%d retries, %d cuts; want the link to break once", sum.Retries, proxy.Cuts())
	}
	if sum.Found == 0 || sum.Copied+sum.Found != sum.Messages {
		t.Errorf("copied %d + found %d of %d; want some found (stored after the break), each counted once",
			sum.Copied, sum.Found, sum.Messages)
	}
	copySame(t, copyServerState(t, copyConn(d, copyNewUser)), copyExpected(t, dir, copyWant))
}

// TestCopyAfterARunThatGaveUp: a run gives up right after its link broke
// with APPENDs in flight (it cannot reconnect), and the next run starts at
// once, as a script that runs the copy until it succeeds would. The server
// stores what it had read after the next run began; that run must not
// append those messages again.
func TestCopyAfterARunThatGaveUp(t *testing.T) {
	d, dir := smallMessagesDovecot(t)
	proxy := testimap.StartProxy(t, d.PlainAddr(), func(n int) testimap.Fault {
		switch {
		case n == 0:
			return lateFault
		case n <= 2:
			return testimap.Fault{CutDownAfter: 1} // cannot reconnect
		}
		return testimap.Fault{}
	})
	conn := copyConn(d, copyNewUser)
	conn.Port = proxy.Port
	opts := copyOpts(dir, conn)
	opts.Connections, opts.Retries = 1, 2
	first, err := migrate.Copy(context.Background(), opts)
	if err == nil || first.Left == 0 {
		t.Fatalf("first Copy() = %v, %d left; want it to give up", err, first.Left)
	}
	sum, err := migrate.Copy(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("second Copy() = %v: %+v", err, sum)
	}
	t.Logf("first run: copied %d; second: already %d, copied %d, found %d", first.Copied, sum.Already, sum.Copied, sum.Found)
	if sum.Already+sum.Copied+sum.Found != sum.Messages {
		t.Errorf("already %d + copied %d + found %d of %d; want each counted once", sum.Already, sum.Copied, sum.Found, sum.Messages)
	}
	copySame(t, copyServerState(t, copyConn(d, copyNewUser)), copyExpected(t, dir, copyWant))
}

// lateFault breaks the link among smallMessagesDovecot's messages, while
// the server gets each byte 300 ms late.
var lateFault = testimap.Fault{CutUpAfter: 60 << 10, UpLag: 300 * time.Millisecond}

// smallMessagesDovecot is an old account of 120 messages of about 1 KB,
// backed up and verified, and an empty new account. Small messages only,
// so that APPENDs are pipelined wherever the link breaks (go-imap sends a
// literal over 4 KiB synchronously).
func smallMessagesDovecot(t *testing.T) (*testimap.Dovecot, string) {
	t.Helper()
	d := testimap.StartDovecot(t, testimap.DovecotUser{Name: copyOldUser, Password: copyPass},
		testimap.DovecotUser{Name: copyNewUser, Password: copyPass})
	msgs := make([]testimap.SeedMessage, 120)
	for i := range msgs {
		raw := fmt.Sprintf("From: Taro Yamada <taro@example.jp>\r\nTo: hanako@old-isp.example\r\n"+
			"Subject: Note %d\r\nDate: Tue, 5 Mar 2024 09:04:11 +0900\r\nMessage-ID: <late-%d@old-isp.example>\r\n\r\n%s",
			i, i, strings.Repeat(fmt.Sprintf("line of note %d\r\n", i), 50))
		msgs[i] = testimap.SeedMessage{Raw: []byte(raw), InternalDate: time.Date(2024, 3, 5, 9, 4, 11, 0, time.UTC).Add(time.Duration(i) * time.Hour)}
	}
	d.Seed(t, copyOldUser, "INBOX", msgs)
	dir := filepath.Join(t.TempDir(), "archive")
	if sum, err := backup.Run(context.Background(), backup.Options{Conn: copyConn(d, copyOldUser), ArchiveDir: dir}); err != nil || !sum.OK() {
		t.Fatalf("backup.Run() = %v, %+v", err, sum.Failures)
	}
	verifyArchive(t, copyConn(d, copyOldUser), dir)
	return d, dir
}

func TestCopyQuota(t *testing.T) {
	const small = "small@new-isp.example"
	d, dir := copyDovecot(t, testimap.DovecotUser{Name: small, Password: copyPass, QuotaBytes: 500 << 10})
	conn := copyConn(d, small)
	for _, run := range []string{"first", "again"} {
		t.Run(run, func(t *testing.T) {
			sum, err := migrate.Copy(context.Background(), copyOpts(dir, conn))
			if !errors.Is(err, migrate.ErrCopyQuota) || sum.Quota == "" {
				t.Fatalf("Copy() into a full account = %v (quota %q), want ErrCopyQuota", err, sum.Quota)
			}
			if !strings.Contains(strings.ToLower(sum.Quota), "quota") || sum.OK() {
				t.Errorf("summary quota %q, OK %v", sum.Quota, sum.OK())
			}
			if sum.Left == 0 || sum.LeftBytes == 0 || sum.Already+sum.Copied+sum.Left != sum.Messages {
				t.Errorf("already %d + copied %d + left %d (%d bytes) != %d", sum.Already, sum.Copied, sum.Left, sum.LeftBytes, sum.Messages)
			}
			if run == "first" && sum.Copied == 0 {
				t.Errorf("nothing copied before the account was full")
			}
			if sum.QuotaLimit != 500<<10 {
				t.Errorf("quota limit %d, want %d", sum.QuotaLimit, 500<<10)
			}
			// What is in the account is exactly what is recorded.
			res, err := migrate.CheckDestination(context.Background(), copyOpts(dir, conn))
			if err != nil || res.MissingCount != sum.Left || res.Present != sum.Messages-sum.Left {
				t.Errorf("CheckDestination() = %v: %d present, %d missing; want %d missing", err, res.Present, res.MissingCount, sum.Left)
			}
			total := 0
			for _, msgs := range copyServerState(t, conn) {
				total += len(msgs)
			}
			if int64(total) != sum.Messages-sum.Left {
				t.Errorf("the account holds %d messages, want %d", total, sum.Messages-sum.Left)
			}
		})
	}
}

// copyRefusingSession is a provider with size limits: it announces
// APPENDLIMIT=limit (and refuses a larger APPEND before its literal with
// [TOOBIG]), and refuses a message over refuse after reading it, in its own
// words.
type copyRefusingSession struct {
	imapserver.SessionIMAP4rev2
	limit  uint32
	refuse int64
}

func (s *copyRefusingSession) AppendLimit() uint32 { return s.limit }

func (s *copyRefusingSession) Append(mailbox string, r imap.LiteralReader, o *imap.AppendOptions) (*imap.AppendData, error) {
	if r.Size() > s.refuse {
		io.Copy(io.Discard, r)
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Message rejected: attachments over 60 KB are not accepted here"}
	}
	return s.SessionIMAP4rev2.Append(mailbox, r, o)
}

func TestCopyRefusedMessages(t *testing.T) {
	dir := memArchive(t)
	const limit, refuse = 300 << 10, 60 << 10
	conn := serveMemDest(t, func(base imapserver.SessionIMAP4rev2) imapserver.Session {
		return &copyRefusingSession{SessionIMAP4rev2: base, limit: limit, refuse: refuse}
	})

	for _, run := range []string{"first", "again"} {
		t.Run(run, func(t *testing.T) {
			sum, err := migrate.Copy(context.Background(), copyOpts(dir, conn))
			if err != nil {
				t.Fatalf("Copy() = %v, want the refusals listed, not an error", err)
			}
			var tooBig, rejected int
			for _, r := range sum.Refused {
				switch {
				case r.Size > limit && strings.Contains(r.Reason, "APPENDLIMIT"):
					tooBig++
				case r.Size > refuse && r.Size <= limit && strings.Contains(r.Reason, "attachments over 60 KB"):
					rejected++
				default:
					t.Errorf("refused %s uid %d (%d bytes): %q", r.Folder, r.UID, r.Size, r.Reason)
				}
			}
			if tooBig == 0 || rejected == 0 {
				t.Fatalf("refused %d too big and %d rejected; the demo account should have both", tooBig, rejected)
			}
			if sum.OK() || sum.Left != int64(len(sum.Refused)) || sum.Already+sum.Copied+sum.Left != sum.Messages {
				t.Errorf("already %d + copied %d + left %d != %d messages (refused %d)", sum.Already, sum.Copied, sum.Left, sum.Messages, len(sum.Refused))
			}
			if run == "again" && sum.Copied != 0 {
				t.Errorf("rerun copied %d messages, want 0", sum.Copied)
			}
			res, err := migrate.CheckDestination(context.Background(), copyOpts(dir, conn))
			if err != nil || res.MissingCount != sum.Left || res.Present != sum.Messages-sum.Left {
				t.Errorf("CheckDestination() = %v: %d present, %d missing, want %d missing", err, res.Present, res.MissingCount, sum.Left)
			}
		})
	}
}

func TestCopyCLI(t *testing.T) {
	const small = "small@new-isp.example"
	d, dir := copyDovecot(t, testimap.DovecotUser{Name: copyNewUser, Password: copyPass},
		testimap.DovecotUser{Name: small, Password: copyPass, QuotaBytes: 300 << 10})
	to := copyCLIConn(d.Host, d.PlainPort, copyNewUser)
	run := func(extra ...string) (int, string, string) {
		return copyCLI(t, append(append([]string{"migrate", "--archive", dir}, to...), extra...)...)
	}
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"show mapping", []string{"--show-mapping", "--map", "Work=Arbeit"}, cli.ExitOK,
			[]string{"送信済みメール", "→  Sent ", "special use \\Sent", "Arbeit (new)", "Arbeit/Clients (new)"}, ""},
		{"bad mapping", []string{"--map", "Work"}, cli.ExitUsage, nil, "OLD=NEW"},
		{"copy", []string{"--quiet"}, cli.ExitOK, []string{"70 message(s) copied", "70 of 70 archived message(s) in the new account", "all 70 message(s) of the old account"}, ""},
		{"rerun", nil, cli.ExitOK, []string{"0 message(s) copied", "70 were there already"}, ""},
		{"check", []string{"--check", "--deep"}, cli.ExitOK, []string{"70 of 70 archived message(s) are in the new account", "byte for byte"}, ""},
		{"verify --destination", []string{"--deep"}, cli.ExitOK, []string{"70 of 70 archived message(s) are in the new account", "byte for byte"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(tt.args...)
			if tt.name == "verify --destination" {
				code, out, errOut = copyCLI(t, append(append([]string{"verify", "--destination", "--archive", dir}, to...), tt.args...)...)
			}
			if code != tt.code || !strings.Contains(errOut, tt.stderr) {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, out, errOut)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
		})
	}
	t.Run("check finds a missing message", func(t *testing.T) {
		copyDB(t, dir, `DELETE FROM copies WHERE dest_folder = 'Work'`)
		c, err := imapconn.Dial(context.Background(), copyConn(d, copyNewUser))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Delete("Work/Clients").Wait(); err != nil {
			t.Fatal(err)
		}
		c.Close()
		code, out, errOut := run("--check")
		if code != cli.ExitFailures || !strings.Contains(out, "MISSING: Work/Clients uid 1") || !strings.Contains(out, "68 of 70") {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("full account", func(t *testing.T) {
		code, out, errOut := copyCLI(t, append([]string{"migrate", "--archive", dir}, copyCLIConn(d.Host, d.PlainPort, small)...)...)
		if code != cli.ExitError || !strings.Contains(errOut, "is full") || !strings.Contains(errOut, "are not copied yet") ||
			!strings.Contains(out, "[OVERQUOTA]") {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
	})
}

// TestCopyChoosesConnections: with Connections 0, a server that answers at
// once gets one connection and a far one (a NOOP of 5 ms or more) four. The
// test sets the round trip, so each path runs whatever the machine's timing.
func TestCopyChoosesConnections(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rtt   time.Duration
		lanes int
	}{
		{"near server: one connection", 0, 1},
		{"far server: four connections", 40 * time.Millisecond, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, dir := copyDovecot(t, testimap.DovecotUser{Name: copyNewUser, Password: copyPass})
			conn := copyConn(d, copyNewUser)
			opts := migrate.WithRoundTrip(copyOpts(dir, conn), tc.rtt)
			sum, err := migrate.Copy(context.Background(), opts)
			if err != nil || !sum.OK() || sum.Copied != sum.Messages {
				t.Fatalf("Copy() = %v, summary %+v", err, sum)
			}
			if sum.Connections != tc.lanes {
				t.Errorf("Copy() used %d connection(s), want %d", sum.Connections, tc.lanes)
			}
			copySame(t, copyServerState(t, conn), copyExpected(t, dir, copyWant))
		})
	}
}
