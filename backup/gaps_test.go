package backup_test

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

// TestLeftOutMessageIsAFailure has the server answer UID FETCH with OK but
// leave two of the asked-for messages out. Each is a failure, listed, the
// folder is not marked complete (so LIST-STATUS cannot skip it), the next
// run asks again, and a message the server really expunged meanwhile is
// dropped by the run after, not left as a failure forever.
func TestLeftOutMessageIsAFailure(t *testing.T) {
	srv := testimap.Start(t, nil)
	left := map[imap.UID]bool{3: true, 7: true}
	var broken atomic.Bool
	broken.Store(true)
	port := srv.ServeWrapped(t, func(sess imapserver.SessionIMAP4rev2) imapserver.Session {
		if broken.Load() {
			return &testimap.FailingSession{SessionIMAP4rev2: sess, Folder: "INBOX", Bad: left, Omit: true}
		}
		return sess
	})
	tally.BadInputs.Add(int64(len(left)))
	o := options(srv, tempArchive(t))
	o.Conn.Port = port
	ctx := context.Background()
	all := int64(demo.OldProvider().MessageCount())

	for run := 1; run <= 2; run++ {
		sum, err := backup.Run(ctx, o)
		if err != nil {
			t.Fatalf("run %d: Run() = %v", run, err)
		}
		if sum.OK() || len(sum.Failures) != len(left) {
			t.Fatalf("run %d: failures %+v, want INBOX uid 3 and 7", run, sum.Failures)
		}
		for _, f := range sum.Failures {
			if f.FolderName != "INBOX" || !left[imap.UID(f.UID)] || !strings.Contains(f.Reason, "did not send") {
				t.Errorf("run %d: failure %+v", run, f)
			}
			if f.RunID != sum.RunID {
				t.Errorf("run %d: uid %d failed in run %d, not asked for again in run %d", run, f.UID, f.RunID, sum.RunID)
			}
		}
		if sum.Total != all-2 {
			t.Errorf("run %d: saved %d, want %d", run, sum.Total, all-2)
		}
		for _, f := range sum.Folders {
			if f.Name == "INBOX" && f.Failed != len(left) {
				t.Errorf("run %d: INBOX summary %+v, want 2 failed", run, f)
			}
		}
		a, err := archive.Open(ctx, o.ArchiveDir, archive.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		f, _ := a.Folder(ctx, "INBOX")
		a.Close()
		if f == nil || f.CompleteUIDNext != 0 {
			t.Fatalf("run %d: INBOX marked complete up to %v with messages missing", run, f)
		}
	}

	// The server is repaired, and uid 7 was expunged meanwhile: uid 3 is
	// saved and uid 7 no longer counts as a failure.
	srv.ExpungeUID("INBOX", 7)
	broken.Store(false)
	sum, err := backup.Run(ctx, o)
	if err != nil || !sum.OK() || sum.New != 1 {
		t.Fatalf("repaired run: new %d, failures %+v, err %v; want uid 3 saved and nothing open", sum.New, sum.Failures, err)
	}
	checkArchive(t, o.ArchiveDir, serverState(t, srv.Client(t)))
}

// TestRepeatedUIDIsNotStoredTwice has the server label the body of INBOX
// uid 5 as uid 3 (so uid 3 comes twice, uid 5 never; asked alone, uid 5
// again comes as uid 3, which was not asked for). Uid 3 is stored once with
// its own bytes, uid 5 is a failure, and the run goes on. (go-imap's client
// already passes such answers on as unsolicited; fetchSet drops them too,
// so this holds whatever client is underneath.)
func TestRepeatedUIDIsNotStoredTwice(t *testing.T) {
	srv := testimap.Start(t, nil)
	port := testimap.LineProxy(t, srv.Addr, func(line []byte) []byte {
		if bytes.Contains(line, []byte("BODY[] {")) {
			return bytes.Replace(line, []byte("(UID 5 "), []byte("(UID 3 "), 1)
		}
		return line
	}, nil)
	tally.BadInputs.Add(1)
	o := options(srv, tempArchive(t))
	o.Conn.Port = port
	o.Folders = []string{"INBOX"}
	sum, err := backup.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("Run() = %v", err)
	}
	if len(sum.Failures) != 1 || sum.Failures[0].UID != 5 {
		t.Fatalf("failures %+v, want INBOX uid 5 alone", sum.Failures)
	}
	state := serverState(t, srv.Client(t))
	inbox := state["INBOX"]
	delete(inbox, 5)
	checkArchive(t, o.ArchiveDir, map[string]map[uint32]serverMessage{"INBOX": inbox})
}
