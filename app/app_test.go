package app

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/zalando/go-keyring"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/autoconfig"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/progress"
)

// The screens are tested on a fake engine: every interface of engine.go
// answers from memory, so these tests need no network, no display and no
// cgo (go test -tags ci).

type fakeDiscover struct {
	settings autoconfig.Settings
	err      error
	calls    int
}

func (f *fakeDiscover) Discover(ctx context.Context, email string) (autoconfig.Settings, error) {
	f.calls++
	if s, ok := autoconfig.Lookup(email); ok {
		return s, nil
	}
	s := f.settings
	s.User = email
	return s, f.err
}

type fakeConn struct {
	err   error
	calls []imapconn.Config
}

func (f *fakeConn) TestConnection(ctx context.Context, cfg imapconn.Config) error {
	f.calls = append(f.calls, cfg)
	return f.err
}

type fakeSurvey struct {
	res backup.SurveyResult
	err error
}

func (f *fakeSurvey) Survey(ctx context.Context, opts backup.Options) (backup.SurveyResult, error) {
	return f.res, f.err
}

// fakeBackup runs script with the run's options; script may block on ctx.
type fakeBackup struct {
	mu     sync.Mutex
	calls  int
	script func(ctx context.Context, call int, opts backup.Options) (backup.Summary, error)
}

func (f *fakeBackup) Backup(ctx context.Context, opts backup.Options) (backup.Summary, error) {
	f.mu.Lock()
	f.calls++
	call := f.calls
	f.mu.Unlock()
	if f.script == nil {
		return backup.Summary{Total: 3, New: 3}, nil
	}
	return f.script(ctx, call, opts)
}

type fakeContacts struct {
	book     *addressbook.Book
	problems []string
	err      error
	exported *addressbook.Book
	path     string
	format   addressbook.Format
}

func (f *fakeContacts) Load(ctx context.Context, dir string) (*addressbook.Book, []string, error) {
	return f.book, f.problems, f.err
}

func (f *fakeContacts) Export(ctx context.Context, dir, path string, fm addressbook.Format, book *addressbook.Book) (addressbook.ExportRecord, error) {
	f.exported, f.path, f.format = book, path, fm
	return addressbook.ExportRecord{Path: path, Format: fm, Contacts: len(book.Contacts)}, nil
}

type fakeGate struct {
	verdict  GateVerdict
	err      error
	verified int
	removed  int
	repaired int
	imported int
	report   string
}

func (f *fakeGate) Verify(ctx context.Context, in GateInput, sink progress.Sink) error {
	f.verified++
	sink(progress.Event{Kind: progress.Status, Step: "verify", Done: 3, Total: 3})
	return nil
}

func (f *fakeGate) Check(ctx context.Context, in GateInput) (GateVerdict, error) {
	return f.verdict, f.err
}

func (f *fakeGate) Remove(ctx context.Context, in GateInput, forget func(context.Context) error) error {
	if !f.verdict.Open {
		return errors.New("gate closed")
	}
	f.removed++
	return forget(ctx)
}

func (f *fakeGate) ImportStores(ctx context.Context, in GateInput, sink progress.Sink) (int64, error) {
	f.imported++
	return 3, nil
}

func (f *fakeGate) Repair(ctx context.Context, archiveDir string) (int, error) {
	f.repaired++
	return 0, nil
}

func (f *fakeGate) Report(ctx context.Context, in GateInput, path, lang string) error {
	f.report = path + " " + lang
	return nil
}

// cond is a gate condition whose text depends on the language.
func cond(id string, ok bool, en, ja string) GateCondition {
	return GateCondition{ID: id, OK: ok, Reason: en, Text: func(lang string) string {
		if lang == "ja" {
			return ja
		}
		return en
	}}
}

type fakeArchive struct{}

func (fakeArchive) OpenArchive(ctx context.Context, dir string) (ArchiveReader, error) {
	return nil, errors.New("no archive in this test")
}

type fakes struct {
	stores   *fakeStores
	discover *fakeDiscover
	conn     *fakeConn
	survey   *fakeSurvey
	backup   *fakeBackup
	contacts *fakeContacts
	gate     *fakeGate
	migrate  *fakeMigrator
}

func newFakes() *fakes {
	return &fakes{
		discover: &fakeDiscover{err: autoconfig.ErrNotFound},
		conn:     &fakeConn{},
		survey: &fakeSurvey{res: backup.SurveyResult{Folders: []backup.FolderSurvey{
			{Name: "INBOX", Role: "inbox", Messages: 2, Bytes: 2000}, {Name: "取引先", Messages: 1, Bytes: 1000}},
			Messages: 3, Bytes: 3000, ToFetch: 3, ToFetchBytes: 3000, Rate: 1e6, FreeBytes: 1 << 40}},
		stores:   &fakeStores{},
		backup:   &fakeBackup{},
		contacts: &fakeContacts{book: testBook()},
		gate:     &fakeGate{},
		migrate:  newFakeMigrator(),
	}
}

