package app

import (
	"net/url"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/secret"
)

// The closing screen: what is safe and where it is, what is still open,
// the way to the archive, and the way to step 7, moving the mail to the new
// account (open once a backup exists).
type doneScreen struct {
	u *ui
}

func newDoneScreen(u *ui) *doneScreen { return &doneScreen{u: u} }

func (s *doneScreen) title() msg {
	if s.u.verify.removed {
		return say("done.title-removed")
	}
	return say("done.title")
}
func (s *doneScreen) intro() msg { return say("done.intro") }
func (s *doneScreen) busy() bool { return false }
func (s *doneScreen) enter()     {}

func (s *doneScreen) content() fyne.CanvasObject {
	u := s.u
	box := container.NewVBox()
	if u.verify.removed {
		box.Add(statusLabel(statusOK, say("done.removed", "Email", u.acct.Email)))
	}
	if sum := u.backup.sum; sum != nil {
		box.Add(statusLabel(statusOK, say("done.archive", "Count", formatCount(sum.Total), "Path", u.acct.ArchiveDir)))
	} else if u.archiveExists() {
		box.Add(statusLabel(statusOK, say("done.archive-path", "Path", u.acct.ArchiveDir)))
	}
	if rec := u.contacts.exported; rec != nil {
		box.Add(statusLabel(statusOK, say("done.contacts", "Count", formatCount(int64(rec.Contacts)), "Path", rec.Path)))
	} else {
		box.Add(statusLabel(statusBad, say("done.contacts-missing")))
	}
	switch {
	case u.verify.removed:
	case u.verify.open():
		box.Add(statusLabel(statusOK, say("done.safe")))
	default:
		box.Add(statusLabel(statusBad, say("done.not-safe-yet")))
	}
	if m := u.migrate; m.sum != nil {
		in, total := inNewAccount(*m.sum), m.sum.Messages
		if total == 0 {
			total = m.planned()
		}
		if m.moved() {
			box.Add(statusLabel(statusOK, say("done.moved", "Count", formatCount(in), "Email", u.newAcct.Email)))
		} else {
			box.Add(statusLabel(statusBad, say("done.moved-partly", "Count", formatCount(in),
				"Total", formatCount(total), "Email", u.newAcct.Email)))
		}
	}
	if d := u.migrate.ann.saved; d != nil {
		box.Add(statusLabel(statusOK, say("done.drafts", "Folder", d.DraftsFolder, "Email", u.newAcct.Email)))
	}
	box.Add(wrapLabel(tr("done.archive-explain")))
	move := widget.NewButtonWithIcon(tr("done.migrate"), theme.MailForwardIcon(), u.openMigrate)
	if !u.archiveExists() {
		move.Disable()
	}
	box.Add(container.NewHBox(move))
	return container.NewVScroll(container.NewPadded(box))
}

func (s *doneScreen) actions() []fyne.CanvasObject {
	show := widget.NewButtonWithIcon(tr("button.show-folder"), theme.FolderIcon(), s.showFolder)
	another := widget.NewButtonWithIcon(tr("button.another-account"), theme.ContentAddIcon(), s.another)
	out := []fyne.CanvasObject{another, show}
	if s.u.archiveExists() {
		out = append(out, primary(tr("button.open-archive"), theme.FolderOpenIcon(), s.u.openArchiveView))
	} else {
		show.Disable()
	}
	return out
}

// showFolder opens the archive folder in the system's file manager.
func (s *doneScreen) showFolder() {
	u, err := url.Parse(storage.NewFileURI(s.u.acct.ArchiveDir).String())
	if err == nil {
		err = s.u.app.OpenURL(u)
	}
	if err != nil {
		s.u.notice = errMsg(err, "")
		s.u.render()
	}
}

// another starts over on step 1 with an empty form.
func (s *doneScreen) another() {
	u := s.u
	u.acct = account{Security: imapconn.TLS, Password: secret.Password{}}
	u.survey.res = nil
	u.backup.sum, u.backup.err, u.backup.failures = nil, nil, nil
	u.contacts.book, u.contacts.exported = nil, nil
	u.verify.verdict, u.verify.removed = nil, false
	u.migrate.accountChanged()
	u.migrate.part = partAccount
	u.account.manual = false
	u.account.fillAll()
	u.goTo(stepAccount)
}
