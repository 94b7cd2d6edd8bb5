package app

import (
	"path/filepath"
	"testing"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

// An account the person reads over POP3, through the window's screens and
// the real engine: choosing POP3 in the form makes the connection test,
// "Before you start", the backup and "Safe to remove?" use the POP3
// mailbox (the IMAP fakes are never asked), and the gate, with no mail
// app's store on this computer, stays closed saying so (pop-no-store).
func TestPOP3AccountThroughTheWindow(t *testing.T) {
	msgs := [][]byte{[]byte("Subject: a\r\n\r\none\r\n"), []byte("Subject: b\r\n\r\ntwo\r\n")}
	s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: msgs})
	f := newFakes()
	u := newTestUI(t, f)
	u.eng.Gate = migrateGate{}
	u.opts.StoresHome = t.TempDir() // no mail app here
	u.acct = account{Email: "taro@example.net", Host: s.Host, Port: s.Port, Security: imapconn.Plain, User: "taro",
		Password: secret.New("pw"), ArchiveDir: filepath.Join(t.TempDir(), "archive"), ServerSource: "manual"}
	u.account.fillAll()
	u.account.protocol.SetSelectedIndex(1)
	if !u.acct.isPOP3() {
		t.Fatal("choosing POP3 in the form did not make the account POP3")
	}

	u.account.connect(nil)
	u.waitBackground()
	if u.account.result.kind != statusOK || len(f.conn.calls) != 0 {
		t.Fatalf("connection test: %v, IMAP asked %d times", u.account.result.kind, len(f.conn.calls))
	}
	u.survey.run()
	u.waitBackground()
	if r := u.survey.res; r == nil || r.Messages != 2 || r.ToFetch != 2 {
		t.Fatalf("survey = %+v", r)
	}
	u.backup.start()
	u.waitBackground()
	if sum := u.backup.sum; sum == nil || sum.New != 2 || u.backup.err != nil {
		t.Fatalf("backup = %+v, %v", sum, u.backup.err)
	}
	u.verify.check()
	u.waitBackground()
	v := u.verify.verdict
	if v == nil || v.Open {
		t.Fatalf("verdict %+v, want closed", v)
	}
	for _, c := range v.Conditions {
		switch c.ID {
		case gate.CondVerified, gate.CondServerUnchanged:
			if !c.OK {
				t.Errorf("%s: %s", c.ID, c.Reason)
			}
		case gate.CondStores:
			if c.OK || c.Action != ActionImport {
				t.Errorf("%s ok %v, action %q: want closed, to import the mail app's store", c.ID, c.OK, c.Action)
			}
		}
	}
}
