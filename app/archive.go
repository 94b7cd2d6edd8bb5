package app

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailtext"
)

// The Archive window: folders on the left, the messages of a folder or the
// results of a search in the middle, the message on the right, read-only.
// Search looks at subject, people and text, Japanese words of two
// characters included (the archive indexes them as pairs).
type archiveView struct {
	u   *ui
	win fyne.Window
	// ctx is the window's own: its loads stop when it closes (or the
	// main window does).
	ctx    context.Context
	cancel context.CancelFunc

	reader  ArchiveReader
	folders []ArchiveFolder
	msgs    []*archive.MessageInfo
	folder  int // index into folders, -1 for search results
	query   string
	current *archive.MessageInfo
	shown   *mailtext.Shown
	status  *statusLine
	listMsg msg // what the middle list shows

	folderList *widget.List
	msgList    *widget.List
	search     *widget.Entry
	headers    *widget.Label
	body       *widget.Label
	attach     *widget.Label
	listTitle  *widget.Label
}

// messageLimit bounds the rows loaded for one folder or search.
const messageLimit = 2000

// openArchiveView opens (or brings forward) the Archive window.
func (u *ui) openArchiveView() {
	if u.viewer != nil {
		u.viewer.win.RequestFocus()
		return
	}
	v := &archiveView{u: u, folder: -1, status: newStatusLine()}
	v.ctx, v.cancel = context.WithCancel(u.root)
	v.win = u.app.NewWindow(tr("archive.window-title"))
	v.win.Resize(fyne.NewSize(1180, 760))
	v.folderList = widget.NewList(func() int { return len(v.folders) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, nil, widget.NewLabel(""), widget.NewLabel(""))
		}, v.updateFolder)
	v.folderList.OnSelected = func(id widget.ListItemID) { v.showFolder(id) }
	v.msgList = widget.NewList(func() int { return len(v.msgs) },
		func() fyne.CanvasObject {
			top := widget.NewLabel("")
			top.Truncation = fyne.TextTruncateEllipsis
			top.TextStyle = fyne.TextStyle{Bold: true}
			sub := widget.NewLabel("")
			sub.Truncation = fyne.TextTruncateEllipsis
			return container.NewVBox(top, sub)
		}, v.updateMsg)
	v.msgList.OnSelected = func(id widget.ListItemID) {
		if id >= 0 && id < len(v.msgs) {
			v.openMessage(v.msgs[id])
		}
	}
	v.search = widget.NewEntry()
	v.search.OnSubmitted = func(q string) { v.runSearch(q) }
	v.headers = wrapLabel("")
	v.headers.Selectable = true
	v.body = wrapLabel("")
	v.body.Selectable = true
	v.attach = wrapLabel("")
	v.listTitle = widget.NewLabel("")
	v.listTitle.TextStyle = fyne.TextStyle{Bold: true}
	v.win.SetOnClosed(func() {
		v.cancel()
		if v.reader != nil {
			v.reader.Close()
		}
		u.viewer = nil
	})
	u.viewer = v
	v.render()
	v.win.Show()
	v.open()
}

func (v *archiveView) open() {
	dir := v.u.acct.ArchiveDir
	v.status.set(statusWorking, say("archive.opening"))
	v.u.goBackground(func() {
		r, err := v.u.eng.Archive.OpenArchive(v.ctx, dir)
		var folders []ArchiveFolder
		if err == nil {
			folders, err = r.Folders(v.ctx)
		}
		v.u.do(func() {
			if err != nil {
				v.status.set(statusBad, errMsg(err, ""))
				if r != nil {
					r.Close()
				}
				return
			}
			if v.u.viewer != v { // closed meanwhile
				r.Close()
				return
			}
			v.reader, v.folders = r, folders
			v.status.set(statusNone, msg{})
			v.folderList.Refresh()
			if len(folders) > 0 {
				v.folderList.Select(0)
			}
		})
	})
}

func (v *archiveView) updateFolder(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(v.folders) {
		return
	}
	f := v.folders[id]
	c := o.(*fyne.Container)
	name := folderLabel(f.Name, f.Role)
	if !f.Current {
		name = tr("archive.old-generation", map[string]any{"Folder": name})
	}
	c.Objects[0].(*widget.Label).SetText(name)
	c.Objects[1].(*widget.Label).SetText(formatCount(f.Messages))
}

func (v *archiveView) updateMsg(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(v.msgs) {
		return
	}
	m := v.msgs[id]
	c := o.(*fyne.Container)
	subject := m.Subject
	if subject == "" {
		subject = tr("archive.no-subject")
	}
	c.Objects[0].(*widget.Label).SetText(subject)
	when := formatDate(parseStamp(m.Date))
	if when == "" {
		when = formatDate(parseStamp(m.InternalDate))
	}
	line := when + "  " + mailtext.Who(m.From)
	if v.folder < 0 {
		line += "  —  " + m.FolderName
	}
	c.Objects[1].(*widget.Label).SetText(line)
}

