package app

import (
	"context"
	"path/filepath"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/addressbook"
)

// Step 5: the address book from the archive as a searchable, sortable
// table; select all, none, or the automated senders too; one button saves
// the selected contacts as vCard or CSV through a save dialog, and the
// export is recorded in the archive (the removal gate asks for it).
type contactsScreen struct {
	u *ui

	loading   task
	exporting bool
	book      *addressbook.Book
	loadedFor string // archive folder the book was read from
	selected  map[string]bool
	view      []*addressbook.Contact
	query     string
	sortCol   int // 0: the book's ranking
	sortDesc  bool
	exported  *addressbook.ExportRecord

	search   *widget.Entry
	table    *widget.Table
	format   *widget.Select
	status   *statusLine
	count    *widget.Label
	saveBtn  *widget.Button
	nextBtn  *widget.Button
	autoBtn  *widget.Button
	allBtn   *widget.Button
	noneBtn  *widget.Button
	formatIx int
}

var exportFormats = []addressbook.Format{addressbook.FormatVCard4, addressbook.FormatVCard3,
	addressbook.FormatGoogleCSV, addressbook.FormatOutlookCSV}

const contactCols = 7

func newContactsScreen(u *ui) *contactsScreen {
	s := &contactsScreen{u: u, selected: map[string]bool{}, status: newStatusLine(), count: widget.NewLabel("")}
	s.search = widget.NewEntry()
	s.search.OnChanged = func(q string) { s.query = strings.TrimSpace(q); s.refilter() }
	s.table = widget.NewTableWithHeaders(func() (int, int) { return len(s.view), contactCols },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewStack(widget.NewIcon(nil), l)
		}, s.updateCell)
	s.table.ShowHeaderColumn = false
	s.table.CreateHeader = func() fyne.CanvasObject {
		b := widget.NewButton("", nil)
		b.Importance = widget.LowImportance
		b.Alignment = widget.ButtonAlignLeading
		return b
	}
	s.table.UpdateHeader = s.updateHeader
	s.table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(s.view) {
			s.toggle(s.view[id.Row])
		}
		s.table.UnselectAll()
	}
	for col, w := range []float32{44, 230, 280, 110, 110, 140, 150} {
		s.table.SetColumnWidth(col, w)
	}
	s.format = widget.NewSelect(nil, func(string) {
		if i := s.format.SelectedIndex(); i >= 0 {
			s.formatIx = i
		}
	})
	s.saveBtn = primary("", theme.DocumentSaveIcon(), s.chooseFile)
	s.nextBtn = primary("", theme.NavigateNextIcon(), func() { s.u.goTo(stepVerify) })
	s.allBtn = widget.NewButton("", s.selectAll)
	s.noneBtn = widget.NewButton("", s.selectNone)
	s.autoBtn = widget.NewButton("", s.toggleAutomated)
	return s
}

func (s *contactsScreen) title() msg { return say("contacts.title") }
func (s *contactsScreen) intro() msg { return say("contacts.intro") }
func (s *contactsScreen) busy() bool { return s.loading.running || s.exporting }

func (s *contactsScreen) enter() {
	if s.book == nil || s.loadedFor != s.u.acct.ArchiveDir || s.u.backup.sum != nil && s.u.backup.sum.New > 0 {
		s.load()
	}
}

func (s *contactsScreen) load() {
	if s.loading.running {
		return
	}
	s.status.set(statusWorking, say("contacts.loading"))
	dir := s.u.acct.ArchiveDir
	s.loading.background(s.u, func(ctx context.Context) func() {
		book, problems, err := s.u.eng.Contacts.Load(ctx, dir)
		return func() {
			if err != nil {
				s.status.set(statusBad, errMsg(err, ""))
			} else {
				s.book, s.loadedFor = book, dir
				s.selected = map[string]bool{}
				for _, c := range book.Contacts {
					s.selected[c.Key] = !c.Automated
				}
				s.status.set(statusNone, msg{})
				if len(problems) > 0 {
					// The mail's contacts and the other books are shown;
					// the person learns which book is missing from them.
					s.status.set(statusBad, say("contacts.saved-unreadable", "Count", formatCount(int64(len(problems))),
						"Detail", strings.Join(problems, "\n")))
				}
				s.refilter()
			}
			s.u.rerender(stepContacts)
		}
	})
}

// refilter rebuilds the visible rows from the search text and the sort.
func (s *contactsScreen) refilter() {
	s.view = s.view[:0]
	if s.book != nil {
		for _, c := range s.book.Contacts {
			if c.Match(s.query) {
				s.view = append(s.view, c)
			}
		}
	}
	if s.sortCol > 0 {
		less := s.lessFor(s.sortCol)
		sort.SliceStable(s.view, func(i, j int) bool {
			if s.sortDesc {
				return less(s.view[j], s.view[i])
			}
			return less(s.view[i], s.view[j])
		})
	}
	s.table.Refresh()
	s.updateCount()
}

