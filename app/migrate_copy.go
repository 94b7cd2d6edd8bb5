package app

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/migrate"
)

// The second part of step 7: the folder plan, the copy with its progress,
// and how it ended (migrate.go has the screen).

// start runs the copy: the first, a continued one, or a retry.
func (s *migrateScreen) start() {
	if s.running || s.mapping == nil {
		return
	}
	if s.refusedIncomplete() {
		s.fromIncomplete = true // the button said "Copy what the archive holds anyway"
	}
	s.running, s.stopping, s.cancelled = true, false, false
	s.sum, s.err = nil, nil
	s.folderStates = map[string]folderState{}
	s.reset()
	s.updateTexts()
	ctx, cancel := context.WithCancel(s.u.root)
	s.cancel = cancel
	in := s.input()
	s.u.goBackground(func() {
		sum, err := s.u.eng.Migrate.Copy(ctx, in, s.pump.sink)
		cancel()
		s.u.do(func() { s.finish(sum, err, in.Conn.Host) })
	})
	s.rerender()
}

// stop asks the copy to stop; the screen says "Stopping…" until Copy
// returns (the engine waits for the answers to what it sent).
func (s *migrateScreen) stop() {
	if !s.running || s.stopping {
		return
	}
	s.stopping = true
	s.cancel()
	s.rerender()
}

// apply takes merged progress on the UI goroutine (see eventPump).
func (s *migrateScreen) apply(ev progress.Event, haveStatus bool, notices []progress.Event) {
	for _, n := range notices {
		if n.Notice == nil {
			continue
		}
		s.takeNotice(n, "migrate.refused-now", s.folderNotice)
	}
	if haveStatus {
		s.status(ev)
		if ev.Folder != "" && s.folderStates[ev.Folder] != folderDone {
			s.folderStates[ev.Folder] = folderWorking
		}
	}
	s.updateTexts()
	s.table.Refresh()
}

// folderNotice marks a folder started or done.
func (s *migrateScreen) folderNotice(n progress.Event, done bool) {
	if done {
		s.folderStates[n.Folder] = folderDone
	} else {
		s.folderStates[n.Folder] = folderWorking
	}
}

// updateTexts sets the progress bindings in the current language.
func (s *migrateScreen) updateTexts() {
	if !s.haveLast {
		if s.running {
			s.overallText.Set(tr("backup.starting"))
		} else {
			s.overallText.Set("")
		}
		return
	}
	ev := s.last
	s.setBars()
	s.overallText.Set(tr("migrate.overall", map[string]any{"Done": formatCount(ev.Done), "Total": formatCount(ev.Total),
		"Bytes": formatBytes(ev.Bytes), "TotalBytes": formatBytes(ev.TotalBytes)}))
	if e, ok := s.entry(ev.Folder); ok && s.running {
		s.folderText.Set(tr("migrate.folder", map[string]any{"Folder": folderLabel(e.Folder, e.Role), "Dest": e.Dest}))
	} else if !s.running {
		s.folderText.Set("")
	}
	if s.sum != nil {
		s.setRate(true, s.sum.CopiedBytes, s.sum.Elapsed)
	} else {
		s.setRate(false, 0, 0)
	}
}

// finish shows how the copy ended.
func (s *migrateScreen) finish(sum migrate.CopySummary, err error, host string) {
	s.running, s.stopping = false, false
	s.sum, s.err = &sum, err
	s.notice.set(statusNone, msg{})
	in, total := inNewAccount(sum), sum.Messages
	if total == 0 {
		total = s.planned() // the run stopped before it counted
	}
	switch {
	case errors.Is(err, context.Canceled):
		s.cancelled = true
		s.result.set(statusInfo, say("migrate.stopped", "Done", formatCount(in), "Total", formatCount(total)))
	case errors.Is(err, migrate.ErrCopyQuota) || sum.Quota != "":
		s.result.set(statusBad, say("migrate.quota", "Left", formatCount(sum.Left), "Size", formatBytes(sum.LeftBytes),
			"Email", s.u.newAcct.Email))
	case errors.Is(err, migrate.ErrIncompleteSource):
		s.result.set(statusBad, say("migrate.incomplete-source"))
	case err != nil:
		s.result.set(statusBad, errMsg(err, host))
	case len(sum.Refused) > 0:
		s.result.set(statusBad, say("migrate.refused", "Count", formatCount(int64(len(sum.Refused))),
			"Done", formatCount(in), "Total", formatCount(total)))
	case sum.Left > 0:
		s.result.set(statusBad, say("migrate.left", "Left", formatCount(sum.Left), "Total", formatCount(sum.Messages)))
	case s.partialSource():
		s.overall.Set(1)
		s.result.set(statusInfo, say("migrate.done-partial-source", "Total", formatCount(sum.Messages), "Email", s.u.newAcct.Email))
	default:
		s.overall.Set(1)
		s.result.set(statusOK, say("migrate.done-ok", "Total", formatCount(sum.Messages), "Email", s.u.newAcct.Email,
			"Copied", formatCount(sum.Copied), "Already", formatCount(sum.Already+sum.Found),
			"Time", formatDuration(max(sum.Elapsed, time.Second))))
	}
	s.updateTexts()
	s.table.Refresh()
	s.rerender()
}