func (v *archiveView) showFolder(id int) {
	if v.reader == nil || id < 0 || id >= len(v.folders) {
		return
	}
	f := v.folders[id]
	v.folder, v.query = id, ""
	v.listMsg = say("archive.list-folder", "Folder", folderLabel(f.Name, f.Role), "Count", formatCount(f.Messages))
	v.load(func(ctx context.Context) ([]*archive.MessageInfo, error) {
		return v.reader.Messages(ctx, f.ID, messageLimit)
	})
}

func (v *archiveView) runSearch(q string) {
	q = strings.TrimSpace(q)
	if v.reader == nil || q == "" {
		return
	}
	v.folder, v.query = -1, q
	v.folderList.UnselectAll()
	v.load(func(ctx context.Context) ([]*archive.MessageInfo, error) {
		return v.reader.Search(ctx, q, messageLimit)
	})
}

func (v *archiveView) load(fetch func(context.Context) ([]*archive.MessageInfo, error)) {
	v.status.set(statusWorking, say("archive.loading"))
	folder, query := v.folder, v.query
	v.u.goBackground(func() {
		msgs, err := fetch(v.ctx)
		v.u.do(func() {
			if v.folder != folder || v.query != query {
				return // a newer choice replaced this one
			}
			if err != nil {
				v.status.set(statusBad, errMsg(err, ""))
				return
			}
			v.msgs = msgs
			if query != "" {
				v.listMsg = say("archive.list-search", "Query", query, "Count", formatCount(int64(len(msgs))))
				if len(msgs) == 0 {
					v.listMsg = say("archive.no-results", "Query", query)
				}
			}
			v.status.set(statusNone, msg{})
			v.listTitle.SetText(v.listMsg.String())
			v.msgList.UnselectAll()
			v.msgList.Refresh()
			v.msgList.ScrollToTop()
		})
	})
}

func (v *archiveView) openMessage(m *archive.MessageInfo) {
	v.current, v.shown = m, nil
	v.renderMessage()
	v.u.goBackground(func() {
		var sm mailtext.Shown
		r, err := v.reader.Open(v.ctx, m.ID)
		if err == nil {
			sm = mailtext.ForDisplay(r)
		}
		v.u.do(func() {
			if v.current != m {
				return
			}
			if err != nil {
				v.status.set(statusBad, errMsg(err, ""))
				return
			}
			v.shown = &sm
			v.renderMessage()
		})
	})
}

// renderMessage fills the reading pane in the current language.
func (v *archiveView) renderMessage() {
	m := v.current
	if m == nil {
		setWrapped(v.headers, tr("archive.pick-message"))
		v.body.SetText("")
		v.attach.SetText("")
		return
	}
	var b strings.Builder
	line := func(key, value string) {
		if value != "" {
			b.WriteString(tr("archive.header.line", map[string]any{"Label": tr(key), "Value": value}) + "\n")
		}
	}
	line("archive.header.subject", m.Subject)
	line("archive.header.from", m.From)
	line("archive.header.to", m.To)
	line("archive.header.cc", m.Cc)
	line("archive.header.date", formatTime(parseStamp(m.Date)))
	line("archive.header.folder", m.FolderName)
	line("archive.header.size", formatBytes(m.Size))
	setWrapped(v.headers, strings.TrimRight(b.String(), "\n"))
	switch {
	case v.shown == nil:
		setWrapped(v.body, tr("archive.loading"))
	default:
		text := v.shown.Body
		if v.shown.HTMLOnly {
			text = tr("archive.html-only") + "\n\n" + text
		}
		if v.shown.Truncated {
			text += "\n\n" + tr("archive.truncated")
		}
		setWrapped(v.body, text)
	}
	if v.shown != nil && len(v.shown.Attachments) > 0 {
		setWrapped(v.attach, tr("archive.attachments", map[string]any{"Names": strings.Join(v.shown.Attachments, ", ")}))
	} else {
		v.attach.SetText("")
	}
}

func (v *archiveView) render() {
	v.win.SetTitle(tr("archive.window-title"))
	v.search.SetPlaceHolder(tr("archive.search"))
	v.status.refresh()
	if !v.listMsg.empty() {
		v.listTitle.SetText(v.listMsg.String())
	}
	v.folderList.Refresh()
	v.msgList.Refresh()
	v.renderMessage()

	searchBtn := widget.NewButtonWithIcon(tr("archive.search-button"), theme.SearchIcon(), func() { v.runSearch(v.search.Text) })
	searchBtn.Importance = widget.HighImportance
	top := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewIcon(theme.SearchIcon()), searchBtn, v.search),
		wrapLabel(tr("archive.read-only", map[string]any{"Path": v.u.acct.ArchiveDir})),
		v.status.box,
	)
	foldersHead := widget.NewLabel(tr("archive.folders"))
	foldersHead.TextStyle = fyne.TextStyle{Bold: true}
	left := container.NewBorder(foldersHead, nil, nil, nil, v.folderList)
	middle := container.NewBorder(v.listTitle, nil, nil, nil, v.msgList)
	reading := container.NewVScroll(container.NewVBox(v.headers, widget.NewSeparator(), v.attach, v.body))
	split := container.NewHSplit(middle, reading)
	split.Offset = 0.42
	outer := container.NewHSplit(left, split)
	outer.Offset = 0.22
	v.win.SetContent(container.NewPadded(container.NewBorder(top, nil, nil, nil, outer)))
}
