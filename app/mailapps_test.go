package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/progress"
)

type fakeStores struct {
	found []backup.FoundStore
	err   error
}

func (f *fakeStores) FindStores(ctx context.Context, in StoresInput) ([]backup.FoundStore, error) {
	return f.found, f.err
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

// A place that could not be searched is said, with what was found
// elsewhere still listed (never a silent skip).
func TestWhereIsYourMailSaysWhatCouldNotBeSearched(t *testing.T) {
	f := newFakes()
	f.stores.found = []backup.FoundStore{{Store: outlookStore()}}
	f.stores.err = errors.New("/media/olddisk/Users/hanako/AppData: permission denied")
	u := newTestUI(t, f)
	u.goTo(stepStores)
	u.waitBackground()
	want := tr("stores.search-error", map[string]any{"Detail": f.stores.err.Error()})
	if got := texts(u.win.Canvas()); !contains(got, want) || len(u.mailApps.found) != 1 {
		t.Errorf("want %q and the store found elsewhere; screen %q, found %d", want, got, len(u.mailApps.found))
	}
}

func outlookStore() *mailstore.Store {
	return &mailstore.Store{Kind: "outlook", App: "Outlook", Path: "/home/hanako/Documents/Outlook Files/hanako@example.jp.pst",
		Account: mailstore.Account{Address: "hanako@example.jp"}, Bytes: 1 << 30, NotRead: "Outlook's own data file is not read yet"}
}

// The contacts screen says which mail app's address book could not be
// read (addressbook.FindSaved's problems), on the real engine.
func TestContactsSayWhichAddressBookIsUnreadable(t *testing.T) {
	_, _, _, dir := demoServers(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	book := filepath.Join(home, thunderbirdProfiles(), "abcd1234.default-release", "abook.sqlite")
	if err := os.MkdirAll(filepath.Dir(book), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(book, []byte("not a database, a truncated copy"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, problems, err := realContacts{}.Load(context.Background(), dir)
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0], book) {
		t.Fatalf("Load: problems %q, %v; want the broken abook.sqlite named", problems, err)
	}
	f := newFakes()
	f.contacts.problems = problems
	u := newTestUI(t, f)
	toContacts(t, u)
	want := tr("contacts.saved-unreadable", map[string]any{"Count": "1", "Detail": problems[0]})
	if got := u.contacts.status.label.Text; got != want {
		t.Errorf("status line = %q, want %q", got, want)
	}
	u.switchLanguage("ja")
	if got := u.contacts.status.label.Text; !strings.Contains(got, "アドレス帳") || !strings.Contains(got, book) {
		t.Errorf("status line in Japanese = %q", got)
	}
}

// thunderbirdProfiles is where Thunderbird keeps its profiles under the
// home folder on this system.
func thunderbirdProfiles() string {
	switch runtime.GOOS {
	case "darwin":
		return "Library/Thunderbird/Profiles"
	case "windows":
		return "AppData/Roaming/Thunderbird/Profiles"
	}
	return ".thunderbird"
}
