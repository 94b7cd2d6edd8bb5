package app

import (
	"context"
	"errors"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/settings"
)

// Step 4: the backup. Overall and per-folder progress, rate and time left
// come from the engine's progress events through an eventPump into
// bindings. Cancel stops cleanly (everything committed stays; running again
// continues). Messages the server would not deliver are listed with
// Retry, which runs the backup again.
type backupScreen struct {
	u *ui

	running, stopping bool
	cancel            context.CancelFunc
	sum               *backup.Summary
	err               error
	cancelled         bool

	*progressPanel // shared with the copy of step 7

	folders    []folderRow
	folderIdx  map[string]int
	folderList *widget.List

	failures  []archive.Failure
	failTable *widget.Table
	failPick  *widget.Label

	cancelBtn, mainBtn, skipBtn *widget.Button
}

type folderState int

const (
	folderWaiting folderState = iota
	folderWorking
	folderDone
)

type folderRow struct {
	name, role  string
	done, total int64
	state       folderState
}

func newBackupScreen(u *ui) *backupScreen {
	s := &backupScreen{u: u, folderIdx: map[string]int{}}
	s.progressPanel = newProgressPanel(u, s.apply)
	s.folderList = widget.NewList(func() int { return len(s.folders) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, widget.NewIcon(theme.ConfirmIcon()), widget.NewLabel(""), widget.NewLabel(""))
		}, s.updateFolderRow)
	s.failTable = headedTable(func() []archive.Failure { return s.failures },
		[]string{"backup.failed.col.folder", "backup.failed.col.message", "backup.failed.col.when", "backup.failed.col.reason"},
		[]float32{200, 200, 180, 380}, true, s.fillFailCell)
	s.failPick = wrapLabel("")
	s.failTable.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(s.failures) {
			f := s.failures[id.Row]
			setWrapped(s.failPick, tr("backup.failed.detail", map[string]any{
				"Folder": f.FolderName, "UID": f.UID, "Reason": f.Reason}))
		}
	}
	s.cancelBtn = widget.NewButtonWithIcon("", theme.CancelIcon(), s.stop)
	s.cancelBtn.Importance = widget.DangerImportance
	s.mainBtn = primary("", theme.NavigateNextIcon(), nil)
	s.skipBtn = widget.NewButton("", func() { s.u.goTo(stepContacts) })
	return s
}

func (s *backupScreen) title() msg { return say("backup.title") }
func (s *backupScreen) intro() msg { return say("backup.intro") }
func (s *backupScreen) busy() bool { return s.running }
func (s *backupScreen) enter()     {}

// start runs a backup: the first, a continued one, or a retry; the engine
// fetches only what the archive lacks.
func (s *backupScreen) start() {
	if s.running {
		return
	}
	s.running, s.stopping, s.cancelled = true, false, false
	s.sum, s.err, s.failures = nil, nil, nil
	s.failPick.SetText("")
	s.reset()
	s.resetFolders()
	s.updateTexts()

	ctx, cancel := context.WithCancel(s.u.root)
	s.cancel = cancel
	// A provider's daily budget used up: the window waits and goes on by
	// itself when it renews (the progress says how long).
	opts := backup.Options{Conn: s.u.acct.conn(), ArchiveDir: s.u.acct.ArchiveDir, Progress: s.pump.sink,
		Limits: appLimits(), WaitForBudget: true, Stores: s.u.mailApps.stores(),
		StoreMessages: s.u.mailApps.messages()}
	host := opts.Conn.Host
	pop := s.u.acct.isPOP3()
	popOpts := backup.POP3Options{Conn: s.u.acct.pop3(), ArchiveDir: s.u.acct.ArchiveDir, Progress: s.pump.sink}
	s.u.goBackground(func() {
		var sum backup.Summary
		var err error
		if pop {
			sum, err = s.u.eng.POP3.Backup(ctx, popOpts) // the inbox, by UIDL
		} else {
			sum, err = s.u.eng.Backup.Backup(ctx, opts)
		}
		cancel()
		s.u.do(func() { s.finish(sum, err, host) })
	})
	if s.u.step == stepBackup {
		s.u.render()
	}
}

