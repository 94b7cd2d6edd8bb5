package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Step 1: the email address and the password. The server settings are
// found from the address (internal/autoconfig); an advanced fold shows and
// changes them. "Test connection" answers in plain words; the blue button
// tests and goes on.
type accountScreen struct {
	*accountForm
	nextBtn *widget.Button
}

func newAccountScreen(u *ui) *accountScreen {
	s := &accountScreen{accountForm: newAccountForm(u, &u.acct, stepAccount)}
	s.submit = s.next
	s.nextBtn = primary("", theme.NavigateNextIcon(), s.next)
	return s
}

func (s *accountScreen) title() msg { return say("account.title") }
func (s *accountScreen) intro() msg { return say("account.intro") }
func (s *accountScreen) busy() bool { return s.running }
func (s *accountScreen) enter()     {}

func (s *accountScreen) content() fyne.CanvasObject {
	return container.NewVScroll(container.NewPadded(s.body()))
}

func (s *accountScreen) actions() []fyne.CanvasObject {
	s.testBtn.SetText(tr("button.test"))
	s.nextBtn.SetText(tr("button.connect-continue"))
	setEnabled(!s.running, s.testBtn, s.nextBtn)
	return []fyne.CanvasObject{s.testBtn, s.nextBtn}
}

// next tests the connection and, when it works, saves the profile and goes
// to "Before you start".
func (s *accountScreen) next() {
	s.test(func() {
		a := s.acct
		if a.ArchiveDir == "" {
			a.ArchiveDir = s.u.defaultArchiveDir(a.Email)
		}
		s.u.goTo(stepSurvey)
		// After goTo, which clears the last screen's notice: saving may
		// leave one ("no keyring: kept for this session only").
		s.u.saveProfile()
		if !s.u.notice.empty() {
			s.u.render()
		}
	})
}
