package gate_test

import (
	"context"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/testimap"
)

func TestGateOpensWhenEverythingIsRight(t *testing.T) {
	for _, deep := range []bool{false, true} {
		name := "shallow"
		if deep {
			name = "deep"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.backup()
			e.export()
			res := e.verify(deep)
			if !res.OK() || res.Verified != 615 {
				t.Fatalf("Verify(deep=%v): %d verified, problems %v; want 615 and none", deep, res.Verified, res.Problems)
			}
			v := e.check()
			if !v.Open || !v.Live || v.VerificationID != res.VerificationID {
				t.Fatalf("Check() = open %v live %v verification %d; want open, live, %d (reasons %v)",
					v.Open, v.Live, v.VerificationID, res.VerificationID, v.Reasons())
			}
			want := []string{gate.CondVerified, gate.CondNoFailures, gate.CondArchiveUnchanged,
				gate.CondServerUnchanged, gate.CondContactsExported, gate.CondStores}
			if len(v.Conditions) != len(want) {
				t.Fatalf("%d conditions, want %d", len(v.Conditions), len(want))
			}
			for i, c := range v.Conditions {
				if c.ID != want[i] || !c.OK || c.Code != "ok" || c.Reason == "" {
					t.Errorf("condition %d = %+v, want %s ok", i, c, want[i])
				}
			}
			if got := v.Conditions[0].Data["deep"]; got != map[bool]string{true: "true", false: "false"}[deep] {
				t.Errorf("verified data deep = %q", got)
			}
		})
	}
}