// stop asks the running backup to stop; the screen says "Stopping…" until
// Backup returns.
func (s *backupScreen) stop() {
	if !s.running || s.stopping {
		return
	}
	s.stopping = true
	s.cancel()
	s.u.rerender(stepBackup)
}

func (s *backupScreen) resetFolders() {
	s.folders, s.folderIdx = nil, map[string]int{}
	if r := s.u.survey.res; r != nil {
		for _, f := range r.Folders {
			s.addFolder(f.Name, f.Role, int64(f.Messages)-f.Archived)
		}
	}
}

func (s *backupScreen) addFolder(name, role string, total int64) int {
	if i, ok := s.folderIdx[name]; ok {
		return i
	}
	s.folders = append(s.folders, folderRow{name: name, role: role, total: max(total, 0)})
	s.folderIdx[name] = len(s.folders) - 1
	return len(s.folders) - 1
}

// apply takes merged progress on the UI goroutine (see eventPump).
func (s *backupScreen) apply(ev progress.Event, haveStatus bool, notices []progress.Event) {
	for _, n := range notices {
		if n.Step == progress.StepIndex {
			// Every message is saved; the index for search is being built.
			pct := 100 * n.Done / max(n.Total, 1)
			s.notice.set(statusWorking, say("backup.indexing", "Percent", strconv.FormatInt(pct, 10)))
			continue
		}
		if n.Notice == nil {
			continue
		}
		s.takeNotice(n, "backup.message-failed", s.folderNotice)
	}
	if haveStatus {
		s.status(ev)
		if i, ok := s.folderIdx[ev.Folder]; ok && s.folders[i].state != folderDone {
			s.folders[i].state, s.folders[i].done, s.folders[i].total = folderWorking, ev.FolderDone, ev.FolderTotal
		}
	}
	s.updateTexts()
	s.folderList.Refresh()
}

// folderNotice marks a folder started or done.
func (s *backupScreen) folderNotice(n progress.Event, done bool) {
	i := s.addFolder(n.Folder, "", n.FolderTotal)
	if done {
		s.folders[i].state, s.folders[i].done = folderDone, n.FolderDone
	} else {
		s.folders[i].state, s.folders[i].total = folderWorking, n.FolderTotal
	}
}

// updateTexts sets the bindings from the last event in the current
// language.
func (s *backupScreen) updateTexts() {
	if !s.haveLast {
		switch {
		case s.running:
			s.overallText.Set(tr("backup.starting"))
		case s.sum != nil:
			s.overallText.Set(tr("backup.in-archive", map[string]any{"Total": formatCount(s.sum.Total)}))
		default:
			s.overallText.Set("")
		}
		s.rateText.Set("")
		return
	}
	ev := s.last
	s.setBars()
	if ev.Total > 0 {
		s.overallText.Set(tr("backup.overall", map[string]any{
			"Done": formatCount(ev.Done), "Total": formatCount(ev.Total),
			"Bytes": formatBytes(ev.Bytes), "TotalBytes": formatBytes(ev.TotalBytes)}))
	}
	switch {
	case !s.running:
		// "Now: INBOX — 120 of 300" is over once the run ended, done or
		// stopped: the folder list says where each folder stands.
		s.folderText.Set("")
	case ev.Folder != "":
		s.folderText.Set(tr("backup.folder", map[string]any{
			"Folder": folderLabel(ev.Folder, s.roleOf(ev.Folder)), "Done": formatCount(ev.FolderDone), "Total": formatCount(ev.FolderTotal)}))
	}
	if s.sum != nil {
		s.setRate(true, s.sum.NewBytes, s.sum.Elapsed)
	} else {
		s.setRate(false, 0, 0)
	}
}

func (s *backupScreen) roleOf(folder string) string {
	if i, ok := s.folderIdx[folder]; ok {
		return s.folders[i].role
	}
	return ""
}

