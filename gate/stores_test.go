package gate_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/mailstore/storetest"
)

func (e *env) checkStores(search gate.StoreSearch) gate.Verdict {
	e.t.Helper()
	e.step()
	v, err := gate.Check(context.Background(), gate.GateOptions{Conn: e.conn, ArchiveDir: e.dir, Now: e.clk.Now, Stores: search})
	if err != nil {
		e.t.Fatalf("Check() = %v", err)
	}
	return v
}

// importStores imports the Thunderbird store of server under home into e's archive.
func (e *env) importStores(home, server string) {
	e.t.Helper()
	e.step()
	ctx := context.Background()
	stores, err := mailstore.FindAll(home, "linux", "thunderbird")
	if err != nil {
		e.t.Fatal(err)
	}
	a, err := archive.Open(ctx, e.dir, archive.Options{Now: e.clk.Now})
	if err != nil {
		e.t.Fatal(err)
	}
	defer a.Close()
	for _, s := range stores {
		if s.Account.Server != server {
			continue
		}
		if sum, err := backup.Import(ctx, a, s, backup.ImportOptions{}); err != nil || !sum.Whole() {
			e.t.Fatalf("Import(%s) = %v", s.Path, err)
		}
	}
}

// A POP account whose mail is in Thunderbird on this computer: the gate,
// open for the server alone, closes as soon as the store is found, says
// plainly where the old mail is, stays closed after the import until a
// verification has read the store again, and opens then; mail added to
// the store later closes it again.
func TestGateWaitsForMailAppStores(t *testing.T) {
	e := ready(t)
	_, raws := storetest.Corpus()
	home := t.TempDir()
	var inbox [][]byte
	for i, r := range raws {
		inbox = append(inbox, storetest.WithMozStatus(r, uint16(1+8*(i%5/4)), ""))
	}
	storetest.Thunderbird(t, home, "linux", []storetest.TBAccount{
		{Protocol: "pop3", Server: "pop.example.net", User: e.conn.User, Address: "taro@example.net",
			Folders: []storetest.TBFolder{{Name: "Inbox", Msgs: inbox}, {Name: "Old/2004", Msgs: inbox[:3]}}},
		{Protocol: "imap", Server: "imap.other.example", User: "someone-else", Address: "else@other.example",
			Folders: []storetest.TBFolder{{Name: "INBOX", Msgs: inbox[:2]}}},
	})
	search := gate.StoreSearch{Home: home, GOOS: "linux"}
	total := len(inbox) + 3

	v := e.checkStores(search)
	closedBy(t, v, gate.CondStores, "not-imported", gate.StoreNotImported, "Thunderbird", 0)
	if len(v.Stores) != 1 || v.Stores[0].Missing != int64(total) || v.Stores[0].Protocol != "pop3" {
		t.Fatalf("stores %+v, want the POP store alone with %d missing", v.Stores, total)
	}
	want := "Your old mail is only on this computer, in Thunderbird: " + strconv.Itoa(total) + " messages, 2004–2026."
	if got := v.OnlyHere(gate.English); got != want {
		t.Errorf("OnlyHere = %q, want %q", got, want)
	}
	if got := v.OnlyHere(gate.Japanese); !strings.Contains(got, "Thunderbird") || !strings.Contains(got, "2004–2026") {
		t.Errorf("OnlyHere(ja) = %q", got)
	}

	// The report says it, in both languages, and lists the store.
	r, err := gate.BuildReport(context.Background(), gate.ReportOptions{ArchiveDir: e.dir, Now: e.clk.Now, Stores: search})
	if err != nil {
		t.Fatal(err)
	}
	var text, html, ja strings.Builder
	r.WriteText(&text, gate.English)
	r.WriteHTML(&html, gate.English)
	r.WriteText(&ja, gate.Japanese)
	for what, out := range map[string]string{"text": text.String(), "html": html.String()} {
		if !strings.Contains(out, want) || !strings.Contains(out, "pop.example.net, POP") || r.SafeToRemove {
			t.Errorf("%s report lacks the sentence or the store:\n%s", what, out)
		}
	}
	if !strings.Contains(ja.String(), "古いメールはこのパソコンの Thunderbird の中にしかありません") {
		t.Errorf("Japanese report:\n%s", ja.String())
	}

	e.importStores(home, "pop.example.net")
	v = e.checkStores(search)
	closedBy(t, v, gate.CondStores, "not-verified", gate.StoreNotVerified, "Thunderbird", 0)
	res := e.verify(false)
	if !res.OK() {
		t.Fatalf("Verify() after the import: %v", res.Problems)
	}
	storeVerified := int64(0)
	for _, f := range res.Folders {
		if strings.HasPrefix(f.Name, "Thunderbird pop.example.net/") {
			if f.OnServer || f.Verified != f.Archived {
				t.Errorf("store folder %+v", f)
			}
			storeVerified += f.Verified
		}
	}
	if storeVerified != int64(total) {
		t.Errorf("verified %d store messages, want %d", storeVerified, total)
	}
	v = e.checkStores(search)
	if !v.Open {
		t.Fatalf("gate closed after import and verify: %v", v.Reasons())
	}
	if len(v.Stores) != 1 || v.Stores[0].Missing != 0 || !v.Stores[0].Verified {
		t.Fatalf("stores %+v", v.Stores)
	}
	if got := v.OnlyHere(gate.English); !strings.Contains(got, "is in the archive, verified") {
		t.Errorf("OnlyHere once imported = %q", got)
	}

	// New mail reaches the app: the store holds a message the archive lacks.
	inboxPath := filepath.Join(filepath.Dir(v.Stores[0].Path), "pop.example.net", "Inbox")
	f, err := os.OpenFile(inboxPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("From - Mon Mar  2 10:00:00 2026\nX-Mozilla-Status: 0000\nSubject: new\n\nnew mail\n\n")
	f.Close()
	// The imported store is read again even where no search looks (a
	// copied disk mounted elsewhere, say).
	v = e.checkStores(gate.StoreSearch{Stores: []*mailstore.Store{}})
	closedBy(t, v, gate.CondStores, "not-imported", gate.StoreNotImported, "Thunderbird", 0)
	if v.Stores[0].Missing != 1 {
		t.Errorf("missing %d, want 1", v.Stores[0].Missing)
	}
}

// A store Mailark cannot read (Outlook's .pst) keeps the gate closed and
// is named; a POP account with no store found keeps it closed too.
func TestGateClosedForUnreadStoreAndPOPWithoutStore(t *testing.T) {
	e := ready(t)
	pst := &mailstore.Store{Kind: "outlook", App: "Outlook", Path: "/home/u/Outlook.pst", Bytes: 5 << 30,
		NotRead: "Outlook's .pst files are not read yet", Account: mailstore.Account{User: e.conn.User}}
	v := e.checkStores(gate.StoreSearch{Stores: []*mailstore.Store{pst}})
	closedBy(t, v, gate.CondStores, "not-read", gate.StoreNotRead, "Outlook", 0)
	if c, _ := v.Condition(gate.CondStores); !strings.Contains(c.Text(gate.English), "/home/u/Outlook.pst") {
		t.Errorf("text %q does not name the file", c.Text(gate.English))
	}

	ctx := context.Background()
	a, err := archive.Open(ctx, e.dir, archive.Options{Now: e.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.EnsureSource(ctx, archive.Source{Kind: archive.SourcePOP3, Location: e.conn.User + "@pop.example.net:995",
		Label: "POP3 pop.example.net", Account: e.conn.User, Server: "pop.example.net", Protocol: "pop3"}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	v = e.checkStores(gate.StoreSearch{Stores: []*mailstore.Store{}})
	closedBy(t, v, gate.CondStores, "pop-no-store", gate.StoreNotImported, "", 0)
}

// An IMAP account's store is the app's copy of the server: it does not
// close the gate, unless it holds mail much older than the server keeps
// (a server that expires mail), when it is the only copy of that mail.
func TestGateIMAPStoreCountsWhenOlderThanTheServer(t *testing.T) {
	e := ready(t)
	a := e.archive()
	oldest, _, err := a.ServerDateRange(context.Background())
	a.Close()
	if err != nil || len(oldest) < 4 {
		t.Fatalf("server oldest %q, %v", oldest, err)
	}
	year, _ := strconv.Atoi(oldest[:4])
	_, raws := storetest.Corpus()
	for _, c := range []struct {
		from   int
		closed bool
	}{{year + 1, false}, {year - 5, true}} {
		home := t.TempDir()
		storetest.Thunderbird(t, home, "linux", []storetest.TBAccount{{Protocol: "imap", Server: "imap.example.net",
			User: e.conn.User, Address: "taro@example.net", From: c.from, To: c.from + 1,
			Folders: []storetest.TBFolder{{Name: "INBOX", Msgs: raws[:6]}}}})
		v := e.checkStores(gate.StoreSearch{Home: home, GOOS: "linux"})
		if len(v.Stores) != 1 {
			t.Fatalf("stores %+v", v.Stores)
		}
		if !c.closed {
			if !v.Open {
				t.Errorf("IMAP store from %d (server from %d) closes the gate: %v", c.from, year, v.Reasons())
			}
			continue
		}
		closedBy(t, v, gate.CondStores, "not-imported", gate.StoreNotImported, "Thunderbird", 0)
		if s := v.OnlyHere(gate.English); !strings.Contains(s, "in Thunderbird: 6 messages, "+strconv.Itoa(c.from)) {
			t.Errorf("OnlyHere = %q", s)
		}
	}
}

// The check just after a verification takes the verification's reading of
// a store unchanged since (size, modification time), rather than read it
// whole a second time; a changed one is read again (above).
func TestGateCheckTakesVerifiesReadingOfAnUnchangedStore(t *testing.T) {
	e := ready(t)
	_, raws := storetest.Corpus()
	home := t.TempDir()
	var inbox [][]byte
	for _, r := range raws[:6] {
		inbox = append(inbox, storetest.WithMozStatus(r, 1, ""))
	}
	profile := storetest.Thunderbird(t, home, "linux", []storetest.TBAccount{
		{Protocol: "pop3", Server: "pop.example.net", User: e.conn.User, Address: "taro@example.net",
			Folders: []storetest.TBFolder{{Name: "Inbox", Msgs: inbox}}}})
	search := gate.StoreSearch{Home: home, GOOS: "linux"}
	e.importStores(home, "pop.example.net")
	if res := e.verify(false); !res.OK() {
		t.Fatal(res.Problems)
	}
	// Overwrite the store's bytes keeping its size and time: a check that
	// read the store again would find its messages missing.
	inboxPath := filepath.Join(profile, "Mail", "pop.example.net", "Inbox")
	fi, err := os.Stat(inboxPath)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(inboxPath)
	garbled := []byte(strings.ReplaceAll(string(data), "Subject:", "Subjekt:"))
	if len(garbled) != len(data) || string(garbled) == string(data) {
		t.Fatal("could not garble the store in place")
	}
	if err := os.WriteFile(inboxPath, garbled, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(inboxPath, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	v := e.checkStores(search)
	if !v.Open || len(v.Stores) != 1 || v.Stores[0].Messages != int64(len(inbox)) || !v.Stores[0].Verified {
		t.Fatalf("check after verify read the unchanged store again: open %v, %+v, %v", v.Open, v.Stores, v.Reasons())
	}
	// A verification reads it whole, and so finds it changed.
	if res := e.verify(false); res.OK() {
		t.Error("verify took an earlier reading of the store")
	}
}
