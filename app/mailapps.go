package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/mailstore"
)

// Step 3, "Where is your mail?": the mail apps' stores on this computer
// that hold the account's mail (backup.FindStores), with their account,
// folders, messages, size and dates; the plain sentence when the old mail
// is only here; a way to add a store from a copy of an old disk. The
// backup (step 4) copies every store listed together with the server.
// Outlook's files are listed as not read yet.
type mailAppsScreen struct {
	u *ui
	task

	found  []backup.FoundStore
	paths  []string // stores the person added
	status *statusLine
	table  *widget.Table

	startBtn, addBtn *widget.Button
}

func newMailAppsScreen(u *ui) *mailAppsScreen {
	s := &mailAppsScreen{u: u, status: newStatusLine()}
	s.table = headedTable(func() []backup.FoundStore { return s.found },
		[]string{"stores.col.app", "stores.col.account", "stores.col.folders", "stores.col.messages", "stores.col.size", "stores.col.dates"},
		[]float32{130, 380, 80, 100, 90, 230}, true, s.fillCell)
	s.startBtn = primary("", theme.MediaPlayIcon(), s.start)
	s.addBtn = widget.NewButtonWithIcon("", theme.FolderOpenIcon(), s.choosePath)
	return s
}

func (s *mailAppsScreen) title() msg { return say("stores.title") }
func (s *mailAppsScreen) intro() msg { return say("stores.intro") }
func (s *mailAppsScreen) busy() bool { return s.running }
func (s *mailAppsScreen) enter()     { s.run() }

// run looks for the stores in the background.
func (s *mailAppsScreen) run() {
	if s.running {
		return
	}
	s.status.set(statusWorking, say("stores.working"))
	in := StoresInput{Conn: s.u.acct.conn(), Home: s.u.opts.StoresHome, Paths: append([]string(nil), s.paths...)}
	s.background(s.u, func(ctx context.Context) func() {
		found, err := s.u.eng.Stores.FindStores(ctx, in)
		return func() {
			s.found = found
			if err != nil && ctx.Err() == nil {
				s.status.set(statusBad, say("stores.search-error", "Detail", err.Error()))
			} else {
				s.status.set(statusNone, msg{})
			}
			s.u.rerender(stepStores)
		}
	})
}

// stores are what the backup copies along with the server.
// messages is how many messages the stores hold, as found.
func (s *mailAppsScreen) messages() int64 {
	var n int64
	for _, f := range s.found {
		n += f.Messages
	}
	return n
}

func (s *mailAppsScreen) stores() []*mailstore.Store {
	var out []*mailstore.Store
	for _, f := range s.found {
		out = append(out, f.Store)
	}
	return out
}

func (s *mailAppsScreen) fillCell(l *widget.Label, id widget.TableCellID, f backup.FoundStore) {
	l.Alignment = fyne.TextAlignTrailing
	notRead := f.Store.NotRead != ""
	switch id.Col {
	case 0:
		l.Alignment = fyne.TextAlignLeading
		l.SetText(f.Store.App)
	case 1:
		l.Alignment = fyne.TextAlignLeading
		l.SetText(storeAccount(f.Store.Account))
	case 2:
		l.SetText(blankIf(notRead, formatCount(int64(f.Folders))))
	case 3:
		if notRead {
			l.SetText(tr("stores.not-read-yet"))
		} else {
			l.SetText(formatCount(f.Messages))
		}
	case 4:
		l.SetText(formatBytes(f.Store.Bytes))
	case 5:
		l.Alignment = fyne.TextAlignLeading
		if f.Oldest.IsZero() {
			l.SetText("")
		} else {
			l.SetText(formatDate(f.Oldest) + " – " + formatDate(f.Newest))
		}
	}
}

func blankIf(blank bool, s string) string {
	if blank {
		return ""
	}
	return s
}

// storeAccount is how a store's account reads: "taro@example.net
// (pop.example.net, POP)", or the app's local folders.
func storeAccount(a mailstore.Account) string {
	if who := a.Line(); who != "" {
		return who
	}
	return tr("stores.local-folders")
}

func (s *mailAppsScreen) content() fyne.CanvasObject {
	box := s.status.withBar(s.running)
	if !s.running {
		s.summary(box)
	}
	s.table.Refresh()
	if len(s.found) > 0 {
		box.Add(container.NewGridWrap(fyne.NewSize(1010, tableHeight(len(s.found))), s.table))
	}
	for _, f := range s.found {
		switch {
		case f.Store.NotRead != "":
			box.Add(statusLabel(statusBad, say("stores.outlook", "App", f.Store.App, "Path", f.Store.Path)))
		case f.Err != nil:
			box.Add(statusLabel(statusBad, say("stores.unreadable", "App", f.Store.App, "Path", f.Store.Path, "Detail", f.Err.Error())))
		}
	}
	for _, p := range s.paths {
		box.Add(wrapLabel(tr("stores.added", map[string]any{"Path": p})))
	}
	s.addBtn.SetText(tr("button.add-store"))
	setEnabled(!s.running, s.addBtn)
	box.Add(container.NewBorder(nil, nil, nil, s.addBtn, wrapLabel(tr("stores.add-explain"))))
	return container.NewVScroll(container.NewPadded(box))
}

// summary is the plain sentence: where the old mail is, and what the
// backup will do with it.
func (s *mailAppsScreen) summary(box *fyne.Container) {
	var here *backup.FoundStore
	var total int64
	for i, f := range s.found {
		total += f.Messages
		if f.OnlyHere && (here == nil || f.Oldest.Before(here.Oldest)) {
			here = &s.found[i]
		}
	}
	switch {
	case len(s.found) == 0:
		box.Add(statusLabel(statusInfo, say("stores.none", "Address", s.u.acct.Email)))
	case here != nil:
		box.Add(statusLabel(statusBad, say("stores.only-here", "App", here.Store.App, "Messages", formatCount(here.Messages),
			"Years", yearsOf(*here))))
		box.Add(wrapLabel(tr("stores.will-copy", map[string]any{"Messages": formatCount(total)})))
	default:
		box.Add(statusLabel(statusOK, say("stores.server-copy")))
		box.Add(wrapLabel(tr("stores.will-copy", map[string]any{"Messages": formatCount(total)})))
	}
}

// yearsOf is "2004–2026", or one year.
func yearsOf(f backup.FoundStore) string {
	if f.Oldest.IsZero() {
		return ""
	}
	a, b := f.Oldest.Format("2006"), f.Newest.Format("2006")
	if a == b {
		return a
	}
	return a + "–" + b
}

func (s *mailAppsScreen) actions() []fyne.CanvasObject {
	s.startBtn.SetText(tr("button.start-backup"))
	setEnabled(!s.running, s.startBtn)
	return []fyne.CanvasObject{s.startBtn}
}

// start backs up the server and every store listed (step 4).
func (s *mailAppsScreen) start() {
	if s.running {
		return
	}
	s.u.goTo(stepBackup)
	s.u.backup.start()
}

// choosePath adds a store the search did not find: a copy of an old
// disk, a mail app's folder, an mbox file's folder.
func (s *mailAppsScreen) choosePath() {
	askFolder(s.u.win, s.addPath)
}

func (s *mailAppsScreen) addPath(p string) {
	for _, have := range s.paths {
		if have == p {
			return
		}
	}
	s.paths = append(s.paths, p)
	s.run()
	s.u.render()
}
