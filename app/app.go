// Package app is Mailark's desktop window: a guided flow from "old account"
// to "safe to remove", one file per screen. It holds no mail logic: it
// calls the engine through the small interfaces in engine.go, runs long
// work off the UI goroutine and changes widgets only through fyne.Do.
package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/mailark/mailark/assets"
	"github.com/mailark/mailark/internal/autoconfig"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/pop3"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/settings"
)

// AppID is the application ID (FyneApp.toml says the same).
const AppID = "io.mailark.app"

// Options for Run. The zero value opens the window on the real engine.
type Options struct {
	// Engine replaces parts of the engine (tests); zero fields are real.
	Engine Engine
	// SettingsDir holds accounts.json; default settings.DefaultDir().
	SettingsDir string
	// ArchiveRoot is where a new account's archive folder is proposed;
	// default ~/Mailark.
	ArchiveRoot string
	// Language is "en" or "ja"; default from the system locale.
	Language string
	// Demo prefills the account screen (mailark demo).
	Demo *DemoAccount
	// DemoNew prefills the new account of step 7 (mailark demo).
	DemoNew *DemoAccount
	// StoresHome is where the gate looks for the mail apps' stores; ""
	// is the person's home folder (mailark demo writes its own).
	StoresHome string
	// Script makes the app walk through every screen by itself, saving a
	// screenshot of each into ScreenshotDir, then quit (script.go, built
	// only with -tags screenshots; without it Run refuses).
	Script        bool
	ScreenshotDir string
	// Version is shown in the About text and the app metadata.
	Version string

	testQueue *uiQueue // tests: run UI updates on the test goroutine
}

// DemoAccount is the account the demo's built-in server holds.
type DemoAccount struct {
	Email      string
	Password   string
	Host       string
	Port       int
	Security   imapconn.Security
	ArchiveDir string
}

// Run opens the window and returns when it is closed. ctx is the root of
// all work; when it is cancelled (Ctrl-C in the terminal) the app quits.
func Run(ctx context.Context, opts Options) error {
	if opts.Script && !scriptBuilt {
		return errors.New("this build has no screenshot driver: build with -tags screenshots (make test-gui)")
	}
	icon := fyne.NewStaticResource("icon.png", assets.Icon)
	version := opts.Version // main's, from FyneApp.toml
	if version == "" {
		version = "dev"
	}
	// The same as FyneApp.toml, so a plain `go build` binary has it too
	// (notably fyneDo: widgets change only through fyne.Do).
	fyneapp.SetMetadata(fyne.AppMetadata{ID: AppID, Name: "Mailark", Version: version, Build: 1, Icon: icon,
		Custom: map[string]string{}, Migrations: map[string]bool{"fyneDo": true}})
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(icon)
	u, err := newUI(ctx, a, opts)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { fyne.Do(a.Quit) })
	defer stop()
	if opts.Script {
		go u.runScript(opts.ScreenshotDir)
	}
	u.win.ShowAndRun()
	u.shutdown()
	return nil
}

// ui is the window and the state of the flow.
type ui struct {
	// root is the window's life, a child of Run's context: every long job
	// (backup, survey, verification, archive loading, copy, announcement)
	// takes its own context from it and has its own stop, and closing the
	// window cancels root, which stops them all.
	root    context.Context
	endLife context.CancelFunc
	app     fyne.App
	win     fyne.Window
	eng     Engine
	opts    Options

	store    *settings.Store // nil when the settings folder could not be read
	storeErr error

	acct account
	// newAcct is the account the mail moves to (step 7).
	newAcct account
	// session keeps passwords that could not go to a keyring, for this
	// run of the app only.
	session map[string]secret.Password

	step    int
	screens []screen

	account  *accountScreen
	survey   *surveyScreen
	mailApps *mailAppsScreen
	backup   *backupScreen
	contacts *contactsScreen
	verify   *verifyScreen
	migrate  *migrateScreen
	done     *doneScreen
	viewer   *archiveView // the Archive window, nil when closed

	notice msg // shown under the step bar until the next step

	bg tasks // background work started by the screens
	// storeTail is closed when the last settings or keyring work asked
	// for is done (store.go runs them in order).
	storeTail chan struct{}
	closing   bool
	// gone is set once the window has closed: background work finishing
	// after that changes no widget (Fyne's loop has stopped).
	gone atomic.Bool
	// queue, when set (tests), holds the UI updates that background work
	// hands back, until the test runs them on its own goroutine: the
	// real app runs them on Fyne's UI goroutine (fyne.Do).
	queue *uiQueue
}

