package gate_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/progress"
)

// serverFlags reads every message's flags, to prove the server was only
// read.
func serverFlags(t testing.TB, c *imapclient.Client) map[string][]string {
	t.Helper()
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, l := range list {
		sel, err := c.Select(l.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil || sel.NumMessages == 0 {
			continue
		}
		msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			var fl []string
			for _, f := range m.Flags {
				fl = append(fl, string(f))
			}
			slices.Sort(fl)
			out[fmt.Sprintf("%s uid %d", l.Mailbox, m.UID)] = fl
		}
	}
	return out
}

func TestVerifyDemoAccount(t *testing.T) {
	for _, deep := range []bool{false, true} {
		name := map[bool]string{false: "shallow", true: "deep"}[deep]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.backup()
			before := serverFlags(t, e.srv.Client(t))
			var mu sync.Mutex
			var last progress.Event
			var statuses, started int
			opts := e.verifyOpts(deep)
			opts.Progress = func(ev progress.Event) {
				mu.Lock()
				defer mu.Unlock()
				if ev.Step != "verify" {
					t.Errorf("event step %q, want verify", ev.Step)
				}
				if ev.Kind == progress.Status {
					statuses++
					last = ev
					if ev.Done > 615 || ev.Total != 615 || ev.FolderDone > ev.FolderTotal || ev.FolderTotal > 249 {
						t.Errorf("progress counts more than the messages there are: %+v", ev)
					}
				} else if ev.Notice.Kind == progress.FolderStarted {
					started++
				}
			}
			res, err := gate.Verify(context.Background(), opts)
			if err != nil {
				t.Fatalf("Verify() = %v", err)
			}
			if !res.OK() || len(res.Notes) != 0 || res.Verified != 615 || res.Messages != 615 || res.Bytes != 9779962 {
				t.Fatalf("Verify() = %d verified of %d (%d bytes), problems %v, notes %v; want 615 of 615, none",
					res.Verified, res.Messages, res.Bytes, res.Problems, res.Notes)
			}
			if len(res.Folders) != 9 {
				t.Errorf("%d folders, want 9", len(res.Folders))
			}
			for _, f := range res.Folders {
				if !f.OnServer || !f.InArchive || !f.Current || int64(f.ServerMessages) != f.Archived || f.Verified != f.Archived ||
					f.ServerBytes != f.ArchivedBytes || f.UIDValidity == 0 || f.ServerUIDNext == 0 {
					t.Errorf("folder %+v: want on the server and archived, all verified", f)
				}
			}
			if statuses == 0 || last.Done != last.Total || last.Bytes != last.TotalBytes || started < 9 {
				t.Errorf("progress: %d status events, last %+v, %d folders started; want a final Done == Total", statuses, last, started)
			}
			// Messages, not checks: mbox, SQLite (and the server) check
			// each message, but 615 messages read 615/615.
			if last.Total != 615 || last.Done != 615 {
				t.Errorf("progress %d/%d, want 615/615", last.Done, last.Total)
			}
			// Stored in the archive.
			got, err := e.archive().LastVerification(context.Background())
			if err != nil || got == nil || got.ID != res.VerificationID || got.Verified != 615 || got.Problems != 0 || got.Deep != deep {
				t.Errorf("LastVerification() = %+v, %v", got, err)
			}
			// The server was only read (EXAMINE, BODY.PEEK).
			after := serverFlags(t, e.srv.Client(t))
			for k, fl := range before {
				if !slices.Equal(fl, after[k]) {
					t.Errorf("flags of %s changed from %v to %v", k, fl, after[k])
				}
			}
		})
	}
}

