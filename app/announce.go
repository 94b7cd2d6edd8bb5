package app

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/migrate"
)

// The last part of step 7: the "my address has changed" message that the
// engine drafts for the people in the address book, shown for review. The
// person picks the language and may change the subject and the text; "Save
// as drafts" puts it into the new account's Drafts folder, as hidden copies
// (Bcc) of at most 50 people per draft, addressed to themselves. Mailark
// never sends mail: the person sends the drafts from their mail program.
type announcePart struct {
	m *migrateScreen
	u *ui

	composing, saving task
	res               *migrate.AnnounceResult // the draft shown
	saved             *migrate.AnnounceResult // the last save
	savedText         string                  // the text saved last
	lang              int                     // index into announceLangs
	langChosen        bool
	edited            bool // the person changed the text
	filling           bool
	status            *statusLine

	langSel       *widget.Select
	subject, body *widget.Entry

	saveBtn, finishBtn, skipBtn, retryBtn *widget.Button
}

// announceLangs are the languages the message can be written in.
var announceLangs = []string{"en", "ja", "both"}

func newAnnouncePart(m *migrateScreen) *announcePart {
	a := &announcePart{m: m, u: m.u, status: newStatusLine()}
	a.langSel = widget.NewSelect(nil, a.onLang)
	a.subject = widget.NewEntry()
	a.subject.OnChanged = a.onEdit
	a.body = widget.NewMultiLineEntry()
	a.body.SetMinRowsVisible(10)
	a.body.OnChanged = a.onEdit
	a.saveBtn = primary("", theme.DocumentSaveIcon(), a.save)
	a.finishBtn = primary("", theme.ConfirmIcon(), func() { a.u.goTo(stepDone) })
	a.skipBtn = widget.NewButton("", func() { a.u.goTo(stepDone) })
	a.skipBtn.Importance = widget.LowImportance
	a.retryBtn = primary("", theme.ViewRefreshIcon(), a.compose)
	return a
}

func (a *announcePart) busy() bool { return a.composing.running || a.saving.running }

// stop stops the compose or save running.
func (a *announcePart) stop() {
	a.composing.stop()
	a.saving.stop()
}

// enter drafts the message the first time, in the language of the window.
func (a *announcePart) enter() {
	if a.res != nil || a.composing.running {
		return
	}
	if !a.langChosen && current == "ja" {
		a.lang = 1
	}
	a.compose()
}

// reset forgets the draft (the new account changed).
func (a *announcePart) reset() {
	a.res, a.saved, a.savedText, a.edited = nil, nil, "", false
	a.status.set(statusNone, msg{})
}

// recipients are the people selected in step 5, automated senders left out
// (a no-reply address reads no news); ok is false when that leaves no one.
// Without step 5's list, nil asks the engine for everyone in the address
// book.
func (a *announcePart) recipients() (emails []string, ok bool) {
	c := a.u.contacts
	if c.book == nil || c.loadedFor != a.u.acct.ArchiveDir {
		return nil, true
	}
	emails = []string{}
	for _, p := range c.chosen() {
		if !p.Automated {
			emails = append(emails, p.Email())
		}
	}
	return emails, len(emails) > 0
}

// recipientsOrSay is recipients, and when that leaves no one, says so.
func (a *announcePart) recipientsOrSay() (emails []string, ok bool) {
	emails, ok = a.recipients()
	if !ok {
		a.status.set(statusBad, say("announce.no-one"))
		a.m.rerender()
	}
	return emails, ok
}

func (a *announcePart) input(contacts []string) AnnounceInput {
	return AnnounceInput{ArchiveDir: a.u.acct.ArchiveDir, Conn: a.u.newAcct.conn(), NewAddress: a.u.newAcct.Email,
		Contacts: contacts, Lang: announceLangs[a.lang], Text: a.text()}
}

