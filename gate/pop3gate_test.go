package gate_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/mailstore/storetest"
	"github.com/mailark/mailark/internal/pop3"
	"github.com/mailark/mailark/internal/retry"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

// popEnv is a POP3 account on a private Dovecot (or the scripted server),
// its archive, and the home folder its mail app's store is in.
type popEnv struct {
	t    testing.TB
	d    *testimap.Dovecot
	cfg  pop3.Config
	dir  string
	home string
	clk  *clock
}

const popGateUser, popGatePass = "taro", "pw"

// newPOPEnv starts Dovecot with POP3 holding msgs (dated as given).
func newPOPEnv(t testing.TB, msgs []testimap.SeedMessage) *popEnv {
	t.Helper()
	testimap.RequirePOP3(t)
	d := testimap.StartDovecot(t, testimap.DovecotUser{Name: popGateUser, Password: popGatePass})
	d.Seed(t, popGateUser, "INBOX", msgs)
	return &popEnv{t: t, d: d, dir: filepath.Join(t.TempDir(), "archive"), home: t.TempDir(), clk: newClock(),
		cfg: pop3.Config{Host: d.Host, Port: d.POP3TLSPort, Security: imapconn.TLS, CAFile: d.CAFile, User: popGateUser,
			Password: secret.New(popGatePass), DialTimeout: 10 * time.Second}}
}

// folder is the archive folder of the POP3 mailbox.
func (e *popEnv) folder() string { return "POP3 " + e.cfg.User + "@" + e.cfg.Host + "/INBOX" }

func (e *popEnv) step() { e.clk.Advance(time.Minute) }

func (e *popEnv) backup() backup.Summary {
	e.t.Helper()
	e.step()
	sum, err := backup.RunPOP3(context.Background(), backup.POP3Options{Conn: e.cfg, ArchiveDir: e.dir, Policy: retry.Policy{Now: e.clk.Now}})
	if err != nil || !sum.OK() {
		e.t.Fatalf("RunPOP3() = %v, %v", err, sum.Failures)
	}
	return sum
}

func (e *popEnv) verify(deep bool) gate.Result {
	e.t.Helper()
	e.step()
	res, err := gate.VerifyPOP3(context.Background(), gate.VerifyPOP3Options{Conn: e.cfg, ArchiveDir: e.dir, Deep: deep, Now: e.clk.Now})
	if err != nil {
		e.t.Fatalf("VerifyPOP3() = %v", err)
	}
	return res
}

func (e *popEnv) search() gate.StoreSearch { return gate.StoreSearch{Home: e.home, GOOS: "linux"} }

func (e *popEnv) check() gate.Verdict {
	e.t.Helper()
	e.step()
	v, err := gate.Check(context.Background(), gate.GateOptions{POP3: &e.cfg, ArchiveDir: e.dir, Now: e.clk.Now, Stores: e.search()})
	if err != nil {
		e.t.Fatalf("Check() = %v", err)
	}
	if !v.Live {
		e.t.Fatalf("Check() over POP3 is not live")
	}
	return v
}

func (e *popEnv) export() {
	e.t.Helper()
	e.step()
	recordExport(e.t, e.dir, e.clk)
}

// store writes the account's Thunderbird store (POP) holding msgs.
func (e *popEnv) store(msgs [][]byte, from, to int) {
	e.t.Helper()
	storetest.Thunderbird(e.t, e.home, "linux", []storetest.TBAccount{{Protocol: "pop3", Server: "pop.example.net",
		User: popGateUser, Address: "taro@example.net", From: from, To: to,
		Folders: []storetest.TBFolder{{Name: "Inbox", Msgs: msgs}}}})
}