func clamp01(v float64) float64 { return min(max(v, 0), 1) }

// finish shows how the run ended.
func (s *backupScreen) finish(sum backup.Summary, err error, host string) {
	s.running, s.stopping = false, false
	s.sum, s.err = &sum, err
	s.failures = sum.Failures
	s.notice.set(statusNone, msg{})
	status := archive.RunOK
	switch {
	case errors.Is(err, context.Canceled):
		s.cancelled = true
		status = archive.RunCancelled
		s.result.set(statusInfo, say("backup.stopped", "Count", formatCount(sum.Total)))
	case err != nil:
		status = archive.RunError
		s.result.set(statusBad, errMsg(err, host))
	case !sum.OK() && len(sum.Failures) == 0 && len(sum.FolderErrors) == 0:
		status = archive.RunFailures // the server's mail is all here; a store's is not (listed below)
		s.result.set(statusBad, say("backup.done-stores-incomplete", "Total", formatCount(sum.Total)))
	case !sum.OK():
		status = archive.RunFailures
		s.result.set(statusBad, say("backup.done-failures", "Failed", formatCount(int64(len(sum.Failures))),
			"FolderErrors", formatCount(int64(len(sum.FolderErrors))), "Total", formatCount(sum.Total)))
	default:
		s.overall.Set(1)
		s.result.set(statusOK, say("backup.done-ok", "Total", formatCount(sum.Total), "New", formatCount(sum.New),
			"Size", formatBytes(sum.NewBytes), "Time", formatDuration(max(sum.Elapsed, time.Second)), "Path", s.u.acct.ArchiveDir))
	}
	for _, f := range sum.Folders {
		i := s.addFolder(f.Name, f.Role, int64(f.ServerMessages))
		s.folders[i].role = f.Role
		if err == nil {
			s.folders[i].state, s.folders[i].done, s.folders[i].total = folderDone, f.Archived, int64(f.ServerMessages)
		}
	}
	s.updateTexts()
	s.failTable.Refresh()
	s.folderList.Refresh()
	s.u.recordBackup(settings.BackupRecord{At: time.Now(), Status: status, Messages: sum.Total,
		New: sum.New, Bytes: sum.NewBytes, Failed: len(sum.Failures)})
	s.u.rerender(stepBackup)
}

func (s *backupScreen) updateFolderRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id >= len(s.folders) {
		return
	}
	f := s.folders[id]
	c := o.(*fyne.Container)
	name := c.Objects[0].(*widget.Label)
	icon := c.Objects[1].(*widget.Icon)
	count := c.Objects[2].(*widget.Label)
	name.SetText(folderLabel(f.name, f.role))
	switch f.state {
	case folderDone:
		icon.SetResource(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
		count.SetText(tr("backup.folder-done", map[string]any{"Done": formatCount(f.done)}))
	case folderWorking:
		icon.SetResource(theme.ViewRefreshIcon())
		count.SetText(tr("backup.folder-working", map[string]any{"Done": formatCount(f.done), "Total": formatCount(f.total)}))
	default:
		icon.SetResource(theme.NewDisabledResource(theme.RadioButtonIcon()))
		count.SetText(tr("backup.folder-waiting", map[string]any{"Total": formatCount(f.total)}))
	}
}

func (s *backupScreen) fillFailCell(l *widget.Label, id widget.TableCellID, f archive.Failure) {
	switch id.Col {
	case 0:
		l.SetText(f.FolderName)
	case 1:
		// A failed message is not in the archive, so only its number on
		// the server is known, not its date, sender or subject.
		l.SetText(tr("backup.failed.uid", map[string]any{"UID": f.UID}))
	case 2:
		l.SetText(formatTime(parseStamp(f.At)))
	case 3:
		l.SetText(f.Reason)
	}
}