// inNewAccount is how many archived messages are in the new account after
// a copy, also one that stopped before it counted them all.
func inNewAccount(sum migrate.CopySummary) int64 {
	if sum.Messages == 0 {
		return sum.Already + sum.Copied + sum.Found
	}
	return sum.Messages - sum.Left
}

// planned is the number of messages the plan copies.
func (s *migrateScreen) planned() int64 {
	var n int64
	for _, e := range s.mapping {
		n += e.Messages
	}
	return n
}

// rows are the folders as planned, or as the last copy left them.
func (s *migrateScreen) rows() []migrate.MappingEntry {
	if s.sum != nil && len(s.sum.Folders) > 0 {
		out := make([]migrate.MappingEntry, len(s.sum.Folders))
		for i, f := range s.sum.Folders {
			out[i] = f.MappingEntry
		}
		return out
	}
	return s.mapping
}

func (s *migrateScreen) entry(folder string) (migrate.MappingEntry, bool) {
	for _, e := range s.rows() {
		if e.Folder == folder {
			return e, true
		}
	}
	return migrate.MappingEntry{}, false
}

func (s *migrateScreen) fillCell(l *widget.Label, id widget.TableCellID, e migrate.MappingEntry) {
	l.Importance = widget.MediumImportance
	switch id.Col {
	case 0:
		l.SetText(folderLabel(e.Folder, e.Role))
	case 1:
		dest := folderLabel(e.Dest, e.Role)
		if !e.Exists && !s.created(id.Row) {
			dest = tr("migrate.dest-new", map[string]any{"Folder": dest})
		}
		l.SetText(dest)
	case 2:
		l.SetText(tr("migrate.count", map[string]any{"Count": formatCount(e.Messages), "Size": formatBytes(e.Bytes)}))
	case 3:
		text, imp := s.folderState(id.Row, e)
		l.Importance = imp
		l.SetText(text)
	}
}

// created reports whether the last copy made the row's folder: it went
// through every folder, or put mail into this one.
func (s *migrateScreen) created(row int) bool {
	if s.sum == nil || s.running || row >= len(s.sum.Folders) {
		return false
	}
	f := s.sum.Folders[row]
	return s.err == nil || f.Already+f.Copied+f.Found > 0
}

// folderState says what happened to a folder, in words.
func (s *migrateScreen) folderState(row int, e migrate.MappingEntry) (string, widget.Importance) {
	if s.sum != nil && row < len(s.sum.Folders) && !s.running {
		f := s.sum.Folders[row]
		done := f.Already + f.Copied + f.Found
		if f.Refused > 0 {
			return tr("migrate.state.refused", map[string]any{"Done": formatCount(done), "Total": formatCount(e.Messages),
				"Refused": formatCount(f.Refused)}), widget.DangerImportance
		}
		return tr("migrate.state.done", map[string]any{"Done": formatCount(done), "Total": formatCount(e.Messages)}), widget.MediumImportance
	}
	if e.Messages == 0 {
		return tr("migrate.state.empty"), widget.LowImportance
	}
	if s.running {
		switch s.folderStates[e.Folder] {
		case folderWorking:
			return tr("migrate.state.copying"), widget.HighImportance
		case folderDone:
			return tr("migrate.state.copied"), widget.MediumImportance
		}
		return tr("migrate.state.waiting"), widget.LowImportance
	}
	return tr("migrate.state.to-copy"), widget.MediumImportance
}