func (e *popEnv) importStore() {
	e.t.Helper()
	e.step()
	ctx := context.Background()
	stores, err := mailstore.FindAll(e.home, "linux", "thunderbird")
	if err != nil || len(stores) == 0 {
		e.t.Fatalf("FindAll() = %v, %v", stores, err)
	}
	a, err := archive.Open(ctx, e.dir, archive.Options{Now: e.clk.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	defer a.Close()
	for _, s := range stores {
		if sum, err := backup.Import(ctx, a, s, backup.ImportOptions{}); err != nil || !sum.Whole() {
			e.t.Fatalf("Import(%s) = %v", s.Path, err)
		}
	}
}

func seedOf(raws [][]byte, daysAgo func(i int) int) []testimap.SeedMessage {
	var out []testimap.SeedMessage
	for i, r := range raws {
		out = append(out, testimap.SeedMessage{Raw: r, InternalDate: time.Now().AddDate(0, 0, -daysAgo(i))})
	}
	return out
}

func allOK(t testing.TB, v gate.Verdict) {
	t.Helper()
	if !v.Open {
		t.Fatalf("gate closed, want open: %v", v.Reasons())
	}
	for _, c := range v.Conditions {
		if !c.OK {
			t.Errorf("condition %s not ok in an open verdict", c.ID)
		}
	}
}

// The gate cases for a POP3 account, against Dovecot's pop3d: the
// gate reads the POP3 verification, names the mail app's store while it
// holds the only copy, and opens once the store is imported and verified.
func TestPOP3GateDovecot(t *testing.T) {
	_, raws := storetest.Corpus()
	t.Run("empty server, mail in Thunderbird", func(t *testing.T) {
		e := newPOPEnv(t, nil)
		e.store(raws, 2004, 2026)
		e.backup()
		e.export()
		if res := e.verify(false); !res.OK() || res.Verified != 0 {
			t.Fatalf("VerifyPOP3() of an empty mailbox = %d verified, %v", res.Verified, res.Problems)
		}
		v := e.check()
		closedBy(t, v, gate.CondStores, "not-imported", gate.StoreNotImported, "Thunderbird", 0)
		for _, id := range []string{gate.CondVerified, gate.CondNoFailures, gate.CondArchiveUnchanged, gate.CondServerUnchanged, gate.CondContactsExported} {
			if c, _ := v.Condition(id); !c.OK {
				t.Errorf("condition %s: %s, want ok (only the store keeps the gate closed)", id, c.Reason)
			}
		}
		want := fmt.Sprintf("Your old mail is only on this computer, in Thunderbird: %d messages, 2004–2026.", len(raws))
		if got := v.OnlyHere(gate.English); got != want {
			t.Errorf("OnlyHere = %q, want %q", got, want)
		}
		e.importStore()
		closedBy(t, e.check(), gate.CondStores, "not-verified", gate.StoreNotVerified, "Thunderbird", 0)
		if res := e.verify(false); !res.OK() {
			t.Fatalf("VerifyPOP3() after the import: %v", res.Problems)
		}
		allOK(t, e.check())
	})

	t.Run("60 days on the server, years in the store", func(t *testing.T) {
		e := newPOPEnv(t, seedOf(raws[:5], func(i int) int { return 10 * i }))
		e.store(raws, 2004, 2026)
		if sum := e.backup(); sum.New != 5 {
			t.Fatalf("backup saved %d, want 5", sum.New)
		}
		e.export()
		for _, deep := range []bool{false, true} {
			if res := e.verify(deep); !res.OK() || res.Verified != 5 {
				t.Fatalf("VerifyPOP3(deep %v) = %d verified, %v", deep, res.Verified, res.Problems)
			}
			closedBy(t, e.check(), gate.CondStores, "not-imported", gate.StoreNotImported, "Thunderbird", 0)
		}
		e.importStore()
		e.verify(false)
		allOK(t, e.check())

		// New mail on the server closes it again, until backed up and verified.
		e.d.Seed(t, popGateUser, "INBOX", seedOf([][]byte{[]byte("Subject: new\r\n\r\nnew\r\n")}, func(int) int { return 0 }))
		closedBy(t, e.check(), gate.CondServerUnchanged, "changed", gate.ServerNewMail, e.folder(), 0)
		e.backup()
		closedBy(t, e.check(), gate.CondArchiveUnchanged, "backup-since", "", "", 0)
		e.export()
		e.verify(false)
		allOK(t, e.check())
	})

	// Every message is on the server, and no mail app's store of the
	// account is on this computer: the gate stays closed (pop-no-store),
	// because a POP account's older mail was downloaded by some mail app,
	// and Mailark cannot tell "the server holds it all" from "the app's
	// store is on another computer or disk".
	t.Run("all mail on the server, no store here", func(t *testing.T) {
		e := newPOPEnv(t, seedOf(raws[:4], func(i int) int { return i }))
		e.backup()
		e.export()
		if res := e.verify(true); !res.OK() || res.Verified != 4 {
			t.Fatalf("VerifyPOP3() = %d verified, %v", res.Verified, res.Problems)
		}
		v := e.check()
		closedBy(t, v, gate.CondStores, "pop-no-store", gate.StoreNotImported, "", 0)
		if c, _ := v.Condition(gate.CondVerified); !c.OK {
			t.Errorf("verified: %s", c.Reason)
		}
	})
}