// text is the edited message as the engine takes it, "" when unchanged.
func (a *announcePart) text() string {
	if !a.edited {
		return ""
	}
	subject := strings.Join(strings.Fields(a.subject.Text), " ")
	return "Subject: " + subject + "\n" + a.body.Text
}

// compose asks the engine for the draft in the chosen language.
func (a *announcePart) compose() {
	if a.busy() {
		return
	}
	contacts, ok := a.recipientsOrSay()
	if !ok {
		return
	}
	a.edited = false
	a.status.set(statusWorking, say("announce.composing"))
	in := a.input(contacts)
	a.composing.background(a.u, func(ctx context.Context) func() {
		res, err := a.u.eng.Migrate.Compose(ctx, in)
		return func() {
			switch {
			case err != nil:
				a.res = nil
				a.status.set(statusBad, errMsg(err, ""))
			case len(res.Drafts) == 0:
				a.res = nil
				a.status.set(statusBad, say("announce.no-one"))
			default:
				a.res = &res
				a.fill()
				a.status.set(statusNone, msg{})
			}
			a.m.rerender()
		}
	})
	a.m.rerender()
}

// fill puts the draft into the fields.
func (a *announcePart) fill() {
	d := a.res.Drafts[0]
	a.filling = true
	a.subject.SetText(d.Subject)
	a.body.Wrapping = wrapFor(d.Body)
	a.body.SetText(d.Body)
	a.filling = false
	a.edited = false
}

func (a *announcePart) onEdit(string) {
	if a.filling {
		return
	}
	a.edited = true
	if a.saved != nil && !a.upToDate() && a.status.kind == statusOK {
		// Said and shown in place: rebuilding the window while typing
		// would take the cursor away.
		a.status.set(statusInfo, say("announce.changed-since"))
		setImportance(a.saveBtn, widget.HighImportance)
		setImportance(a.finishBtn, widget.MediumImportance)
	}
}

// onLang drafts the message again in the chosen language, after asking
// when that would throw away the person's changes.
func (a *announcePart) onLang(string) {
	i := a.langSel.SelectedIndex()
	if a.filling || i < 0 || i == a.lang {
		return
	}
	apply := func() {
		a.lang, a.langChosen = i, true
		a.compose()
	}
	if !a.edited {
		apply()
		return
	}
	dialog.ShowConfirm(tr("announce.replace-title"), tr("announce.replace-message"), func(ok bool) {
		if ok {
			apply()
			return
		}
		a.filling = true
		a.langSel.SetSelectedIndex(a.lang)
		a.filling = false
	}, a.u.win)
}

// save saves the drafts in the new account.
func (a *announcePart) save() {
	if a.busy() || a.res == nil {
		return
	}
	if strings.TrimSpace(a.subject.Text) == "" || strings.TrimSpace(a.body.Text) == "" {
		a.status.set(statusBad, say("announce.need-text"))
		a.m.rerender()
		return
	}
	contacts, ok := a.recipientsOrSay()
	if !ok {
		return
	}
	a.status.set(statusWorking, say("announce.saving", "Email", a.u.newAcct.Email))
	in := a.input(contacts)
	text := a.shownText()
	a.saving.backgroundWithin(a.u, 2*time.Minute, func(ctx context.Context) func() {
		res, err := a.u.eng.Migrate.SaveDrafts(ctx, in)
		return func() {
			if err != nil {
				a.status.set(statusBad, errMsg(err, in.Conn.Host))
			} else {
				a.saved, a.savedText = &res, text
				a.status.set(statusOK, savedMsg(res, a.u.newAcct.Email))
			}
			a.m.rerender()
		}
	})
	a.m.rerender()
}

// shownText is the subject and body as they are now.
func (a *announcePart) shownText() string { return a.subject.Text + "\n" + a.body.Text }