func (s *migrateScreen) copyBody() fyne.CanvasObject {
	s.updateTexts()
	var size int64
	for _, e := range s.mapping {
		size += e.Bytes
	}
	msgs := s.planned()
	// One paragraph, so that the whole plan fits the window before the copy.
	box := container.NewVBox(wrapLabel(tr("migrate.plan", map[string]any{"Old": s.u.acct.Email, "New": s.u.newAcct.Email,
		"Host": s.u.newAcct.Host, "Messages": formatCount(msgs), "Size": formatBytes(size), "Folders": formatCount(int64(len(s.mapping)))})))
	v := panelView{bars: s.running || s.haveLast, folderLine: s.running}
	if s.stopping {
		v.stopping = say("migrate.stopping")
	}
	s.view(box, v)
	if s.sum != nil && len(s.sum.Refused) > 0 {
		h := widget.NewLabel(tr("migrate.refused.heading", map[string]any{"Count": formatCount(int64(len(s.sum.Refused)))}))
		h.TextStyle = fyne.TextStyle{Bold: true}
		box.Add(h)
		const shown = 20
		for i, r := range s.sum.Refused {
			if i == shown {
				box.Add(wrapLabel(tr("migrate.refused.more", map[string]any{"Count": formatCount(int64(len(s.sum.Refused) - shown))})))
				break
			}
			box.Add(wrapLabel(tr("migrate.refused.line", map[string]any{"Folder": r.Folder, "UID": r.UID,
				"Size": formatBytes(r.Size), "Reason": r.Reason})))
		}
	}
	s.fitCountColumn()
	s.table.Refresh()
	box.Add(container.NewGridWrap(fyne.NewSize(1030, tableHeight(len(s.rows()))), s.table))
	return box
}

// Column widths of the folder table; the messages column grows to its
// widest cell ("1,504 通（170.0 MB）" in Japanese), taking the room from the
// destination column, so that no count is cut.
var migrateColumns = []float32{270, 320, 160, 260}

func (s *migrateScreen) fitCountColumn() {
	need := migrateColumns[2]
	pad := 2*theme.InnerPadding() + theme.Padding()
	measure := func(text string) float32 {
		return fyne.MeasureText(text, theme.TextSize(), fyne.TextStyle{}).Width + pad
	}
	need = max(need, measure(tr("migrate.col.messages")))
	for _, e := range s.rows() {
		need = max(need, measure(tr("migrate.count", map[string]any{"Count": formatCount(e.Messages), "Size": formatBytes(e.Bytes)})))
	}
	grow := min(need-migrateColumns[2], migrateColumns[1]-180)
	s.countWidth = migrateColumns[2] + grow
	s.table.SetColumnWidth(1, migrateColumns[1]-grow)
	s.table.SetColumnWidth(2, s.countWidth)
}

func (s *migrateScreen) copyActions() []fyne.CanvasObject {
	s.changeBtn.SetText(tr("button.change-account"))
	s.nextBtn.SetText(tr("button.next-announce"))
	setImportance(s.nextBtn, widget.MediumImportance)
	setImportance(s.startBtn, widget.HighImportance)
	switch {
	case s.running:
		return []fyne.CanvasObject{cancelButton(s.cancelBtn, s.stopping)}
	case s.sum == nil:
		s.startBtn.SetText(tr("button.start-copy"))
		s.startBtn.SetIcon(theme.MediaPlayIcon())
		return []fyne.CanvasObject{s.changeBtn, s.startBtn}
	case s.cancelled:
		s.startBtn.SetText(tr("button.continue-copy"))
		s.startBtn.SetIcon(theme.MediaPlayIcon())
		return []fyne.CanvasObject{s.changeBtn, s.nextBtn, s.startBtn}
	case s.refusedIncomplete():
		// Back to the check (the red gate says what to do), or copy what
		// the archive holds anyway, knowing it is not all.
		s.startBtn.SetText(tr("button.copy-anyway"))
		s.startBtn.SetIcon(theme.WarningIcon())
		setImportance(s.startBtn, widget.MediumImportance)
		s.verifyBtn.SetText(tr("button.back-to-check"))
		setImportance(s.verifyBtn, widget.HighImportance)
		return []fyne.CanvasObject{s.changeBtn, s.startBtn, s.verifyBtn}
	case s.err != nil:
		s.startBtn.SetText(tr("button.try-again"))
		s.startBtn.SetIcon(theme.ViewRefreshIcon())
		return []fyne.CanvasObject{s.changeBtn, s.nextBtn, s.startBtn}
	case !s.sum.OK():
		// The refused ones stay in the archive; going on is the blue button.
		s.startBtn.SetText(tr("button.retry-copy"))
		s.startBtn.SetIcon(theme.ViewRefreshIcon())
		setImportance(s.startBtn, widget.MediumImportance)
		setImportance(s.nextBtn, widget.HighImportance)
		return []fyne.CanvasObject{s.startBtn, s.nextBtn}
	default:
		setImportance(s.nextBtn, widget.HighImportance)
		return []fyne.CanvasObject{s.nextBtn}
	}
}
