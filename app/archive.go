package app

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
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
	attach     *fyne.Container // the attachments, each with Open and Save
	listTitle  *widget.Label
	// openURL opens a file with the system's program for it (tests
	// replace it).
	openURL func(*url.URL) error
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
			name := widget.NewLabel("")
			name.Truncation = fyne.TextTruncateEllipsis // short of the count
			return container.NewBorder(nil, nil, nil, widget.NewLabel(""), name)
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
	v.attach = container.NewVBox()
	v.openURL = u.app.OpenURL
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
		line += "  —  " + v.folderName(m)
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
	reader := v.reader
	v.load(func(ctx context.Context) ([]*archive.MessageInfo, error) {
		return reader.Search(ctx, q, messageLimit)
	}, func() msg {
		switch n, busy := reader.Unsearchable(); {
		case n > 0 && busy:
			return say("archive.not-searchable-busy", "Count", formatCount(n))
		case n > 0:
			return say("archive.not-searchable", "Count", formatCount(n))
		}
		return msg{}
	})
}

// load lists what fetch returns; note, when given, is said after it
// (called on the same goroutine as fetch, after it).
func (v *archiveView) load(fetch func(context.Context) ([]*archive.MessageInfo, error), note ...func() msg) {
	v.status.set(statusWorking, say("archive.loading"))
	folder, query := v.folder, v.query
	v.u.goBackground(func() {
		msgs, err := fetch(v.ctx)
		var after msg
		if err == nil && len(note) > 0 {
			after = note[0]()
		}
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
			if !after.empty() {
				v.status.set(statusWorking, after)
			}
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
		v.attach.RemoveAll()
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
	line("archive.header.folder", v.folderName(m))
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
	v.attach.RemoveAll()
	if v.shown != nil && len(v.shown.Attachments) > 0 {
		title := widget.NewLabel(tr("archive.attachments-title"))
		title.TextStyle = fyne.TextStyle{Bold: true}
		v.attach.Add(title)
		for i, name := range v.shown.Attachments {
			label := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{})
			label.Truncation = fyne.TextTruncateEllipsis
			open := widget.NewButtonWithIcon(tr("archive.attachment-open"), theme.FileIcon(), func() { v.openAttachment(m, i, name) })
			save := widget.NewButtonWithIcon(tr("archive.attachment-save"), theme.DocumentSaveIcon(), func() { v.chooseAttachmentFile(m, i, name) })
			v.attach.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.MailAttachmentIcon()), container.NewHBox(open, save), label))
		}
	}
	v.attach.Refresh()
}

// folderName is the folder of a message as the folder list names it
// (Inbox, 送信済み…), not the server's raw name.
func (v *archiveView) folderName(m *archive.MessageInfo) string {
	for _, f := range v.folders {
		if f.ID == m.FolderID {
			return folderLabel(f.Name, f.Role)
		}
	}
	return m.FolderName
}

// attachmentFileName is name made safe as one file name.
func attachmentFileName(name string) string {
	name = filepath.Base(strings.NewReplacer("/", "_", "\\", "_", "\x00", "_").Replace(name))
	if name == "." || name == ".." || strings.TrimSpace(name) == "" {
		return "attachment"
	}
	return name
}

// chooseAttachmentFile asks where to save attachment i of m.
func (v *archiveView) chooseAttachmentFile(m *archive.MessageInfo, i int, name string) {
	askSavePath(v.win, attachmentFileName(name), func(path string) { v.saveAttachment(m, i, name, path, false) })
}

// openAttachment writes attachment i of m into a new private folder of the
// system's temp folder and opens it with the system's program for it.
func (v *archiveView) openAttachment(m *archive.MessageInfo, i int, name string) {
	dir, err := os.MkdirTemp("", "mailark-attachment-")
	if err != nil {
		v.status.set(statusBad, errMsg(err, ""))
		return
	}
	v.saveAttachment(m, i, name, filepath.Join(dir, attachmentFileName(name)), true)
}

// saveAttachment writes attachment i of m, decoded, from the archive's
// bytes to path (through a temporary file renamed at the end, so a failed
// save leaves nothing half-written), then says so or opens it.
func (v *archiveView) saveAttachment(m *archive.MessageInfo, i int, name, path string, open bool) {
	v.status.set(statusWorking, say("archive.attachment-saving", "Name", name))
	v.u.goBackground(func() {
		err := writeAttachment(v.ctx, v.reader, m.ID, i, path)
		v.u.do(func() {
			if err != nil {
				v.status.set(statusBad, errMsg(err, ""))
				return
			}
			if !open {
				v.status.set(statusOK, say("archive.attachment-saved", "Name", name, "Path", path))
				return
			}
			v.status.set(statusNone, msg{})
			if err := v.openURL(&url.URL{Scheme: "file", Path: path}); err != nil {
				v.status.set(statusBad, say("archive.attachment-open-failed", "Path", path))
			}
		})
	})
}

func writeAttachment(ctx context.Context, r ArchiveReader, id int64, i int, path string) error {
	src, err := r.Open(ctx, id)
	if err != nil {
		return err
	}
	tmp := path + ".mailark-part"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return mailerr.FromFS("save attachment", path, err)
	}
	_, err = mailtext.CopyAttachment(src, i, f)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return mailerr.FromFS("save attachment", path, err)
	}
	return nil
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
