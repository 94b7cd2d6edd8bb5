package app

import (
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/gate"
)

// stepKeys name the steps in the step bar, in the order of the step
// constants (stepAccount … stepMigrate).
var stepKeys = []string{"step.account", "step.survey", "step.stores", "step.backup", "step.contacts", "step.verify", "step.migrate"}

// frame is the window around a screen: the step bar (where the person is
// and what comes next), the screen's title and one-line explanation, the
// body, and the buttons, the blue primary one at the bottom right.
func (u *ui) frame(s screen) fyne.CanvasObject {
	title := widget.NewLabel(s.title().String())
	title.SizeName = theme.SizeNameHeadingText
	title.TextStyle = fyne.TextStyle{Bold: true}
	title.Wrapping = wrapFor(title.Text)
	intro := wrapLabel(s.intro().String())
	top := container.NewVBox(container.NewHScroll(u.stepBar()), widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, u.tools(), title), intro)
	if !u.notice.empty() {
		n := wrapLabel(u.notice.String())
		n.Importance = widget.WarningImportance
		top.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, n))
	}

	buttons := container.NewHBox(s.actions()...)
	var back fyne.CanvasObject = layout.NewSpacer()
	if u.step > stepAccount && u.step < stepDone {
		b := widget.NewButtonWithIcon(tr("button.back"), theme.NavigateBackIcon(), func() { u.back(s) })
		b.Importance = widget.LowImportance
		if s.busy() {
			b.Disable()
		}
		back = b
	}
	bottom := container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, back, buttons))
	return container.NewBorder(top, bottom, nil, nil, s.content())
}

// back goes one step back, or one part back on a screen made of parts.
func (u *ui) back(s screen) {
	if p, ok := s.(interface{ back() }); ok {
		p.back()
		return
	}
	u.goTo(u.step - 1)
}

// stepBar shows every step: done ones with a tick, the current one in blue
// and bold, the others grey. A step is ticked only when it is done
// (stepComplete), not because the person went past it: a stopped backup,
// contacts never exported or a red gate are not ticked on later steps.
// The move to the new account (step 6) is ticked only when the mail is
// there, and once a backup exists it is a button that leads to it from
// anywhere.
func (u *ui) stepBar() fyne.CanvasObject {
	row := container.NewHBox()
	for i, key := range stepKeys {
		if i > 0 {
			row.Add(widget.NewIcon(theme.NavigateNextIcon()))
		}
		text := tr(key, map[string]any{"N": i + 1})
		if i == stepMigrate && i != u.step {
			if u.migrate.moved() {
				row.Add(widget.NewIcon(theme.ConfirmIcon()))
			}
			if u.archiveExists() {
				// A button, so that it reads as a way there, not as a
				// step done or to come.
				b := widget.NewButton(text, u.openMigrate)
				if u.anyBusy() {
					b.Disable()
				}
				row.Add(b)
				continue
			}
		}
		l := widget.NewLabel(text)
		switch {
		case i == u.step:
			l.Importance = widget.HighImportance
			l.TextStyle = fyne.TextStyle{Bold: true}
		case i != stepMigrate && u.stepComplete(i):
			row.Add(widget.NewIcon(theme.ConfirmIcon()))
			if i > u.step {
				l.Importance = widget.LowImportance
			}
		case i != stepMigrate || !u.migrate.moved():
			l.Importance = widget.LowImportance
		}
		row.Add(l)
	}
	return row
}

// stepComplete reports whether step i is done in this session: the
// account connected and the folders surveyed once passed; the backup when
// a run finished with every message saved; the contacts when they were
// exported (or the gate says so); the gate when it is green.
func (u *ui) stepComplete(i int) bool {
	gateSays := func(id string) bool {
		if v := u.verify.verdict; v != nil {
			for _, c := range v.Conditions {
				if c.ID == id {
					return c.OK
				}
			}
		}
		return false
	}
	switch i {
	case stepAccount, stepSurvey, stepStores:
		return i < u.step
	case stepBackup:
		b := u.backup
		return b.sum != nil && b.err == nil && b.sum.OK() || u.verify.open()
	case stepContacts:
		return u.contacts.exported != nil || gateSays(gate.CondContactsExported)
	case stepVerify:
		return u.verify.open()
	}
	return false
}

// tools are the language switch and, once there is an archive, the way to
// open it; they sit beside the screen's title.
func (u *ui) tools() fyne.CanvasObject {
	names := make([]string, len(languages))
	for i, l := range languages {
		names[i] = l.name
	}
	langSel := widget.NewSelect(names, nil)
	for i, l := range languages {
		if l.code == current {
			langSel.SetSelectedIndex(i)
		}
	}
	langSel.OnChanged = func(string) {
		i := langSel.SelectedIndex()
		if i >= 0 {
			code := languages[i].code
			// Rebuilding the window from the select's own callback would
			// replace the select while it runs; do it just after.
			fyne.Do(func() { u.switchLanguage(code) })
		}
	}
	right := container.NewHBox()
	if u.archiveExists() {
		open := widget.NewButtonWithIcon(tr("button.open-archive"), theme.FolderOpenIcon(), u.openArchiveView)
		right.Add(open)
	}
	right.Add(langSel)
	return right
}

// onClose asks before closing while a backup or a copy runs: stopping is
// safe, and the next start continues. Other work (a survey, a
// verification, loading the archive) only reads: it stops without asking.
func (u *ui) onClose() {
	if !u.backup.busy() && !u.migrate.running {
		u.closeNow()
		return
	}
	title, message := tr("close.title"), tr("close.message")
	if u.migrate.busy() {
		title, message = tr("close.migrate-title"), tr("close.migrate-message")
	}
	dialog.ShowConfirm(title, message, func(ok bool) {
		if !ok {
			return
		}
		u.closeNow()
	}, u.win)
}