// account is the account being worked on.
type account struct {
	Email      string
	Password   secret.Password
	Host       string
	Port       int
	Security   imapconn.Security
	CAFile     string
	User       string
	ArchiveDir string
	Remember   bool
	// ServerSource says where Host came from (autoconfig.Source*, or
	// "manual" when typed, "saved" from a profile, "demo").
	ServerSource string
	ProviderName string
	// Protocol is autoconfig.ProtocolPOP3 for an account read over POP3
	// (the inbox only); "" or ProtocolIMAP: IMAP.
	Protocol string
}

// isPOP3 reports whether the account is read over POP3.
func (a account) isPOP3() bool { return a.Protocol == autoconfig.ProtocolPOP3 }

// pop3 is the account's connection as a POP3 one.
func (a account) pop3() pop3.Config {
	c := a.conn()
	return pop3.Config{Host: c.Host, Port: c.Port, Security: c.Security, CAFile: c.CAFile, User: c.User, Password: c.Password}
}

// gatePOP3 is the POP3 mailbox the gate asks, nil for an IMAP account.
func (a account) gatePOP3() *pop3.Config {
	if !a.isPOP3() {
		return nil
	}
	c := a.pop3()
	return &c
}

func (a account) conn() imapconn.Config {
	user := a.User
	if user == "" {
		user = a.Email
	}
	return imapconn.Config{Host: a.Host, Port: a.Port, Security: a.Security, CAFile: a.CAFile,
		User: user, Password: a.Password}
}

func (a account) id() string { return settings.AccountID(a.Email) }

// Steps of the flow, in order. stepDone is the closing screen, not shown in
// the step bar. stepMigrate needs a backup, not the removal gate: copying
// changes nothing on the old account. It is reached from the Done screen
// and from the step bar.
const (
	stepAccount = iota
	stepSurvey
	stepStores
	stepBackup
	stepContacts
	stepVerify
	stepMigrate
	stepDone
)

// screen is one step of the flow.
type screen interface {
	title() msg
	intro() msg
	// content builds the screen's body for the current language.
	content() fyne.CanvasObject
	// actions are the buttons at the bottom right; the primary (blue)
	// one last.
	actions() []fyne.CanvasObject
	// enter is called when the flow arrives at the screen.
	enter()
	// busy reports whether work is running that leaving would disturb.
	busy() bool
}

func newUI(ctx context.Context, a fyne.App, opts Options) (*ui, error) {
	if err := loadTranslations(); err != nil {
		return nil, err
	}
	code := opts.Language
	if code == "" {
		code = systemLanguage()
	}
	if err := setLanguage(code); err != nil {
		return nil, err
	}
	a.Settings().SetTheme(newTheme())

	life, endLife := context.WithCancel(ctx)
	u := &ui{root: life, endLife: endLife, app: a, eng: opts.Engine.withDefaults(), opts: opts, session: map[string]secret.Password{},
		queue: opts.testQueue}
	dir := opts.SettingsDir
	if dir == "" {
		var err error
		if dir, err = settings.DefaultDir(); err != nil {
			u.storeErr = err
		}
	}
	if dir != "" {
		u.store, u.storeErr = settings.Load(dir)
	}
	if u.storeErr != nil {
		u.notice = say("notice.settings-unreadable", "Detail", u.storeErr.Error())
	}

	u.win = a.NewWindow(tr("app.title"))
	u.win.Resize(fyne.NewSize(1120, 780))
	u.account = newAccountScreen(u)
	u.survey = newSurveyScreen(u)
	u.mailApps = newMailAppsScreen(u)
	u.backup = newBackupScreen(u)
	u.contacts = newContactsScreen(u)
	u.verify = newVerifyScreen(u)
	u.migrate = newMigrateScreen(u)
	u.done = newDoneScreen(u)
	u.screens = []screen{u.account, u.survey, u.mailApps, u.backup, u.contacts, u.verify, u.migrate, u.done}
	u.win.SetCloseIntercept(u.onClose)

	if opts.Demo != nil {
		u.account.prefill(*opts.Demo)
		if opts.DemoNew != nil {
			u.migrate.form.prefill(*opts.DemoNew)
		}
	} else if u.store != nil {
		if a, ok := firstBackedUp(u.store.Accounts()); ok {
			u.account.loadProfile(a)
		}
	}
	u.goTo(stepAccount)
	return u, nil
}

// firstBackedUp picks the account step 1 opens with: the first with an
// archive (a new account saved in step 7 has none), else the first.
func firstBackedUp(accts []settings.Account) (settings.Account, bool) {
	for _, a := range accts {
		if a.ArchiveDir != "" {
			return a, true
		}
	}
	if len(accts) > 0 {
		return accts[0], true
	}
	return settings.Account{}, false
}

// goTo moves the flow to step and shows it.
func (u *ui) goTo(step int) {
	if step != u.step {
		u.notice = msg{}
	}
	u.step = step
	u.screens[step].enter()
	u.render()
}

