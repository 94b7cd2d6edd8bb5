package gate_test

// The verification, the gate and the removal against a real Dovecot
// (MAILARK_TEST_DOVECOT=1): IMAP4rev1 with UIDPLUS and LIST-STATUS,
// modified UTF-7 folder names, special-use folders, TLS.

import (
	"context"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

const dovecotUser, dovecotPass = "hanako@old-isp.example", "pw: 秘密"

// dovecotEnv starts a Dovecot holding the demo account and returns an env
// that reaches it over TLS with the test CA.
func dovecotEnv(t *testing.T) (*env, *testimap.Dovecot) {
	t.Helper()
	d := testimap.StartDovecot(t, testimap.DovecotUser{Name: dovecotUser, Password: dovecotPass})
	for _, f := range demo.OldProvider().Folders {
		msgs := make([]testimap.SeedMessage, len(f.Messages))
		for i, m := range f.Messages {
			msgs[i] = testimap.SeedMessage{Raw: m.Raw, Flags: m.Flags, InternalDate: m.InternalDate}
		}
		d.Seed(t, dovecotUser, f.Name, msgs)
	}
	e := &env{t: t, dir: filepath.Join(t.TempDir(), "archive"), clk: newClock(),
		conn: imapconn.Config{Host: d.Host, Port: d.TLSPort, Security: imapconn.TLS, CAFile: d.CAFile,
			User: dovecotUser, Password: secret.New(dovecotPass), DialTimeout: 10 * time.Second}}
	return e, d
}

// dovecotCounts returns MESSAGES of every selectable folder.
func dovecotCounts(t testing.TB, d *testimap.Dovecot) map[string]uint32 {
	t.Helper()
	c, err := imapclient.DialTLS(d.TLSAddr(), &imapclient.Options{TLSConfig: d.TLSConfig()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(dovecotUser, dovecotPass).Wait(); err != nil {
		t.Fatal(err)
	}
	return messageCounts(t, c)
}

func TestDovecotVerifyAndGate(t *testing.T) {
	e, d := dovecotEnv(t)
	e.backup()
	e.export()
	for _, deep := range []bool{false, true} {
		res := e.verify(deep)
		if !res.OK() || res.Verified != 615 {
			t.Fatalf("Verify(deep=%v) on Dovecot: %d verified, problems %v", deep, res.Verified, res.Problems)
		}
	}
	if v := e.check(); !v.Open {
		t.Fatalf("Check() on Dovecot = closed: %v", v.Reasons())
	}
	t.Run("one byte changed in SQLite", func(t *testing.T) {
		flipStoredByte(t, e, "取引先", 4)
		closedBy(t, e.check(), gate.CondArchiveUnchanged, "changed", gate.ArchiveRowsChanged, "", 0)
		hasProblem(t, e.verify(false), gate.StoredDiffers, "取引先", 4)
	})
	t.Run("new mail in a Japanese-named folder", func(t *testing.T) {
		d.Seed(t, dovecotUser, "取引先/見積", []testimap.SeedMessage{{Raw: []byte("Subject: 見積\r\n\r\nx\r\n")}})
		closedBy(t, e.check(), gate.CondServerUnchanged, "changed", gate.ServerNewMail, "取引先/見積", 0)
		hasProblem(t, e.verify(true), gate.MessageMissing, "取引先/見積", 26)
	})
	t.Run("folder added", func(t *testing.T) {
		d.Seed(t, dovecotUser, "Projects", []testimap.SeedMessage{{Raw: []byte("Subject: p\r\n\r\nx\r\n")}})
		closedBy(t, e.check(), gate.CondServerUnchanged, "changed", gate.ServerFolderAdded, "Projects", 0)
		hasProblem(t, e.verify(false), gate.FolderNotArchived, "Projects", 0)
	})
}

func TestDovecotRemoveDeletesTheVerifiedMessages(t *testing.T) {
	e, d := dovecotEnv(t)
	e.backup()
	e.export()
	e.verify(true)
	if v := e.check(); !v.Open {
		t.Fatalf("Check() = closed: %v", v.Reasons())
	}
	before := dovecotCounts(t, d)

	opts := e.removeOpts(true, "hanako@old-isp.exampl")
	if _, err := gate.Remove(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("Remove() with a typo = %v, want ErrNotConfirmed", err)
	}
	sameCounts(t, before, dovecotCounts(t, d))

	res, err := gate.Remove(context.Background(), e.removeOpts(true, dovecotUser))
	if err != nil {
		t.Fatalf("Remove() = %v", err)
	}
	if res.Messages != 615 {
		t.Errorf("deleted %d, want 615", res.Messages)
	}
	after := dovecotCounts(t, d)
	if len(after) != len(before) {
		t.Errorf("folders %v after removal, want the same %d", after, len(before))
	}
	for name, n := range after {
		if n != 0 {
			t.Errorf("%s: %d messages left", name, n)
		}
	}
	// The server changed: the gate is closed again.
	closedBy(t, e.check(), gate.CondServerUnchanged, "changed", gate.ServerMailRemoved, "INBOX", 0)
}

// TestDovecotRemoveRefusesAFolderRebuiltUnderItsOldUIDValidity: after a
// green verification, INBOX is rebuilt with other messages (each with one
// header byte changed, same size, same internal date) and its UIDVALIDITY
// set back with doveadm, so UIDVALIDITY, UIDNEXT and MESSAGES are what the
// verification saw. The gate's counters cannot tell; removal fetches the
// messages it would delete, sees they are not the archived ones, and
// deletes nothing anywhere.
func TestDovecotRemoveRefusesAFolderRebuiltUnderItsOldUIDValidity(t *testing.T) {
	e, d := dovecotEnv(t)
	e.backup()
	e.export()
	e.verify(false)
	if v := e.check(); !v.Open {
		t.Fatalf("Check() = closed: %v", v.Reasons())
	}
	doveadm, err := exec.LookPath("doveadm")
	if err != nil {
		t.Fatalf("doveadm: %v", err)
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(doveadm, append([]string{"-c", filepath.Join(d.Dir, "dovecot.conf")}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("doveadm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	status := func() map[string]string {
		t.Helper()
		out := map[string]string{}
		for _, kv := range strings.Fields(run("mailbox", "status", "-u", dovecotUser, "messages uidnext uidvalidity", "INBOX")) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				out[k] = v
			}
		}
		return out
	}
	verified := status()

	// Rebuild INBOX: its messages, UID list and indexes go; Dovecot starts
	// it again at UID 1 under a new UIDVALIDITY, which is then set back.
	d.Stop(t)
	maildir := filepath.Join(d.Dir, "home", dovecotUser, "Maildir")
	var gone []string
	for _, pattern := range []string{"cur/*", "new/*", "tmp/*", "dovecot-uidlist", "dovecot.index*", "dovecot.list.index*"} {
		m, _ := filepath.Glob(filepath.Join(maildir, pattern))
		gone = append(gone, m...)
	}
	for _, p := range gone {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	d.Restart(t)
	inbox := demo.OldProvider().Folder("INBOX")
	msgs := make([]testimap.SeedMessage, len(inbox.Messages))
	for i, m := range inbox.Messages {
		msgs[i] = testimap.SeedMessage{Raw: sameLengthHeaderEdit(t, m.Raw), Flags: m.Flags, InternalDate: m.InternalDate}
	}
	d.Seed(t, dovecotUser, "INBOX", msgs)
	if rebuilt := status(); rebuilt["uidvalidity"] == verified["uidvalidity"] {
		t.Fatalf("INBOX kept UIDVALIDITY %s: it was not rebuilt", rebuilt["uidvalidity"])
	}
	run("mailbox", "update", "-u", dovecotUser, "--uid-validity", verified["uidvalidity"], "INBOX")
	if now := status(); !maps.Equal(now, verified) || len(now) != 3 {
		t.Fatalf("rebuilt INBOX: %v, verified %v; want the same counters", now, verified)
	}
	if v := e.check(); !v.Open {
		t.Fatalf("Check() after the rebuild = closed: %v (the counters should not tell)", v.Reasons())
	}

	before := dovecotCounts(t, d)
	res, err := gate.Remove(context.Background(), e.removeOpts(true, dovecotUser))
	if !errors.Is(err, gate.ErrServerChanged) || mailerr.KindOf(err) != mailerr.ServerChanged ||
		!strings.Contains(err.Error(), "INBOX uid 1: its header fields are not the archived message's") {
		t.Fatalf("Remove() after the rebuild = %v, want ErrServerChanged for INBOX uid 1's header", err)
	}
	after := dovecotCounts(t, d)
	tallyRefusal(before, after)
	if res.Messages != 0 || len(res.Deleted) != 0 || e.removedAt() != "" {
		t.Errorf("deleted %d in %v, removed_at %q; want nothing", res.Messages, res.Deleted, e.removedAt())
	}
	sameCounts(t, before, after)
	if after["INBOX"] != uint32(len(msgs)) {
		t.Errorf("INBOX holds %d messages, want the %d of the rebuild", after["INBOX"], len(msgs))
	}
}