// closeNow stops every job and closes the windows; Run then waits for the
// jobs (shutdown).
func (u *ui) closeNow() {
	u.stopAll()
	if u.viewer != nil {
		u.viewer.win.Close()
	}
	u.win.Close()
}

// primary makes the blue button of a screen.
func primary(label string, icon fyne.Resource, tapped func()) *widget.Button {
	b := widget.NewButtonWithIcon(label, icon, tapped)
	b.Importance = widget.HighImportance
	return b
}

// cancelButton sets b up as the Cancel of a job that runs, greyed out as
// "Stopping…" once the user has asked it to stop.
func cancelButton(b *widget.Button, stopping bool) *widget.Button {
	if stopping {
		b.SetText(tr("backup.stopping-button"))
		b.Disable()
	} else {
		b.SetText(tr("button.cancel"))
		b.Enable()
	}
	return b
}

// headedTable is a table of labels under a bold header row whose titles are
// the translations of headerKeys, one per column, in the given widths,
// with a row for each element of rows(): fill sets a cell's label from its
// row (a cell past the last row is blank). Cells end in "…" when truncate
// is set, else they show all their text.
func headedTable[T any](rows func() []T, headerKeys []string, widths []float32, truncate bool,
	fill func(l *widget.Label, id widget.TableCellID, row T)) *widget.Table {
	t := widget.NewTableWithHeaders(func() (int, int) { return len(rows()), len(headerKeys) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			if truncate {
				l.Truncation = fyne.TextTruncateEllipsis
			}
			return l
		}, func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			all := rows()
			if id.Row >= len(all) {
				l.SetText("")
				return
			}
			fill(l, id, all[id.Row])
		})
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject {
		l := widget.NewLabel("")
		l.TextStyle = fyne.TextStyle{Bold: true}
		return l
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(headerKeys) {
			o.(*widget.Label).SetText(tr(headerKeys[id.Col]))
		}
	}
	for col, w := range widths {
		t.SetColumnWidth(col, w)
	}
	return t
}

// setEnabled enables the buttons, or greys them out.
func setEnabled(on bool, buttons ...*widget.Button) {
	for _, b := range buttons {
		if on {
			b.Enable()
		} else {
			b.Disable()
		}
	}
}

// setImportance changes how a button looks and redraws it (a button kept
// across renders does not notice a changed field by itself).
func setImportance(b *widget.Button, imp widget.Importance) {
	if b.Importance != imp {
		b.Importance = imp
		b.Refresh()
	}
}

// wrapLabel is a label that wraps (see wrapFor).
func wrapLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = wrapFor(text)
	return l
}

// setWrapped sets a wrapping label's text and its wrap mode.
func setWrapped(l *widget.Label, text string) {
	l.Wrapping = wrapFor(text)
	l.SetText(text)
}

// wrapFor picks how text wraps. Fyne breaks words only at spaces, and
// Japanese has none between words: a Japanese sentence would wrap only at
// its one space before "Mailark", leaving half the line empty. Text with
// Japanese (or Chinese, Korean) characters may break between any two
// characters, as Japanese is set; other text breaks between words.
func wrapFor(text string) fyne.TextWrap {
	for _, r := range text {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			return fyne.TextWrapBreak
		}
	}
	return fyne.TextWrapWord
}

// statusLine is an icon and a wrapping label for a result or a problem.
type statusLine struct {
	icon  *widget.Icon
	label *widget.Label
	box   *fyne.Container
	m     msg
	kind  statusKind
}

type statusKind int

const (
	statusNone statusKind = iota
	statusInfo
	statusOK
	statusBad
	statusWorking
)

func newStatusLine() *statusLine {
	s := &statusLine{icon: widget.NewIcon(nil), label: wrapLabel("")}
	s.box = container.NewBorder(nil, nil, s.icon, nil, s.label)
	s.box.Hide()
	return s
}

// set shows m with a mark for kind; call on the UI goroutine.
func (s *statusLine) set(kind statusKind, m msg) {
	s.kind, s.m = kind, m
	s.refresh()
}

// withBar refreshes the line and returns a box that holds it, under a
// moving bar while its work runs; the screen adds the rest below it.
func (s *statusLine) withBar(working bool) *fyne.Container {
	s.refresh()
	box := container.NewVBox()
	if working {
		box.Add(widget.NewProgressBarInfinite())
	}
	box.Add(s.box)
	return box
}

// refresh re-renders the text (after a language switch).
func (s *statusLine) refresh() {
	if s.kind == statusNone || s.m.empty() {
		s.box.Hide()
		return
	}
	setWrapped(s.label, s.m.String())
	switch s.kind {
	case statusOK:
		// Green mark, normal text: light green text is hard to read.
		s.icon.SetResource(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
		s.label.Importance = widget.MediumImportance
	case statusBad:
		s.icon.SetResource(theme.NewErrorThemedResource(theme.ErrorIcon()))
		s.label.Importance = widget.DangerImportance
	case statusWorking:
		s.icon.SetResource(theme.ViewRefreshIcon())
		s.label.Importance = widget.MediumImportance
	default:
		s.icon.SetResource(theme.InfoIcon())
		s.label.Importance = widget.MediumImportance
	}
	s.label.Refresh()
	s.box.Show()
}