// cutEntry removes a message's entry from its mbox file, as an editor
// or a careless script would.
func cutEntry(t testing.TB, e *env, folder string, uid uint32) {
	t.Helper()
	f, m := e.storedMessage(folder, uid)
	path := e.archive().Path(f.MboxPath)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = append(data[:m.MboxOffset:m.MboxOffset], data[m.MboxOffset+m.MboxLength:]...)
	os.Chmod(path, 0o600) // an mbox file is 0400 between runs
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// flipStoredByte changes one byte of a message's bytes in SQLite.
func flipStoredByte(t testing.TB, e *env, folder string, uid uint32) {
	t.Helper()
	_, m := e.storedMessage(folder, uid)
	ctx := context.Background()
	db := archivetest.Tamper(t, e.dir)
	var data []byte
	if err := db.QueryRowContext(ctx, `SELECT data FROM message_chunks WHERE message_id = ? AND seq = 0`, m.ID).Scan(&data); err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x20
	if _, err := db.ExecContext(ctx, `UPDATE message_chunks SET data = ? WHERE message_id = ? AND seq = 0`, data, m.ID); err != nil {
		t.Fatal(err)
	}
}

// flipMboxByte changes one byte of a message in its mbox file (in its
// Subject line, so the entry stays one entry).
func flipMboxByte(t testing.TB, e *env, folder string, uid uint32) {
	t.Helper()
	f, m := e.storedMessage(folder, uid)
	path := e.archive().Path(f.MboxPath)
	at := indexIn(t, path, m.MboxOffset, []byte("\nSubject: ")) + int64(len("\nSubject: "))
	editFile(t, path, at, func(b byte) byte { return b ^ 0x01 })
}

// TestGateCannotBeFooled tries each way the archive and the server can
// disagree; each must keep the gate closed, and say why. Where the change
// comes after a verification, the gate must close at once (a cheap check),
// and a new verification must then name the discrepancy precisely.
func TestGateCannotBeFooled(t *testing.T) {
	msg := []byte("From: Ichiro <ichiro@clients.example>\r\nSubject: late\r\n\r\narrived after the backup\r\n")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"never verified", func(t *testing.T) {
			e := newEnv(t)
			e.backup()
			e.export()
			closedBy(t, e.check(), gate.CondVerified, "never", "", "", 0)
		}},
		{"message arrives after the backup", func(t *testing.T) {
			e := newEnv(t)
			e.backup()
			e.export()
			uid := e.srv.AppendMessage("INBOX", msg, nil, now)
			res := e.verify(false)
			hasProblem(t, res, gate.MessageMissing, "INBOX", uint32(uid))
			closedBy(t, e.check(), gate.CondVerified, "problems", gate.MessageMissing, "INBOX", uint32(uid))
		}},
		{"message arrives after the verification", func(t *testing.T) {
			e := ready(t)
			e.srv.AppendMessage("INBOX", msg, nil, now)
			closedBy(t, e.check(), gate.CondServerUnchanged, "changed", gate.ServerNewMail, "INBOX", 0)
		}},
		{"message expunged on the server after the verification", func(t *testing.T) {
			e := ready(t)
			e.srv.ExpungeUID("Sent", 3)
			closedBy(t, e.check(), gate.CondServerUnchanged, "changed", gate.ServerMailRemoved, "Sent", 0)
		}},
		{"message removed from an mbox file", func(t *testing.T) {
			e := ready(t)
			cutEntry(t, e, "INBOX", 5)
			closedBy(t, e.check(), gate.CondArchiveUnchanged, "changed", gate.ArchiveFileChanged, "INBOX", 0)
			res := e.verify(false)
			hasProblem(t, res, gate.MboxMessageMissing, "INBOX", 5)
			hasProblem(t, res, gate.MboxTruncated, "INBOX", 0)
			closedBy(t, e.check(), gate.CondVerified, "damaged", gate.MboxMessageMissing, "INBOX", 5)
		}},
		{"one byte changed in SQLite", func(t *testing.T) {
			e := ready(t)
			flipStoredByte(t, e, "INBOX", 7)
			closedByOneDamage(t, e, gate.ArchiveRowsChanged, "", gate.StoredDiffers, "INBOX", 7)
		}},
		{"one byte changed in an mbox file", func(t *testing.T) {
			e := ready(t)
			flipMboxByte(t, e, "Sent", 9)
			closedByOneDamage(t, e, gate.ArchiveFileChanged, "Sent", gate.MboxMessageDiffers, "Sent", 9)
		}},
		{"folder added on the server", func(t *testing.T) {
			e := ready(t)
			e.srv.CreateFolder("Projects")
			e.srv.AppendMessage("Projects", msg, nil, now)
			closedBy(t, e.check(), gate.CondServerUnchanged, "changed", gate.ServerFolderAdded, "Projects", 0)
			hasProblem(t, e.verify(false), gate.FolderNotArchived, "Projects", 0)
			closedBy(t, e.check(), gate.CondVerified, "problems", gate.FolderNotArchived, "Projects", 0)
		}},
		{"empty folder added on the server", func(t *testing.T) {
			e := ready(t)
			e.srv.CreateFolder("Empty")
			closedBy(t, e.check(), gate.CondServerUnchanged, "changed", gate.ServerFolderAdded, "Empty", 0)
		}},
		{"folder renamed on the server", func(t *testing.T) {
			e := ready(t)
			e.srv.RenameFolder("取引先/見積", "取引先/見積書")
			v := e.check()
			closedBy(t, v, gate.CondServerUnchanged, "changed", gate.ServerFolderAdded, "取引先/見積書", 0)
			closedBy(t, v, gate.CondServerUnchanged, "changed", gate.ServerFolderGone, "取引先/見積", 0)
			res := e.verify(false)
			hasProblem(t, res, gate.FolderNotArchived, "取引先/見積書", 0)
			closedBy(t, e.check(), gate.CondVerified, "problems", gate.FolderNotArchived, "取引先/見積書", 0)
		}},
		{"UIDVALIDITY changed", func(t *testing.T) {
			e := ready(t)
			// The provider rebuilds the folder with the same messages.
			e.srv.RecreateFolder("Junk")
			for i := 0; i < 26; i++ {
				e.srv.AppendMessage("Junk", msg, nil, now)
			}
			closedBy(t, e.check(), gate.CondServerUnchanged, "changed", gate.ServerNewUIDValid, "Junk", 0)
			hasProblem(t, e.verify(false), gate.UIDValidityChanged, "Junk", 0)
			closedBy(t, e.check(), gate.CondVerified, "problems", gate.UIDValidityChanged, "Junk", 0)
		}},
		{"a message failed during the backup", func(t *testing.T) {
			e := newEnv(t)
			bad := map[imap.UID]bool{7: true}
			healthy := e.conn
			e.conn.Port = e.srv.ServeWrapped(t, func(s imapserver.SessionIMAP4rev2) imapserver.Session {
				return &testimap.FailingSession{SessionIMAP4rev2: s, Folder: "INBOX", Bad: bad}
			})
			if sum := e.backup(); len(sum.Failures) != 1 {
				t.Fatalf("backup failures %v, want INBOX uid 7", sum.Failures)
			}
			e.conn = healthy
			e.export()
			hasProblem(t, e.verify(false), gate.MessageMissing, "INBOX", 7)
			v := e.check()
			closedBy(t, v, gate.CondNoFailures, "failures", gate.MessageFailed, "INBOX", 7)
			closedBy(t, v, gate.CondVerified, "problems", gate.MessageMissing, "INBOX", 7)
		}},
		{"contacts never exported", func(t *testing.T) {
			e := newEnv(t)
			e.backup()
			e.verify(false)
			closedBy(t, e.check(), gate.CondContactsExported, "never", "", "", 0)
		}},
		{"contacts exported before the last backup", func(t *testing.T) {
			e := newEnv(t)
			e.backup()
			e.export()
			e.backup()
			e.verify(false)
			closedBy(t, e.check(), gate.CondContactsExported, "before-backup", "", "", 0)
		}},
		{"a backup ran after the verification", func(t *testing.T) {
			e := ready(t)
			e.backup()
			closedBy(t, e.check(), gate.CondArchiveUnchanged, "backup-since", "", "", 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}

// TestGateReopensAfterTheWorkIsRedone: once closed by new mail, the gate
// opens again only after a backup, a verification and an export.
func TestGateReopensAfterTheWorkIsRedone(t *testing.T) {
	e := ready(t)
	e.srv.AppendMessage("INBOX", []byte("Subject: new\r\n\r\nx\r\n"), nil, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	closedBy(t, e.check(), gate.CondServerUnchanged, "changed", gate.ServerNewMail, "INBOX", 0)
	e.backup()
	v := e.check()
	closedBy(t, v, gate.CondArchiveUnchanged, "backup-since", "", "", 0)
	closedBy(t, v, gate.CondContactsExported, "before-backup", "", "", 0)
	e.verify(false)
	closedBy(t, e.check(), gate.CondContactsExported, "before-backup", "", "", 0)
	e.export()
	if v := e.check(); !v.Open {
		t.Fatalf("Check() after backup, verify and export = closed: %v", v.Reasons())
	}
}

// TestGateOffline: without a connection the server condition comes from
// the last live check since the verification, and says when it was made.
func TestGateOffline(t *testing.T) {
	e := newEnv(t)
	e.backup()
	e.export()
	e.verify(false)
	offline := func() gate.Verdict {
		v, err := gate.Check(context.Background(), gate.GateOptions{ArchiveDir: e.dir, Offline: true, Now: e.clk.Now})
		if err != nil {
			t.Fatalf("Check(offline) = %v", err)
		}
		return v
	}
	closedBy(t, offline(), gate.CondServerUnchanged, "not-checked", "", "", 0)
	if v := e.check(); !v.Open {
		t.Fatalf("live Check() = closed: %v", v.Reasons())
	}
	v := offline()
	c, _ := v.Condition(gate.CondServerUnchanged)
	if !v.Open || v.Live || c.Data["checked_at"] == "" {
		t.Fatalf("offline after a live check: open %v live %v data %v", v.Open, v.Live, c.Data)
	}
	e.verify(false) // a new verification needs a new live check
	closedBy(t, offline(), gate.CondServerUnchanged, "not-checked", "", "", 0)
}

// TestGateServerUnreachable keeps the gate closed and returns the error.
func TestGateServerUnreachable(t *testing.T) {
	e := ready(t)
	opts := gate.GateOptions{Conn: e.conn, ArchiveDir: e.dir, Now: e.clk.Now}
	opts.Conn.Port = 1 // nothing listens
	v, err := gate.Check(context.Background(), opts)
	if err == nil {
		t.Fatal("Check() with the server away = nil error")
	}
	closedBy(t, v, gate.CondServerUnchanged, "unreachable", "", "", 0)
}

// TestGateStatusWithoutListStatus checks the gate against a server without
// LIST-STATUS (IMAP4rev1 only): one STATUS per folder.
func TestGateStatusWithoutListStatus(t *testing.T) {
	e := newEnv(t)
	var statuses atomic.Int64
	e.conn.Port = e.srv.ServeWith(t, func(o *imapserver.Options) {
		o.Caps = imap.CapSet{imap.CapIMAP4rev1: {}}
		newSession := o.NewSession
		o.NewSession = func(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			s, g, err := newSession(c)
			return &countingSession{SessionIMAP4rev2: s.(imapserver.SessionIMAP4rev2), statuses: &statuses}, g, err
		}
	})
	e.backup()
	e.export()
	e.verify(false)
	statuses.Store(0)
	if v := e.check(); !v.Open {
		t.Fatalf("Check() = closed: %v", v.Reasons())
	}
	if n := statuses.Load(); n != 9 {
		t.Errorf("%d STATUS commands, want one per folder (9)", n)
	}
	e.srv.AppendMessage("Archive/2019", []byte("Subject: x\r\n\r\nx\r\n"), nil, time.Now())
	closedBy(t, e.check(), gate.CondServerUnchanged, "changed", gate.ServerNewMail, "Archive/2019", 0)
}

type countingSession struct {
	imapserver.SessionIMAP4rev2
	statuses *atomic.Int64
}

func (s *countingSession) Status(mailbox string, options *imap.StatusOptions) (*imap.StatusData, error) {
	s.statuses.Add(1)
	return s.SessionIMAP4rev2.Status(mailbox, options)
}