func (s *backupScreen) content() fyne.CanvasObject {
	s.updateTexts()
	box := container.NewVBox()
	// The folder's line and bar follow the folder being saved: once the
	// run ended, the folder list below says where each one stands.
	v := panelView{bars: true, folderLine: s.running, folderBar: s.running}
	if s.stopping {
		v.stopping = say("backup.stopping")
	}
	s.view(box, v)
	if len(s.failures) > 0 {
		h := widget.NewLabel(tr("backup.failed.heading", map[string]any{"Count": formatCount(int64(len(s.failures)))}))
		h.TextStyle = fyne.TextStyle{Bold: true}
		box.Add(h)
		box.Add(wrapLabel(tr("backup.failed.explain")))
		box.Add(container.NewGridWrap(fyne.NewSize(980, tableHeight(len(s.failures))), s.failTable))
		box.Add(s.failPick)
	}
	if s.sum != nil {
		for _, st := range s.sum.Stores {
			s.storeLine(box, st)
		}
	}
	if s.sum != nil && len(s.sum.FolderErrors) > 0 {
		for _, fe := range s.sum.FolderErrors {
			box.Add(statusLabel(statusBad, say("backup.folder-error", "Folder", fe.Name, "Reason", fe.Reason)))
		}
	}
	heading := widget.NewLabel(tr("backup.folders"))
	heading.TextStyle = fyne.TextStyle{Bold: true}
	box.Add(heading)
	list := container.NewGridWrap(fyne.NewSize(980, min(float32(len(s.folders))*38+8, 330)), s.folderList)
	box.Add(list)
	return container.NewVScroll(container.NewPadded(box))
}

func (s *backupScreen) actions() []fyne.CanvasObject {
	switch {
	case s.running:
		return []fyne.CanvasObject{cancelButton(s.cancelBtn, s.stopping)}
	case s.sum == nil && s.err == nil:
		s.mainBtn.SetText(tr("button.start-backup"))
		s.mainBtn.SetIcon(theme.MediaPlayIcon())
		s.mainBtn.OnTapped = s.start
		return []fyne.CanvasObject{s.mainBtn}
	case s.cancelled:
		s.mainBtn.SetText(tr("button.continue-backup"))
		s.mainBtn.SetIcon(theme.MediaPlayIcon())
		s.mainBtn.OnTapped = s.start
		return []fyne.CanvasObject{s.mainBtn}
	case s.err != nil:
		s.mainBtn.SetText(tr("button.try-again"))
		s.mainBtn.SetIcon(theme.ViewRefreshIcon())
		s.mainBtn.OnTapped = s.start
		return []fyne.CanvasObject{s.mainBtn}
	case !s.sum.OK():
		s.mainBtn.SetText(tr("button.retry-failed"))
		s.mainBtn.SetIcon(theme.ViewRefreshIcon())
		s.mainBtn.OnTapped = s.start
		s.skipBtn.SetText(tr("button.skip-to-contacts"))
		return []fyne.CanvasObject{s.skipBtn, s.mainBtn}
	default:
		s.mainBtn.SetText(tr("button.next-contacts"))
		s.mainBtn.SetIcon(theme.NavigateNextIcon())
		s.mainBtn.OnTapped = func() { s.u.goTo(stepContacts) }
		return []fyne.CanvasObject{s.mainBtn}
	}
}

// storeLine says what the backup copied from one mail app's store.
func (s *backupScreen) storeLine(box *fyne.Container, st *backup.ImportSummary) {
	app, acct := st.Store.App, storeAccount(st.Store.Account)
	if st.Whole() {
		box.Add(statusLabel(statusOK, say("backup.store-done", "App", app, "Account", acct,
			"New", formatCount(st.Added), "Skipped", formatCount(st.Skipped))))
		return
	}
	box.Add(statusLabel(statusBad, say("backup.store-incomplete", "App", app, "Account", acct,
		"New", formatCount(st.Added), "Failed", formatCount(st.Failed))))
	for _, f := range st.Folders {
		if f.Err != nil {
			box.Add(statusLabel(statusBad, say("backup.folder-error", "Folder", f.Archived, "Reason", f.Err.Error())))
		}
	}
}
