package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/migrate"
)

// Step 7, "Move to the new account", in three parts on one screen. A line
// at the top names the part shown and the ones to come:
//
//  1. the new account, typed as in step 1 (the same form, and the password
//     kept the same way), then where each archived folder will go;
//  2. the copy, with progress. Stop stops cleanly; running again goes on,
//     and the engine copies nothing twice;
//  3. the drafted "my address has changed" message, to read, change and
//     save as drafts in the new account (announce.go). Mailark never sends
//     it.
//
// The archive is copied, not the old server, so this step needs a backup
// but not the removal gate: nothing on the old account changes.
type migrateScreen struct {
	u          *ui
	countWidth float32      // the messages column, as fitCountColumn set it
	form       *accountForm // the new account
	part       migratePart
	from       int // the step the person came from: Back in the first part

	loadingMap task // where each folder goes
	mapping    []migrate.MappingEntry
	mapStatus  *statusLine

	running, stopping, cancelled bool
	cancel                       context.CancelFunc
	sum                          *migrate.CopySummary
	err                          error
	*progressPanel               // shared with the backup of step 4
	folderStates                 map[string]folderState
	table                        *widget.Table

	ann *announcePart

	// fromIncomplete: the person chose to copy from an archive that is not
	// a verified, complete copy of the old account ("Copy … anyway").
	fromIncomplete bool

	connectBtn, startBtn, cancelBtn, nextBtn, changeBtn, verifyBtn *widget.Button
}

type migratePart int

const (
	partAccount migratePart = iota
	partCopy
	partAnnounce
)

// partKeys name the parts in the line at the top of the screen.
var partKeys = []string{"migrate.part.account", "migrate.part.copy", "migrate.part.announce"}

func newMigrateScreen(u *ui) *migrateScreen {
	s := &migrateScreen{u: u, from: stepDone, mapStatus: newStatusLine(), folderStates: map[string]folderState{}}
	s.progressPanel = newProgressPanel(u, s.apply)
	s.form = newAccountForm(u, &u.newAcct, stepMigrate)
	s.form.exclude = func() string { return u.acct.Email }
	s.form.changed = s.accountChanged
	s.form.submit = s.connect
	s.table = headedTable(s.rows,
		[]string{"migrate.col.folder", "migrate.col.dest", "migrate.col.messages", "migrate.col.state"},
		migrateColumns, true, s.fillCell)
	s.ann = newAnnouncePart(s)
	s.connectBtn = primary("", theme.NavigateNextIcon(), s.connect)
	s.startBtn = primary("", theme.MediaPlayIcon(), s.start)
	s.cancelBtn = widget.NewButtonWithIcon("", theme.CancelIcon(), s.stop)
	s.cancelBtn.Importance = widget.DangerImportance
	s.nextBtn = widget.NewButtonWithIcon("", theme.NavigateNextIcon(), s.toAnnounce)
	s.changeBtn = widget.NewButtonWithIcon("", theme.AccountIcon(), func() { s.show(partAccount) })
	s.verifyBtn = widget.NewButtonWithIcon("", theme.ConfirmIcon(), func() { s.u.goTo(stepVerify) })
	return s
}

// openMigrate goes to step 7 from wherever the person is.
func (u *ui) openMigrate() {
	if u.step == stepMigrate || u.anyBusy() || !u.archiveExists() {
		return
	}
	u.migrate.from = u.step
	u.goTo(stepMigrate)
}

func (s *migrateScreen) title() msg { return say("migrate.title") }

func (s *migrateScreen) intro() msg {
	switch s.part {
	case partCopy:
		return say("migrate.intro-copy")
	case partAnnounce:
		return say("announce.intro")
	}
	return say("migrate.intro")
}

func (s *migrateScreen) busy() bool {
	return s.form.running || s.loadingMap.running || s.running || s.ann.busy()
}

func (s *migrateScreen) enter() {
	if s.part == partAnnounce {
		s.ann.enter()
	}
}

// back goes to the previous part, or from the first part to where the
// person came from.
func (s *migrateScreen) back() {
	if s.busy() {
		return
	}
	switch s.part {
	case partAnnounce:
		s.show(partCopy)
	case partCopy:
		s.show(partAccount)
	default:
		s.u.goTo(s.from)
	}
}

// show switches to a part and redraws.
func (s *migrateScreen) show(p migratePart) {
	s.part = p
	if p == partAnnounce {
		s.ann.enter()
	}
	s.rerender()
}

func (s *migrateScreen) rerender() {
	s.u.rerender(stepMigrate)
}

// moved reports whether every archived message is in the new account.
func (s *migrateScreen) moved() bool {
	return s.sum != nil && s.err == nil && s.sum.OK() && !s.partialSource()
}