func (s *contactsScreen) lessFor(col int) func(a, b *addressbook.Contact) bool {
	switch col {
	case 1:
		return func(a, b *addressbook.Contact) bool {
			return strings.ToLower(a.DisplayName()) < strings.ToLower(b.DisplayName())
		}
	case 2:
		return func(a, b *addressbook.Contact) bool { return a.Key < b.Key }
	case 3:
		return func(a, b *addressbook.Contact) bool { return a.SentTo < b.SentTo }
	case 4:
		return func(a, b *addressbook.Contact) bool { return a.ReceivedFrom < b.ReceivedFrom }
	case 5:
		return func(a, b *addressbook.Contact) bool { return a.Last.Before(b.Last) }
	default:
		return func(a, b *addressbook.Contact) bool { return !a.Automated && b.Automated }
	}
}

// sortBy sorts by a column; a second tap reverses. Counts and dates sort
// largest first on the first tap.
func (s *contactsScreen) sortBy(col int) {
	if col == 0 {
		s.sortCol, s.sortDesc = 0, false
	} else if s.sortCol == col {
		s.sortDesc = !s.sortDesc
	} else {
		s.sortCol, s.sortDesc = col, col >= 3 && col <= 5
	}
	s.refilter()
}

func (s *contactsScreen) updateHeader(id widget.TableCellID, o fyne.CanvasObject) {
	b := o.(*widget.Button)
	keys := []string{"contacts.col.pick", "contacts.col.name", "contacts.col.email", "contacts.col.sent",
		"contacts.col.received", "contacts.col.last", "contacts.col.kind"}
	if id.Col < 0 || id.Col >= len(keys) {
		return
	}
	col := id.Col
	b.SetText(tr(keys[col]))
	b.SetIcon(nil)
	if col == s.sortCol && col > 0 {
		if s.sortDesc {
			b.SetIcon(theme.MoveDownIcon())
		} else {
			b.SetIcon(theme.MoveUpIcon())
		}
	}
	b.OnTapped = func() { s.sortBy(col) }
}

func (s *contactsScreen) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	st := o.(*fyne.Container)
	icon := st.Objects[0].(*widget.Icon)
	l := st.Objects[1].(*widget.Label)
	if id.Row >= len(s.view) {
		icon.Hide()
		l.SetText("")
		return
	}
	c := s.view[id.Row]
	if id.Col == 0 {
		l.Hide()
		icon.Show()
		if s.selected[c.Key] {
			icon.SetResource(theme.CheckButtonCheckedIcon())
		} else {
			icon.SetResource(theme.CheckButtonIcon())
		}
		return
	}
	icon.Hide()
	l.Show()
	l.Importance = widget.MediumImportance
	if c.Automated {
		l.Importance = widget.LowImportance
	}
	switch id.Col {
	case 1:
		l.SetText(c.Name)
	case 2:
		l.SetText(c.Email())
	case 3:
		l.SetText(formatCount(int64(c.SentTo)))
	case 4:
		l.SetText(formatCount(int64(c.ReceivedFrom)))
	case 5:
		l.SetText(formatDate(c.Last))
	case 6:
		if c.Automated {
			l.SetText(tr("contacts.kind.automated"))
		} else {
			l.SetText(tr("contacts.kind.person"))
		}
	}
}

func (s *contactsScreen) toggle(c *addressbook.Contact) {
	s.selected[c.Key] = !s.selected[c.Key]
	s.table.Refresh()
	s.updateCount()
}

// selectAll selects every contact shown (the search narrows it).
func (s *contactsScreen) selectAll() {
	for _, c := range s.view {
		s.selected[c.Key] = true
	}
	s.table.Refresh()
	s.updateCount()
}

func (s *contactsScreen) selectNone() {
	for _, c := range s.view {
		s.selected[c.Key] = false
	}
	s.table.Refresh()
	s.updateCount()
}

// toggleAutomated adds the automated senders (newsletters, no-reply,
// mailing lists) to the selection, or takes them out again.
func (s *contactsScreen) toggleAutomated() {
	if s.book == nil {
		return
	}
	add := !s.automatedSelected()
	for _, c := range s.book.Contacts {
		if c.Automated {
			s.selected[c.Key] = add
		}
	}
	s.table.Refresh()
	s.updateCount()
	s.autoBtn.SetText(s.autoLabel())
}

func (s *contactsScreen) automatedSelected() bool {
	if s.book == nil {
		return false
	}
	for _, c := range s.book.Contacts {
		if c.Automated && s.selected[c.Key] {
			return true
		}
	}
	return false
}

func (s *contactsScreen) autoLabel() string {
	if s.automatedSelected() {
		return tr("contacts.automated-remove")
	}
	return tr("contacts.automated-add")
}