func (f *fakes) engine() Engine {
	return Engine{Discover: f.discover, Conn: f.conn, Survey: f.survey, Stores: f.stores, Backup: f.backup,
		Contacts: f.contacts, Gate: f.gate, Migrate: f.migrate, Archive: fakeArchive{}}
}

func testBook() *addressbook.Book {
	return &addressbook.Book{Contacts: []*addressbook.Contact{
		{Name: "山田 花子", Emails: []string{"hanako@example.jp"}, Key: "hanako@example.jp", SentTo: 5, ReceivedFrom: 7},
		{Name: "Ichiro Suzuki", Emails: []string{"suzuki@clients.example"}, Key: "suzuki@clients.example", SentTo: 2, ReceivedFrom: 9},
		{Name: "", Emails: []string{"no-reply@shop.example"}, Key: "no-reply@shop.example", ReceivedFrom: 30,
			Automated: true, AutomatedReason: "no-reply address"},
	}}
}

// newTestUI opens the window on fakes, in English, with settings in a
// temporary folder and a memory keyring.
func newTestUI(t *testing.T, f *fakes) *ui {
	t.Helper()
	return newTestUIWith(t, f.engine(), nil)
}

// newTestUIWith opens the window on eng; mod, when set, changes the options.
func newTestUIWith(t *testing.T, eng Engine, mod func(*Options)) *ui {
	t.Helper()
	a := test.NewTempApp(t)
	keyring.MockInit()
	opts := Options{Engine: eng, SettingsDir: t.TempDir(), ArchiveRoot: t.TempDir(), Language: "en", testQueue: &uiQueue{}}
	if mod != nil {
		mod(&opts)
	}
	u, err := newUI(context.Background(), a, opts)
	if err != nil {
		t.Fatal(err)
	}
	u.account.discoverDelay = -1
	u.win.Resize(fyne.NewSize(1120, 780))
	t.Cleanup(func() {
		u.shutdown()
		setLanguage("en")
	})
	return u
}

// typeAccount fills the account screen as a person would.
func typeAccount(t *testing.T, u *ui, email, password string) {
	t.Helper()
	test.Type(u.account.email, email)
	test.Type(u.account.password, password)
}

// connectRemembering types the account, ticks "Remember the password" and
// taps Connect and continue, as a person would, and waits for the answer.
func connectRemembering(t *testing.T, u *ui, email, password string) {
	t.Helper()
	typeAccount(t, u, email, password)
	test.Tap(u.account.remember)
	test.Tap(u.account.nextBtn)
	u.waitBackground()
}

// texts lists the text of every label, button, check, entry placeholder and
// select on the window, in order.
func texts(c fyne.Canvas) []string {
	var out []string
	var visit func(o fyne.CanvasObject) bool
	visit = func(o fyne.CanvasObject) bool {
		switch w := o.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *widget.Button:
			out = append(out, w.Text)
		case *widget.Check:
			out = append(out, w.Text)
		case *widget.Hyperlink:
			out = append(out, w.Text)
		case *widget.Entry:
			out = append(out, w.PlaceHolder)
		case *widget.Accordion:
			for _, it := range w.Items {
				out = append(out, it.Title)
				if it.Open {
					walkVisible(it.Detail, visit)
				}
			}
			return false
		case *widget.Form:
			for _, it := range w.Items {
				out = append(out, it.Text)
				walkVisible(it.Widget, visit)
			}
			return false
		case *widget.Table, *widget.List:
			return false
		}
		return true
	}
	walkVisible(c.Content(), visit)
	return out
}

// walkVisible calls visit for o and every visible object under it, in
// order, going into a container's objects and a widget's rendered objects
// where visit says so.
func walkVisible(o fyne.CanvasObject, visit func(fyne.CanvasObject) (into bool)) {
	if o == nil || !o.Visible() || !visit(o) {
		return
	}
	if c, ok := o.(*fyne.Container); ok {
		for _, x := range c.Objects {
			walkVisible(x, visit)
		}
		return
	}
	if w, ok := o.(fyne.Widget); ok {
		for _, x := range test.WidgetRenderer(w).Objects() {
			walkVisible(x, visit)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

// failure makes an archive.Failure.
func failure(folder string, uid uint32, reason string) archive.Failure {
	return archive.Failure{FolderName: folder, UID: uid, Reason: reason, At: "2025-03-05T09:04:11+09:00"}
}

func fyneCell(row, col int) widget.TableCellID { return widget.TableCellID{Row: row, Col: col} }
