package backup_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/testimap"
)

func TestBackupDemoAccount(t *testing.T) {
	srv := testimap.Start(t, nil)
	before := serverState(t, srv.Client(t))
	dir := tempArchive(t)
	var events, notices atomic.Int64
	opts := options(srv, dir)
	opts.Progress = func(e progress.Event) {
		if e.Kind == progress.Notice {
			notices.Add(1)
		} else {
			events.Add(1)
		}
	}
	sum, err := backup.Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("Run() = %v", err)
	}
	acct := demo.OldProvider()
	if sum.New != int64(acct.MessageCount()) || sum.Total != sum.New || !sum.OK() {
		t.Errorf("Run() summary: new %d, total %d, failures %v; want %d new", sum.New, sum.Total, sum.Failures, acct.MessageCount())
	}
	if events.Load() == 0 || notices.Load() == 0 {
		t.Errorf("progress: %d status events, %d notices; want some of each", events.Load(), notices.Load())
	}
	if n := checkArchive(t, dir, before); n != acct.MessageCount() {
		t.Errorf("checked %d messages, want %d", n, acct.MessageCount())
	}
	// The server was only read: no flag changed (BODY.PEEK, EXAMINE).
	after := serverState(t, srv.Client(t))
	for name, msgs := range before {
		for uid, m := range msgs {
			if !sameFlags(m.Flags, after[name][uid].Flags) {
				t.Errorf("%s uid %d: flags changed on the server from %v to %v", name, uid, m.Flags, after[name][uid].Flags)
			}
		}
	}
	// Roles from names where the server (imapmemserver) announces none.
	roles := map[string]string{}
	for _, f := range sum.Folders {
		roles[f.Name] = f.Role
	}
	for name, want := range map[string]string{"INBOX": "inbox", "Sent": "sent", "Drafts": "drafts", "Trash": "trash", "Junk": "junk", "取引先": ""} {
		if roles[name] != want {
			t.Errorf("role of %s = %q, want %q", name, roles[name], want)
		}
	}
}

// A message's buffer goes back for the next message only once nothing
// reads it (the parser, the mbox file, SQLite). Buffers given back are
// poisoned in the tests (TestMain), and with an in-flight budget of a few
// messages over four connections buffers go round many times: a message
// read after its buffer was given back would be archived wrong.
func TestMessageBuffersAreGivenBackOnlyWhenWritten(t *testing.T) {
	srv := testimap.Start(t, nil)
	state := serverState(t, srv.Client(t))
	dir := tempArchive(t)
	opts := options(srv, dir)
	opts.Connections = 4
	opts.SpoolBytes = 256 << 10
	opts.InFlightBytes = 512 << 10
	opts.BatchMessages = 7 // batches commit while others fill
	sum, err := backup.Run(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v, failures %v", err, sum.Failures)
	}
	if n := checkArchive(t, dir, state); n != demo.OldProvider().MessageCount() {
		t.Errorf("checked %d messages, want %d", n, demo.OldProvider().MessageCount())
	}
}

func TestRerunFetchesOnlyWhatIsNew(t *testing.T) {
	srv := testimap.Start(t, nil)
	dir := tempArchive(t)
	ctx := context.Background()
	if _, err := backup.Run(ctx, options(srv, dir)); err != nil {
		t.Fatal(err)
	}
	sum, err := backup.Run(ctx, options(srv, dir))
	if err != nil || sum.New != 0 {
		t.Fatalf("rerun: %d new, %v; want 0 new", sum.New, err)
	}
	srv.AppendMessage("取引先", []byte("Subject: new\r\n\r\nhello\r\n"), []string{`\Flagged`}, time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC))
	srv.AppendMessage("INBOX", []byte("Subject: newer\r\n\r\nhi\r\n"), nil, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	sum, err = backup.Run(ctx, options(srv, dir))
	if err != nil || sum.New != 2 {
		t.Fatalf("after two arrivals: %d new, %v; want 2", sum.New, err)
	}
	checkArchive(t, dir, serverState(t, srv.Client(t)))
}