// partialSource reports whether the last copy came from an archive that
// does not hold the whole old account (copied anyway, as the person chose).
func (s *migrateScreen) partialSource() bool {
	return s.fromIncomplete && s.sum != nil && !s.sum.Source.Complete
}

// refusedIncomplete reports whether the copy was refused because the
// archive is not a verified, complete copy of the old account.
func (s *migrateScreen) refusedIncomplete() bool {
	return errors.Is(s.err, migrate.ErrIncompleteSource)
}

// accountChanged: the person changed the new account; what was planned or
// copied for the one before does not hold for it.
func (s *migrateScreen) accountChanged() {
	if s.running {
		return
	}
	s.mapping, s.sum, s.err, s.cancelled, s.haveLast = nil, nil, nil, false, false
	s.folderStates = map[string]folderState{}
	s.mapStatus.set(statusNone, msg{})
	s.result.set(statusNone, msg{})
	s.notice.set(statusNone, msg{})
	s.ann.reset()
}

func (s *migrateScreen) input() MigrateInput {
	return MigrateInput{ArchiveDir: s.u.acct.ArchiveDir, Conn: s.u.newAcct.conn(), FromIncompleteBackup: s.fromIncomplete}
}

// sameAccount reports whether the new account is the old one: copying an
// archive into the account it came from would double every message.
func (s *migrateScreen) sameAccount() bool {
	old, nw := s.u.acct.conn(), s.u.newAcct.conn()
	return strings.EqualFold(old.Host, nw.Host) && strings.EqualFold(old.User, nw.User)
}

// connect tests the new account as step 1 does, saves it (and its
// password, when asked) and reads where the folders will go.
func (s *migrateScreen) connect() {
	if s.busy() {
		return
	}
	if _, _, ok := splitEmail(s.u.newAcct.Email); ok && s.u.newAcct.Host != "" && s.sameAccount() {
		s.form.result.set(statusBad, say("migrate.same-account", "Email", s.u.newAcct.Email))
		return
	}
	s.form.test(func() {
		if s.sameAccount() {
			s.form.result.set(statusBad, say("migrate.same-account", "Email", s.u.newAcct.Email))
			s.rerender()
			return
		}
		s.u.saveAccount(s.u.newAcct)
		s.loadMapping()
	})
}

// loadMapping asks the engine where each folder goes.
func (s *migrateScreen) loadMapping() {
	if s.loadingMap.running {
		return
	}
	s.mapStatus.set(statusWorking, say("migrate.mapping-loading"))
	in := s.input()
	s.loadingMap.backgroundWithin(s.u, 2*time.Minute, func(ctx context.Context) func() {
		plan, err := s.u.eng.Migrate.Mapping(ctx, in)
		return func() {
			if err != nil {
				s.mapStatus.set(statusBad, errMsg(err, in.Conn.Host))
				s.rerender()
				return
			}
			s.mapping = plan
			s.mapStatus.set(statusNone, msg{})
			s.show(partCopy)
		}
	})
	s.rerender()
}

// partBar says which part of the step is shown and what comes next.
func (s *migrateScreen) partBar() fyne.CanvasObject {
	row := container.NewHBox()
	for i, key := range partKeys {
		if i > 0 {
			row.Add(widget.NewIcon(theme.NavigateNextIcon()))
		}
		l := widget.NewLabel(tr(key))
		switch {
		case migratePart(i) == s.part:
			l.Importance = widget.HighImportance
			l.TextStyle = fyne.TextStyle{Bold: true}
		case migratePart(i) < s.part:
			row.Add(widget.NewIcon(theme.ConfirmIcon()))
		default:
			l.Importance = widget.LowImportance
		}
		row.Add(l)
	}
	return row
}

func (s *migrateScreen) content() fyne.CanvasObject {
	var body fyne.CanvasObject
	switch s.part {
	case partCopy:
		body = s.copyBody()
	case partAnnounce:
		body = s.ann.content()
	default:
		box := s.form.body()
		s.mapStatus.refresh()
		if s.loadingMap.running {
			box.Add(widget.NewProgressBarInfinite())
		}
		box.Add(s.mapStatus.box)
		body = box
	}
	return container.NewVScroll(container.NewPadded(container.NewVBox(container.NewHScroll(s.partBar()), body)))
}

func (s *migrateScreen) actions() []fyne.CanvasObject {
	switch s.part {
	case partAnnounce:
		return s.ann.actions()
	case partCopy:
		return s.copyActions()
	}
	s.form.testBtn.SetText(tr("button.test"))
	s.connectBtn.SetText(tr("button.show-mapping"))
	setEnabled(!s.busy(), s.form.testBtn, s.connectBtn)
	return []fyne.CanvasObject{s.form.testBtn, s.connectBtn}
}

// toAnnounce goes on to the message to the contacts.
func (s *migrateScreen) toAnnounce() {
	if s.running {
		return
	}
	s.show(partAnnounce)
}
