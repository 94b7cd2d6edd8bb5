package app

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/progress"
)

type fakeStores struct{ found []backup.FoundStore }

func (f *fakeStores) FindStores(ctx context.Context, in StoresInput) ([]backup.FoundStore, error) {
	return f.found, nil
}

// "Where is your mail?" on the real engine: the demo customer's older mail
// is only in Thunderbird on this computer; the step lists it and says so,
// and the backup copies it together with the server, after which the gate
// has no store left to copy.
func TestWhereIsYourMailOnTheRealEngine(t *testing.T) {
	old, oldCfg, _, _ := demoServers(t)
	home := t.TempDir()
	if _, err := old.MailAppHome(home); err != nil {
		t.Fatal(err)
	}
	f := newFakes()
	eng := f.engine()
	eng.Stores, eng.Backup = realStores{}, realBackup{}
	u := newTestUIWith(t, eng, func(o *Options) { o.StoresHome = home })
	u.acct = account{Email: old.User, User: oldCfg.User, Host: oldCfg.Host, Port: oldCfg.Port, Security: oldCfg.Security,
		Password: oldCfg.Password, ArchiveDir: t.TempDir()}
	u.goTo(stepStores)
	u.waitBackground()
	if len(u.mailApps.found) != 1 {
		t.Fatalf("found %+v, want the demo's Thunderbird store", u.mailApps.found)
	}
	st := u.mailApps.found[0]
	if st.Store.App != "Thunderbird" || st.Messages != 300 || !st.OnlyHere {
		t.Fatalf("store = %+v, want Thunderbird's 300 messages, only here", st)
	}
	want := tr("stores.only-here", map[string]any{"App": "Thunderbird", "Messages": "300", "Years": yearsOf(st)})
	if !contains(texts(u.win.Canvas()), want) {
		t.Errorf("the step does not say %q: %q", want, texts(u.win.Canvas()))
	}
	test.Tap(u.mailApps.startBtn)
	u.waitBackground()
	sum := u.backup.sum
	if u.step != stepBackup || sum == nil || u.backup.err != nil || !sum.OK() || len(sum.Stores) != 1 || sum.Stores[0].Added != 300 {
		t.Fatalf("backup: step %d, %+v, %v; want the server and the store's 300 messages", u.step, sum, u.backup.err)
	}
	done := tr("backup.store-done", map[string]any{"App": "Thunderbird", "Account": storeAccount(st.Store.Account), "New": "300", "Skipped": "0"})
	if !contains(texts(u.win.Canvas()), done) {
		t.Errorf("the backup does not say %q", done)
	}
	in := GateInput{Conn: oldCfg, ArchiveDir: u.acct.ArchiveDir, StoresHome: home}
	if err := (migrateGate{}).Verify(context.Background(), in, func(progress.Event) {}); err != nil {
		t.Fatal(err)
	}
	v, _ := migrateGate{}.Check(context.Background(), in)
	for _, c := range v.Conditions {
		if c.ID == gate.CondStores && !c.OK {
			t.Errorf("after the backup: %+v, want the stores green", c)
		}
	}
}

// Outlook's file is listed as not read yet, with the plain sentence.
func TestWhereIsYourMailListsOutlook(t *testing.T) {
	f := newFakes()
	st := outlookStore()
	f.stores.found = []backup.FoundStore{{Store: st}}
	u := newTestUI(t, f)
	u.goTo(stepStores)
	u.waitBackground()
	got := strings.Join(texts(u.win.Canvas()), "|")
	if !strings.Contains(got, tr("stores.outlook", map[string]any{"App": "Outlook", "Path": st.Path})) {
		t.Errorf("no plain sentence about Outlook in %q", got)
	}
	u.switchLanguage("ja")
	if got := strings.Join(texts(u.win.Canvas()), "|"); !strings.Contains(got, "Outlook 自身のデータはコピーされません") {
		t.Errorf("not in Japanese: %q", got)
	}
}

func outlookStore() *mailstore.Store {
	return &mailstore.Store{Kind: "outlook", App: "Outlook", Path: "/home/hanako/Documents/Outlook Files/hanako@example.jp.pst",
		Account: mailstore.Account{Address: "hanako@example.jp"}, Bytes: 1 << 30, NotRead: "Outlook's own data file is not read yet"}
}
