package app

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/data/binding"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/settings"
)

// Step 6, "Safe to remove?": Mailark compares the archive with the live
// server (gate.Verify), then shows the removal gate as a checklist: a
// green or red mark per condition and, for each red one, the reason.
// "Remove account" stays disabled until every condition is green; "Save
// report" writes the report a support agent can show the customer.
type verifyScreen struct {
	u *ui

	checking task // the verification, import, repair or removal running
	verdict  *GateVerdict
	status   *statusLine
	removed  bool
	progress binding.String
	pump     *eventPump

	removeBtn, checkBtn, finishBtn, reportBtn *widget.Button
}

func newVerifyScreen(u *ui) *verifyScreen {
	s := &verifyScreen{u: u, status: newStatusLine(), progress: binding.NewString()}
	s.pump = newEventPump(func(ev progress.Event, have bool, _ []progress.Event) {
		if have && ev.Total > 0 {
			s.progress.Set(tr("verify.progress", map[string]any{"Done": formatCount(ev.Done), "Total": formatCount(ev.Total)}))
		}
	})
	s.pump.do = u.do
	s.removeBtn = widget.NewButtonWithIcon("", theme.DeleteIcon(), s.confirmRemove)
	s.checkBtn = widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), s.check)
	s.finishBtn = widget.NewButton("", func() { s.u.goTo(stepDone) })
	s.reportBtn = widget.NewButtonWithIcon("", theme.DocumentSaveIcon(), s.chooseReport)
	return s
}

func (s *verifyScreen) title() msg { return say("verify.title") }
func (s *verifyScreen) intro() msg { return say("verify.intro") }
func (s *verifyScreen) busy() bool { return s.checking.running }
func (s *verifyScreen) enter()     { s.check() }

func (s *verifyScreen) input() GateInput {
	return GateInput{Conn: s.u.acct.conn(), POP3: s.u.acct.gatePOP3(), ArchiveDir: s.u.acct.ArchiveDir, StoresHome: s.u.opts.StoresHome}
}

// check verifies the archive against the server, then asks the gate.
func (s *verifyScreen) check() {
	if s.checking.running {
		return
	}
	s.verdict = nil
	s.progress.Set("")
	s.status.set(statusWorking, say("verify.checking"))
	in := s.input()
	s.checking.background(s.u, func(ctx context.Context) func() {
		verr := s.u.eng.Gate.Verify(ctx, in, s.pump.sink)
		var v GateVerdict
		var err error
		if ctx.Err() == nil {
			v, err = s.u.eng.Gate.Check(ctx, in)
		}
		return func() {
			s.progress.Set("")
			if len(v.Conditions) > 0 {
				s.verdict = &v
			}
			switch {
			case verr != nil:
				s.status.set(statusBad, errMsg(verr, in.Conn.Host))
			case err != nil:
				s.status.set(statusBad, errMsg(err, in.Conn.Host))
			default:
				s.status.set(statusNone, msg{})
			}
			s.u.rerender(stepVerify)
		}
	})
}

// stop stops a verification (or import, repair, removal) that runs.
func (s *verifyScreen) stop() { s.checking.stop() }

func (s *verifyScreen) open() bool { return s.verdict != nil && s.verdict.Open }

func (s *verifyScreen) content() fyne.CanvasObject {
	s.status.refresh()
	box := container.NewVBox()
	if s.checking.running {
		box.Add(widget.NewProgressBarInfinite())
		box.Add(widget.NewLabelWithData(s.progress))
	}
	box.Add(s.status.box)
	if s.verdict != nil {
		for _, c := range s.verdict.Conditions {
			box.Add(s.conditionLine(c))
		}
		box.Add(widget.NewSeparator())
		if s.open() {
			box.Add(statusLabel(statusOK, say("verify.open")))
		} else {
			box.Add(statusLabel(statusBad, say("verify.closed")))
		}
	}
	return container.NewVScroll(container.NewPadded(box))
}

// conditionLine is one checklist line: the mark and what is checked, or
// for a red one what is wrong and, beside it, the button that fixes it.
func (s *verifyScreen) conditionLine(c GateCondition) fyne.CanvasObject {
	text := c.Reason
	if c.Text != nil {
		text = c.Text(current)
	}
	if c.OK {
		return statusLabel(statusOK, msg{raw: text})
	}
	line := statusLabel(statusBad, msg{raw: text})
	b := s.actionButton(c.Action)
	if b == nil {
		return line
	}
	if s.checking.running {
		b.Disable()
	}
	return container.NewBorder(nil, nil, nil, container.NewVBox(b), line)
}

// actionButton is the button that fixes a red condition.
func (s *verifyScreen) actionButton(action string) *widget.Button {
	switch action {
	case ActionBackup:
		return widget.NewButtonWithIcon(tr("button.back-up-again"), theme.DownloadIcon(), func() {
			s.u.goTo(stepBackup)
			s.u.backup.start()
		})
	case ActionContacts:
		return widget.NewButtonWithIcon(tr("button.export-contacts"), theme.AccountIcon(), func() { s.u.goTo(stepContacts) })
	case ActionRepair:
		return widget.NewButtonWithIcon(tr("button.repair"), theme.HistoryIcon(), s.repair)
	case ActionImport:
		return widget.NewButtonWithIcon(tr("button.import-stores"), theme.DownloadIcon(), s.importStores)
	case ActionVerify:
		return widget.NewButtonWithIcon(tr("button.check-again"), theme.ViewRefreshIcon(), s.check)
	}
	return nil
}