func TestUIDValidityChangeStartsAFreshCopy(t *testing.T) {
	srv := testimap.Start(t, nil)
	dir := tempArchive(t)
	ctx := context.Background()
	if _, err := backup.Run(ctx, options(srv, dir)); err != nil {
		t.Fatal(err)
	}
	srv.RecreateFolder("Junk")
	srv.AppendMessage("Junk", []byte("Subject: after\r\n\r\nx\r\n"), nil, time.Now())
	sum, err := backup.Run(ctx, options(srv, dir))
	if err != nil {
		t.Fatal(err)
	}
	var junk backup.FolderSummary
	for _, f := range sum.Folders {
		if f.Name == "Junk" {
			junk = f
		}
	}
	if !junk.NewGeneration || junk.New != 1 || junk.Archived != 1 {
		t.Errorf("Junk after UIDVALIDITY change: %+v", junk)
	}
	a, _ := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	defer a.Close()
	stats, _ := a.Stats(ctx)
	var old int64
	for _, s := range stats {
		if s.Folder.Name == "Junk" && !s.Folder.Current {
			old = s.Messages
		}
	}
	if want := int64(len(demo.OldProvider().Folder("Junk").Messages)); old != want {
		t.Errorf("old Junk generation keeps %d messages, want %d", old, want)
	}
	checkArchive(t, dir, serverState(t, srv.Client(t)))
}

func TestDroppedConnectionsAreRetried(t *testing.T) {
	srv := testimap.Start(t, nil)
	// The first three connections are cut at different points of the
	// transfer; later ones work.
	proxy := testimap.StartProxy(t, srv.Addr, testimap.PerConn(
		testimap.Fault{CutDownAfter: 40_000}, testimap.Fault{CutDownAfter: 900_000, Reset: true}, testimap.Fault{CutDownAfter: 3_500_000}))
	opts := options(srv, tempArchive(t))
	opts.Conn.Port = proxy.Port
	opts.BatchMessages = 50
	opts.Connections = 1 // the cuts and retries are counted connection by connection
	var retries atomic.Int64
	opts.Progress = func(e progress.Event) {
		if e.Kind == progress.Notice && e.Notice.Kind == progress.Retrying {
			retries.Add(1)
		}
	}
	sum, err := backup.Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("Run() through a cutting proxy = %v", err)
	}
	if sum.Retries != 3 || retries.Load() != 3 || proxy.Cuts() != 3 {
		t.Errorf("retries %d (notices %d), cuts %d; want 3", sum.Retries, retries.Load(), proxy.Cuts())
	}
	checkArchive(t, opts.ArchiveDir, serverState(t, srv.Client(t)))
}

func TestGivesUpWhenTheServerStaysAway(t *testing.T) {
	srv := testimap.Start(t, nil)
	proxy := testimap.StartProxy(t, srv.Addr, func(n int) testimap.Fault {
		if n == 0 {
			return testimap.Fault{CutDownAfter: 200_000}
		}
		return testimap.Fault{CutDownAfter: 1} // every reconnect dies at once
	})
	opts := options(srv, tempArchive(t))
	opts.Conn.Port = proxy.Port
	opts.Retries = 3
	sum, err := backup.Run(context.Background(), opts)
	if err == nil || sum.Retries != 4 {
		t.Fatalf("Run() = %v after %d retries; want an error after 4", err, sum.Retries)
	}
	if k := mailerr.KindOf(err); k.Class() != mailerr.Transient && k != mailerr.NotIMAP {
		t.Errorf("error kind = %v, want a connection kind", k)
	}
	// What was saved before the trouble is intact and resumable.
	sum, err = backup.Run(context.Background(), options(srv, opts.ArchiveDir))
	if err != nil || sum.Total != int64(demo.OldProvider().MessageCount()) {
		t.Fatalf("resume: total %d, %v", sum.Total, err)
	}
	checkArchive(t, opts.ArchiveDir, serverState(t, srv.Client(t)))
}

func TestCancelledRunResumes(t *testing.T) {
	srv := testimap.Start(t, nil)
	dir := tempArchive(t)
	for _, stopAt := range []int64{1, 57, 300} {
		t.Run(fmt.Sprint("after ", stopAt), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			opts := options(srv, dir)
			opts.BatchMessages = 20
			opts.Progress = func(e progress.Event) {
				if e.Done >= stopAt {
					cancel()
				}
			}
			_, err := backup.Run(ctx, opts)
			cancel()
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled Run() = %v, want context.Canceled", err)
			}
		})
	}
	sum, err := backup.Run(context.Background(), options(srv, dir))
	if err != nil || !sum.OK() {
		t.Fatalf("final Run() = %v", err)
	}
	checkArchive(t, dir, serverState(t, srv.Client(t)))
}

func TestAnotherAccountIsRefused(t *testing.T) {
	srv := testimap.Start(t, nil)
	dir := tempArchive(t)
	if _, err := backup.Run(context.Background(), options(srv, dir)); err != nil {
		t.Fatal(err)
	}
	opts := options(srv, dir)
	opts.Conn.User = "someone-else@old-isp.example"
	_, err := backup.Run(context.Background(), opts)
	if mailerr.KindOf(err) != mailerr.BadInput {
		t.Fatalf("Run() with another account = %v, want BadInput", err)
	}
}