// render rebuilds the window's content for the current step and language.
func (u *ui) render() {
	s := u.screens[u.step]
	u.win.SetTitle(tr("app.title"))
	u.win.SetContent(u.frame(s))
	if u.viewer != nil {
		u.viewer.render()
	}
}

// rerender renders the window again if it still shows step and is not
// closing: what a screen's background work calls when it ends, since the
// user may have moved to another step meanwhile.
func (u *ui) rerender(step int) {
	if u.step == step && !u.closing {
		u.render()
	}
}

// switchLanguage changes the language of every screen.
func (u *ui) switchLanguage(code string) {
	if code == current {
		return
	}
	if err := setLanguage(code); err != nil {
		u.notice = errMsg(err, "")
	}
	u.render()
}

// goBackground runs f off the UI goroutine; f must change widgets only
// through fyne.Do. Tests wait for it with waitBackground.
func (u *ui) goBackground(f func()) {
	u.bg.add()
	go func() {
		defer u.bg.done()
		f()
	}()
}

// do runs f on the UI goroutine: fyne.Do, or the test queue. After the
// window closed it drops f.
func (u *ui) do(f func()) {
	if u.gone.Load() {
		return
	}
	if u.queue != nil {
		u.queue.push(f)
		return
	}
	fyne.Do(f)
}

// waitBackground waits until no background task runs and, in tests, every
// UI update they handed back has run (the screenshot script drains the
// real driver itself).
func (u *ui) waitBackground() {
	for {
		u.bg.wait()
		if u.queue == nil || !u.drain() {
			return
		}
	}
}

// drain runs the queued UI updates (tests); it reports whether it ran any.
func (u *ui) drain() bool {
	ran := false
	for {
		fns := u.queue.take()
		if len(fns) == 0 {
			return ran
		}
		ran = true
		for _, f := range fns {
			f()
		}
	}
}

// uiQueue collects UI updates for tests.
type uiQueue struct {
	mu  sync.Mutex
	fns []func()
}

func (q *uiQueue) push(f func()) {
	q.mu.Lock()
	q.fns = append(q.fns, f)
	q.mu.Unlock()
}

func (q *uiQueue) take() []func() {
	q.mu.Lock()
	defer q.mu.Unlock()
	fns := q.fns
	q.fns = nil
	return fns
}

// tasks counts running background work. Unlike a sync.WaitGroup it may
// start new work while someone waits.
type tasks struct {
	mu   sync.Mutex
	cond *sync.Cond
	n    int
}

func (t *tasks) add() {
	t.mu.Lock()
	t.n++
	t.mu.Unlock()
}

func (t *tasks) done() {
	t.mu.Lock()
	t.n--
	if t.cond != nil {
		t.cond.Broadcast()
	}
	t.mu.Unlock()
}

func (t *tasks) wait() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cond == nil {
		t.cond = sync.NewCond(&t.mu)
	}
	for t.n > 0 {
		t.cond.Wait()
	}
}

func (t *tasks) running() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// anyBusy reports whether some screen is running work.
func (u *ui) anyBusy() bool {
	for _, s := range u.screens {
		if s.busy() {
			return true
		}
	}
	return false
}

// closeGrace bounds how long closing waits for stopped work to return;
// every job commits whole units of work, so leaving one behind loses
// nothing.
const closeGrace = 1500 * time.Millisecond

// stopAll stops every job of the window.
func (u *ui) stopAll() {
	u.backup.stop()
	u.survey.stop()
	u.mailApps.stop()
	u.verify.stop()
	u.migrate.stop()
	u.migrate.ann.stop()
	if u.viewer != nil {
		u.viewer.cancel()
	}
	u.endLife()
}

// shutdown stops running work and waits for it (after the window closed),
// at most closeGrace with the real driver.
func (u *ui) shutdown() {
	u.closing = true
	u.stopAll()
	if u.queue != nil { // tests: run what the work handed back
		u.waitBackground()
		u.gone.Store(true)
		return
	}
	u.gone.Store(true)
	done := make(chan struct{})
	go func() {
		u.bg.wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeGrace):
	}
}

// defaultArchiveDir proposes where an account's archive goes.
func (u *ui) defaultArchiveDir(email string) string {
	root := u.opts.ArchiveRoot
	if root == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		root = filepath.Join(home, "Mailark")
	}
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`<>:"/\|?*`, r) || r < 0x20 {
			return '_'
		}
		return r
	}, strings.ToLower(strings.TrimSpace(email)))
	if name == "" {
		name = "archive"
	}
	return filepath.Join(root, name)
}

// archiveExists reports whether the account's archive folder holds an
// archive (a backup ran at least partly).
func (u *ui) archiveExists() bool {
	if u.acct.ArchiveDir == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(u.acct.ArchiveDir, "archive.sqlite"))
	return err == nil
}