// importStores copies the mail apps' stores of the account into the
// archive, then checks again (the verification re-reads them).
func (s *verifyScreen) importStores() {
	if s.checking.running {
		return
	}
	in := s.input()
	s.status.set(statusWorking, say("verify.importing"))
	s.checking.background(s.u, func(ctx context.Context) func() {
		_, err := s.u.eng.Gate.ImportStores(ctx, in, func(progress.Event) {})
		return func() {
			if err != nil {
				s.status.set(statusBad, errMsg(err, ""))
				s.u.rerender(stepVerify)
				return
			}
			s.check() // the new copies are verified, then the gate asked again
		}
	})
	s.u.render()
}

// repair mends the archive from its other copy, then checks again.
func (s *verifyScreen) repair() {
	if s.checking.running {
		return
	}
	dir := s.u.acct.ArchiveDir
	s.status.set(statusWorking, say("verify.repairing"))
	s.checking.background(s.u, func(ctx context.Context) func() {
		n, err := s.u.eng.Gate.Repair(ctx, dir)
		return func() {
			switch {
			case err != nil:
				s.status.set(statusBad, errMsg(err, ""))
			case n > 0:
				s.status.set(statusBad, say("verify.repair-incomplete", "Count", formatCount(int64(n))))
			default:
				s.check() // a repaired archive is verified again
				return
			}
			s.u.rerender(stepVerify)
		}
	})
	s.u.render()
}

func (s *verifyScreen) actions() []fyne.CanvasObject {
	s.removeBtn.SetText(tr("button.remove-account"))
	s.checkBtn.SetText(tr("button.check-again"))
	s.finishBtn.SetText(tr("button.finish-for-now"))
	s.reportBtn.SetText(tr("button.save-report"))
	setEnabled(!s.checking.running, s.checkBtn, s.reportBtn)
	if s.open() && !s.checking.running {
		s.removeBtn.Enable()
		setImportance(s.removeBtn, widget.HighImportance)
		setImportance(s.checkBtn, widget.MediumImportance)
		return []fyne.CanvasObject{s.reportBtn, s.checkBtn, s.removeBtn}
	}
	s.removeBtn.Disable()
	setImportance(s.removeBtn, widget.MediumImportance)
	setImportance(s.checkBtn, widget.HighImportance)
	return []fyne.CanvasObject{s.reportBtn, s.finishBtn, s.removeBtn, s.checkBtn}
}

// chooseReport asks where to save the report.
func (s *verifyScreen) chooseReport() {
	local, _, _ := splitEmail(s.u.acct.Email)
	if local == "" {
		local = "mailark"
	}
	askSavePath(s.u.win, local+"-report.html", s.saveReport)
}

// saveReport writes the report (HTML, and JSON beside it) in the current
// language.
func (s *verifyScreen) saveReport(path string) {
	in := s.input()
	lang := current
	s.status.set(statusWorking, say("verify.report-saving"))
	s.u.goBackground(func() {
		// A stopped report leaves no file half written (the engine writes
		// it atomically), so closing the window may stop it.
		err := s.u.eng.Gate.Report(s.u.root, in, path, lang)
		s.u.do(func() {
			if err != nil {
				s.status.set(statusBad, errMsg(err, in.Conn.Host))
			} else {
				s.status.set(statusOK, say("verify.report-saved", "Path", path))
			}
			s.u.rerender(stepVerify)
		})
	})
}

// confirmRemove asks once more, in words, before Mailark forgets the
// account. The mail on the server is not touched here.
func (s *verifyScreen) confirmRemove() {
	if !s.open() {
		return
	}
	dialog.ShowConfirm(tr("remove.title"), tr("remove.message", map[string]any{
		"Email": s.u.acct.Email, "Path": s.u.acct.ArchiveDir}), func(ok bool) {
		if ok {
			s.remove()
		}
	}, s.u.win)
}

// remove forgets the account in Mailark (profile and stored password)
// through the gate, which checks itself again first.
func (s *verifyScreen) remove() {
	if !s.open() || s.checking.running {
		return
	}
	in := s.input()
	id := s.u.acct.id()
	store := s.u.store
	s.status.set(statusWorking, say("verify.removing"))
	s.checking.background(s.u, func(ctx context.Context) func() {
		err := s.u.eng.Gate.Remove(ctx, in, func(context.Context) error {
			if store == nil {
				return nil
			}
			if err := store.Forget(id); err != nil && !errors.Is(err, settings.ErrUnknownAccount) {
				return err
			}
			return nil
		})
		return func() {
			if err != nil {
				s.status.set(statusBad, errMsg(err, in.Conn.Host))
				s.verdict = nil
				s.u.render()
				return
			}
			delete(s.u.session, id)
			s.removed = true
			s.status.set(statusNone, msg{})
			s.u.goTo(stepDone)
		}
	})
	s.u.render()
}