func TestUndeliverableMessageIsRecordedAndRetried(t *testing.T) {
	srv := testimap.Start(t, nil)
	bad := map[imap.UID]bool{7: true, 8: true}
	var broken atomic.Bool
	broken.Store(true)
	port := srv.ServeWrapped(t, func(sess imapserver.SessionIMAP4rev2) imapserver.Session {
		if broken.Load() {
			return &testimap.FailingSession{SessionIMAP4rev2: sess, Folder: "INBOX", Bad: bad}
		}
		return sess
	})
	o := options(srv, tempArchive(t))
	o.Conn.Port = port
	sum, err := backup.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if len(sum.Failures) != 2 || sum.OK() {
		t.Fatalf("failures = %+v, want uid 7 and 8 of INBOX", sum.Failures)
	}
	for _, f := range sum.Failures {
		if f.FolderName != "INBOX" || !bad[imap.UID(f.UID)] || f.Reason == "" {
			t.Errorf("failure %+v", f)
		}
	}
	if want := int64(demo.OldProvider().MessageCount() - 2); sum.Total != want {
		t.Errorf("saved %d, want %d (everything else)", sum.Total, want)
	}
	// The server is repaired: the next run fetches exactly those two.
	broken.Store(false)
	sum, err = backup.Run(context.Background(), o)
	if err != nil || sum.New != 2 || !sum.OK() {
		t.Fatalf("retry run: new %d, failures %v, err %v", sum.New, sum.Failures, err)
	}
	checkArchive(t, o.ArchiveDir, serverState(t, srv.Client(t)))
}

// A message larger than a piece (256 KiB) is read into several buffers
// and written from them to the mbox file and SQLite in place: every byte
// lands, and a "From " line that starts just before or at a piece's end,
// or after a run of '>' that crosses it, is quoted in the mbox file as in
// one buffer (the mbox file is read back and compared too).
func TestMessagesInPiecesAreStoredByteExact(t *testing.T) {
	const piece = 256 << 10
	srv := testimap.Start(t, nil)
	srv.CreateFolder("Large")
	date := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	// body returns a message of size bytes whose lines are filler, with
	// text written at each of the given offsets.
	body := func(size int, at map[int]string) []byte {
		b := []byte(fmt.Sprintf("Subject: %d bytes\r\nFrom: a@example.com\r\n\r\n", size))
		for len(b) < size {
			b = append(b, "filler line of a large message\r\n"...)
		}
		b = b[:size]
		for off, s := range at {
			copy(b[off:], s)
		}
		return b
	}
	for _, m := range []struct {
		size int
		at   map[int]string
	}{
		{piece + 1, map[int]string{piece - 1: "\n"}},
		{piece + 5, map[int]string{piece - 1: "\nFrom x"}},
		{2*piece + 100, map[int]string{piece - 3: "\nFrom y", 2*piece - 4: "\n>>>>From z"}},
		{3*piece + 7, map[int]string{piece - 1: "\n>>", 2*piece - 2: "\nFr", 3*piece - 1: "\nFrom "}},
		{5*piece - 1, map[int]string{piece: "From first", 4*piece - 5: "\nFrom\n"}},
		{1_300_000, nil},
	} {
		srv.AppendMessage("Large", body(m.size, m.at), []string{`\Seen`}, date)
	}
	state := serverState(t, srv.Client(t))
	dir := tempArchive(t)
	opts := options(srv, dir)
	opts.Connections = 1 // every message for the unit the writer waits for: never to a file
	sum, err := backup.Run(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("Run() = %v, failures %v", err, sum.Failures)
	}
	if sum.SpooledAheadBytes != 0 {
		t.Fatalf("%d bytes spooled ahead, want every message in memory", sum.SpooledAheadBytes)
	}
	if n := checkArchive(t, dir, state); n != demo.OldProvider().MessageCount()+6 {
		t.Errorf("checked %d messages, want %d", n, demo.OldProvider().MessageCount()+6)
	}
	// Our reader takes only a whole separator line for one; other readers
	// take any line that starts with "From ": each must be a separator.
	a := archivetest.Open(t, dir)
	defer a.Close()
	f, err := a.Folder(context.Background(), "Large")
	if err != nil || f == nil {
		t.Fatalf("folder Large: %v", err)
	}
	file, err := os.ReadFile(a.Path(f.MboxPath))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(append([]byte("\n"), file...), []byte("\nFrom ")); n != 6 {
		t.Errorf("the mbox file has %d lines that start with \"From \", want 6 (one per message)", n)
	}
}
