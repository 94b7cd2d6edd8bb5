package gate_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/mailerr"
)

// The archive tampered with after a green verification, the ways that
// slipped past the gate before (issue 13 item 8): removal deletes nothing.

// tallyRefusal counts a refused hostile case in the reliability tally: a bad
// input, and the server's messages checked for loss.
func tallyRefusal(before, after map[string]uint32) {
	tally.BadInputs.Add(1)
	for name, n := range before {
		tally.Checked.Add(int64(n))
		if after[name] < n {
			tally.Lost.Add(int64(n - after[name]))
		}
	}
}

// execArchive runs SQL on e's archive as anyone with sqlite3 could.
func execArchive(t testing.TB, e *env, stmts ...string) {
	t.Helper()
	db := archivetest.Tamper(t, e.dir)
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// editMboxKeepingTime changes one letter of the message's mbox entry in
// place and sets the file's times back, so size and mtime say nothing
// changed.
func editMboxKeepingTime(t testing.TB, e *env, folder string, uid uint32) {
	t.Helper()
	f, m := e.storedMessage(folder, uid)
	path := e.archive().Path(f.MboxPath)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	buf := make([]byte, m.MboxLength)
	if _, err := file.ReadAt(buf, m.MboxOffset); err != nil {
		t.Fatal(err)
	}
	i := len(buf) - 1
	for ; i > len(buf)/2 && !(buf[i] >= 'a' && buf[i] <= 'z'); i-- {
	}
	if _, err := file.WriteAt([]byte{buf[i] ^ 0x20}, m.MboxOffset+int64(i)); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	if st2, _ := os.Stat(path); st2.Size() != st.Size() || !st2.ModTime().Equal(st.ModTime()) {
		t.Fatalf("the edit shows: %d bytes %v, was %d bytes %v", st2.Size(), st2.ModTime(), st.Size(), st.ModTime())
	}
}

func TestRemoveRefusesATamperedArchive(t *testing.T) {
	const zeroChunks = `INSERT OR REPLACE INTO message_chunks(message_id, seq, data)
		SELECT c.message_id, c.seq, zeroblob(length(c.data)) FROM message_chunks c JOIN messages m ON m.id = c.message_id
		JOIN folders f ON f.id = m.folder_id WHERE f.name = 'INBOX' AND m.uid = 5`
	cases := []struct {
		name    string
		tamper  func(t *testing.T, e *env)
		gate    bool // the gate sees it; otherwise only the re-hash before deleting does
		wantErr error
	}{
		{"SQLite chunks replaced with zeros", func(t *testing.T, e *env) { execArchive(t, e, zeroChunks) },
			true, gate.ErrGateClosed},
		{"chunks zeroed and mbox edited in place, time restored", func(t *testing.T, e *env) {
			execArchive(t, e, zeroChunks)
			editMboxKeepingTime(t, e, "INBOX", 5)
		}, true, gate.ErrGateClosed},
		{"mbox edited in place, time restored", func(t *testing.T, e *env) { editMboxKeepingTime(t, e, "INBOX", 5) },
			false, gate.ErrArchiveChanged},
		{"triggers dropped, then chunks zeroed", func(t *testing.T, e *env) {
			var drops []string
			for _, tr := range []string{"message_chunks_inserted", "message_chunks_updated", "message_chunks_deleted"} {
				drops = append(drops, "DROP TRIGGER "+tr)
			}
			execArchive(t, e, append(drops, zeroChunks)...)
		}, false, gate.ErrArchiveChanged},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := ready(t)
			c.tamper(t, e)
			if v := e.check(); v.Open == c.gate {
				t.Errorf("Check() after the tampering: open %v, want %v (%v)", v.Open, !c.gate, v.Reasons())
			}
			before := serverCounts(t, e.srv)
			res, err := gate.Remove(context.Background(), e.removeOpts(true, e.srv.User))
			if !errors.Is(err, c.wantErr) || mailerr.KindOf(err) != mailerr.GateClosed {
				t.Fatalf("Remove() = %v, want %v", err, c.wantErr)
			}
			after := serverCounts(t, e.srv)
			tallyRefusal(before, after)
			if res.Messages != 0 || e.removedAt() != "" {
				t.Errorf("deleted %d, removed_at %q; want nothing", res.Messages, e.removedAt())
			}
			sameCounts(t, before, after)
		})
	}
}