// chosen returns the selected contacts in the book's order.
func (s *contactsScreen) chosen() []*addressbook.Contact {
	if s.book == nil {
		return nil
	}
	var out []*addressbook.Contact
	for _, c := range s.book.Contacts {
		if s.selected[c.Key] {
			out = append(out, c)
		}
	}
	return out
}

func (s *contactsScreen) updateCount() {
	total := 0
	if s.book != nil {
		total = len(s.book.Contacts)
	}
	s.count.SetText(tr("contacts.count", map[string]any{
		"Selected": formatCount(int64(len(s.chosen()))), "Total": formatCount(int64(total)), "Shown": formatCount(int64(len(s.view)))}))
	setEnabled(len(s.chosen()) > 0 && !s.exporting, s.saveBtn)
}

func (s *contactsScreen) content() fyne.CanvasObject {
	if s.book == nil {
		return container.NewPadded(s.status.withBar(s.loading.running))
	}
	s.status.refresh()
	s.search.SetPlaceHolder(tr("contacts.search"))
	s.allBtn.SetText(tr("contacts.select-all"))
	s.noneBtn.SetText(tr("contacts.select-none"))
	s.autoBtn.SetText(s.autoLabel())
	names := make([]string, len(exportFormats))
	for i, f := range exportFormats {
		names[i] = tr("format." + string(f))
	}
	s.format.SetOptions(names)
	s.format.SetSelectedIndex(s.formatIx)
	s.updateCount()
	s.table.Refresh()

	tools := container.NewHBox(s.allBtn, s.noneBtn, s.autoBtn)
	top := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewIcon(theme.SearchIcon()), tools, s.search),
		s.count,
	)
	if len(s.book.Self) > 0 {
		var own []string
		for _, a := range s.book.Self {
			own = append(own, a.Email)
		}
		top.Add(wrapLabel(tr("contacts.self", map[string]any{"Addresses": strings.Join(own, ", ")})))
	}
	formatRow := container.NewBorder(nil, nil, widget.NewLabel(tr("contacts.format")), nil, s.format)
	bottom := container.NewVBox(formatRow, s.status.box)
	return container.NewPadded(container.NewBorder(top, bottom, nil, nil, s.table))
}

func (s *contactsScreen) actions() []fyne.CanvasObject {
	s.saveBtn.SetText(tr("button.save-contacts"))
	s.nextBtn.SetText(tr("button.next-verify"))
	if s.book == nil {
		s.saveBtn.Disable()
		if !s.loading.running {
			retry := widget.NewButtonWithIcon(tr("button.try-again"), theme.ViewRefreshIcon(), s.load)
			return []fyne.CanvasObject{retry}
		}
		return []fyne.CanvasObject{s.saveBtn}
	}
	if s.exported != nil {
		// The export is done: going on is the blue button now.
		setImportance(s.saveBtn, widget.MediumImportance)
		setImportance(s.nextBtn, widget.HighImportance)
		return []fyne.CanvasObject{s.saveBtn, s.nextBtn}
	}
	setImportance(s.saveBtn, widget.HighImportance)
	setImportance(s.nextBtn, widget.MediumImportance)
	return []fyne.CanvasObject{s.nextBtn, s.saveBtn}
}

// chooseFile opens the save dialog with a sensible name.
func (s *contactsScreen) chooseFile() {
	f := exportFormats[s.formatIx]
	askSavePath(s.u.win, s.defaultFileName(f), s.exportTo) // the export writes the file itself, atomically
}

func (s *contactsScreen) defaultFileName(f addressbook.Format) string {
	local, _, _ := splitEmail(s.u.acct.Email)
	if local == "" {
		local = "mailark"
	}
	return filepath.Base(local) + "-contacts" + f.Extension()
}

// exportTo writes the selected contacts to path in the chosen format.
func (s *contactsScreen) exportTo(path string) {
	chosen := s.chosen()
	if len(chosen) == 0 || s.exporting {
		return
	}
	s.exporting = true
	s.status.set(statusWorking, say("contacts.saving"))
	book := &addressbook.Book{Contacts: chosen, Self: s.book.Self, Stats: s.book.Stats, Newest: s.book.Newest}
	f := exportFormats[s.formatIx]
	dir := s.u.acct.ArchiveDir
	s.u.render()
	s.u.goBackground(func() {
		rec, err := s.u.eng.Contacts.Export(context.WithoutCancel(s.u.root), dir, path, f, book)
		s.u.do(func() {
			s.exporting = false
			if err != nil {
				s.status.set(statusBad, errMsg(err, ""))
			} else {
				s.exported = &rec
				s.status.set(statusOK, say("contacts.saved", "Count", formatCount(int64(rec.Contacts)), "Path", rec.Path))
			}
			s.u.rerender(stepContacts)
		})
	})
}