// savedMsg says where the drafts went, and that nothing was sent.
func savedMsg(res migrate.AnnounceResult, email string) msg {
	added, existed := 0, 0
	for _, d := range res.Drafts {
		if d.Saved {
			added++
		}
		if d.Existed {
			existed++
		}
	}
	if added == 0 && existed > 0 {
		return say("announce.saved-already", "Folder", res.DraftsFolder, "Email", email)
	}
	return say("announce.saved", "Count", formatCount(int64(added)), "Folder", res.DraftsFolder, "Email", email)
}

// upToDate reports whether the drafts in the new account are the text shown.
func (a *announcePart) upToDate() bool { return a.saved != nil && a.savedText == a.shownText() }

func (a *announcePart) content() fyne.CanvasObject {
	a.status.refresh()
	box := container.NewVBox()
	if a.composing.running {
		box.Add(widget.NewProgressBarInfinite())
	}
	names := make([]string, len(announceLangs))
	for i, l := range announceLangs {
		names[i] = tr("announce.lang." + l)
	}
	a.filling = true
	a.langSel.SetOptions(names)
	a.langSel.SetSelectedIndex(a.lang)
	a.filling = false
	// The status first: after saving, it is the news, and the form below
	// may need scrolling.
	box.Add(a.status.box)
	if a.res == nil {
		return box
	}
	r := a.res
	box.Add(wrapLabel(tr("announce.from", map[string]any{"Name": r.Name, "Address": r.NewAddress, "Old": r.OldAddress})))
	box.Add(wrapLabel(tr("announce.to", map[string]any{"People": formatCount(int64(len(r.Recipients))),
		"Drafts": formatCount(int64(len(r.Drafts)))})))
	box.Add(wrapLabel(recipientNames(r.Recipients)))
	a.subject.SetPlaceHolder(tr("announce.subject.placeholder"))
	box.Add(widget.NewForm(
		widget.NewFormItem(tr("announce.lang"), container.NewHBox(a.langSel)),
		widget.NewFormItem(tr("announce.subject"), a.subject),
		widget.NewFormItem(tr("announce.body"), a.body),
	))
	box.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()), nil, wrapLabel(tr("announce.never-sent"))))
	return box
}

// recipientNames lists the first people told, and how many more.
func recipientNames(rs []migrate.AnnounceRecipient) string {
	const shown = 6
	var names []string
	for i, r := range rs {
		if i == shown {
			break
		}
		n := r.Name
		if n == "" {
			n = r.Email
		}
		names = append(names, n)
	}
	// Not a comma: "Suzuki, Ichiro" is one name.
	list := strings.Join(names, tr("announce.names-separator"))
	if len(rs) > shown {
		return tr("announce.names-more", map[string]any{"Names": list, "More": formatCount(int64(len(rs) - shown))})
	}
	return list
}

func (a *announcePart) actions() []fyne.CanvasObject {
	a.saveBtn.SetText(tr("button.save-drafts"))
	a.finishBtn.SetText(tr("button.finish"))
	a.skipBtn.SetText(tr("button.skip-drafts"))
	a.retryBtn.SetText(tr("button.try-again"))
	switch {
	case a.res == nil && !a.composing.running:
		return []fyne.CanvasObject{a.skipBtn, a.retryBtn}
	case a.busy():
		a.saveBtn.Disable()
		return []fyne.CanvasObject{a.saveBtn}
	}
	a.saveBtn.Enable()
	if a.saved != nil {
		// Saved: finishing is the blue button, unless the text changed.
		if a.upToDate() {
			setImportance(a.saveBtn, widget.MediumImportance)
			setImportance(a.finishBtn, widget.HighImportance)
		} else {
			setImportance(a.saveBtn, widget.HighImportance)
			setImportance(a.finishBtn, widget.MediumImportance)
		}
		return []fyne.CanvasObject{a.saveBtn, a.finishBtn}
	}
	setImportance(a.saveBtn, widget.HighImportance)
	return []fyne.CanvasObject{a.skipBtn, a.saveBtn}
}