// rewriteConsistently changes one byte of a message in both SQLite and the
// mbox file, and its stored hash: an archive that agrees with itself but
// not with the server. Only a deep verification can see it.
func rewriteConsistently(t testing.TB, e *env, folder string, uid uint32) {
	t.Helper()
	_, m := e.storedMessage(folder, uid)
	flipMboxByte(t, e, folder, uid)
	ctx := context.Background()
	db := archivetest.Tamper(t, e.dir)
	var data []byte
	if err := db.QueryRowContext(ctx, `SELECT data FROM message_chunks WHERE message_id = ? AND seq = 0`, m.ID).Scan(&data); err != nil {
		t.Fatal(err)
	}
	if int64(len(data)) != m.Size {
		t.Fatalf("%s uid %d has more than one chunk", folder, uid)
	}
	at := bytes.Index(data, []byte("\nSubject: ")) + len("\nSubject: ")
	data[at] ^= 0x01
	sum := sha256.Sum256(data)
	if _, err := db.ExecContext(ctx, `UPDATE message_chunks SET data = ? WHERE message_id = ? AND seq = 0`, data, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE messages SET sha256 = ? WHERE id = ?`, hex.EncodeToString(sum[:]), m.ID); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyDeepComparesBytesWithTheServer(t *testing.T) {
	e := newEnv(t)
	e.backup()
	rewriteConsistently(t, e, "INBOX", 3)
	if res := e.verify(false); !res.OK() {
		t.Fatalf("shallow Verify() = problems %v; want none (sizes match, the archive agrees with itself)", res.Problems)
	}
	res := e.verify(true)
	hasProblem(t, res, gate.ServerContentDiffers, "INBOX", 3)
	if len(res.Problems) != 1 || res.Verified != 614 {
		t.Errorf("deep Verify(): %d verified, problems %v; want 614 and only INBOX uid 3", res.Verified, res.Problems)
	}
}

// TestVerifyKeepsWhatTheServerDropped: mail deleted on the server after the
// backup is safe in the archive: a note, not a problem.
func TestVerifyKeepsWhatTheServerDropped(t *testing.T) {
	e := newEnv(t)
	e.backup()
	e.export()
	e.srv.ExpungeUID("INBOX", 1, 2)
	e.srv.DeleteFolder("Archive/2019")
	res := e.verify(false)
	if !res.OK() || len(res.Notes) != 3 || res.Verified != 615-70-2 {
		t.Fatalf("Verify() = %d verified, problems %v, notes %v; want 543, no problem, 3 notes", res.Verified, res.Problems, res.Notes)
	}
	kinds := map[gate.Kind]int{}
	for _, n := range res.Notes {
		kinds[n.Kind]++
		if n.Blocking {
			t.Errorf("note %+v is blocking", n)
		}
	}
	if kinds[gate.MessageNotOnServer] != 2 || kinds[gate.FolderNotOnServer] != 1 {
		t.Errorf("notes %v", res.Notes)
	}
	if v := e.check(); !v.Open {
		t.Errorf("Check() = closed: %v", v.Reasons())
	}
}

// TestVerifyOlderGeneration: after a UIDVALIDITY change and a new backup,
// the old generation is checked as part of the archive, and the gate opens.
func TestVerifyOlderGeneration(t *testing.T) {
	e := newEnv(t)
	e.backup()
	e.srv.RecreateFolder("Junk")
	e.srv.AppendMessage("Junk", []byte("Subject: again\r\n\r\nx\r\n"), nil, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e.backup()
	e.export()
	res := e.verify(false)
	if !res.OK() || res.Verified != 615-26+1 || res.Messages != 615+1 {
		t.Fatalf("Verify() = %d verified of %d, problems %v", res.Verified, res.Messages, res.Problems)
	}
	older := 0
	for _, f := range res.Folders {
		if f.Name == "Junk" && !f.Current {
			older++
			if f.OnServer || f.Archived != 26 {
				t.Errorf("older Junk generation %+v", f)
			}
		}
	}
	if older != 1 {
		t.Errorf("%d older Junk generations listed, want 1", older)
	}
	if v := e.check(); !v.Open {
		t.Errorf("Check() = closed: %v", v.Reasons())
	}
}

func TestVerifyMissingMboxFile(t *testing.T) {
	e := newEnv(t)
	e.backup()
	f, _ := e.storedMessage("Drafts", 1)
	if err := os.Remove(e.archive().Path(f.MboxPath)); err != nil {
		t.Fatal(err)
	}
	res := e.verify(false)
	hasProblem(t, res, gate.MboxFileMissing, "Drafts", 0)
	for _, fr := range res.Folders {
		if fr.Name == "Drafts" && fr.Verified != 0 {
			t.Errorf("Drafts: %d verified without its mbox file", fr.Verified)
		}
	}
	if res.Verified != 615-8 {
		t.Errorf("%d verified, want 607", res.Verified)
	}
}

func TestVerifyRefusesAnotherAccount(t *testing.T) {
	e := newEnv(t)
	e.backup()
	opts := e.verifyOpts(false)
	opts.Conn.User = "someone-else@old-isp.example"
	if _, err := gate.Verify(context.Background(), opts); mailerr.KindOf(err) != mailerr.BadInput {
		t.Fatalf("Verify() of another account = %v, want BadInput", err)
	}
	if _, err := gate.Verify(context.Background(), gate.VerifyOptions{}); mailerr.KindOf(err) != mailerr.BadInput {
		t.Fatalf("Verify() with zero options = %v, want BadInput", err)
	}
}

func TestVerifyCancelledStoresNothing(t *testing.T) {
	e := newEnv(t)
	e.backup()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := e.verifyOpts(true)
	opts.Progress = func(ev progress.Event) {
		if ev.Done > 100 {
			cancel()
		}
	}
	_, err := gate.Verify(ctx, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Verify() = %v, want context.Canceled", err)
	}
	if v, err := e.archive().LastVerification(context.Background()); v != nil || err != nil {
		t.Errorf("LastVerification() after a cancelled run = %+v, %v; want none", v, err)
	}
}
