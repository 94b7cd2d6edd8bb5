package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/limits"
)

// Step 2, "Before you start": what is on the server per folder, how much
// of it is saved already, the free space where the archive goes, and how
// long the backup will take, measured on a short sample. Nothing is
// written.
type surveyScreen struct {
	u *ui
	task

	res    *backup.SurveyResult
	status *statusLine
	table  *widget.Table

	startBtn *widget.Button
}

func newSurveyScreen(u *ui) *surveyScreen {
	s := &surveyScreen{u: u, status: newStatusLine()}
	s.table = headedTable(s.folders, []string{"survey.col.folder", "survey.col.messages", "survey.col.size", "survey.col.saved"},
		[]float32{380, 150, 150, 170}, false, s.fillCell)
	s.startBtn = primary("", theme.MediaPlayIcon(), s.start)
	return s
}

func (s *surveyScreen) title() msg { return say("survey.title") }
func (s *surveyScreen) intro() msg { return say("survey.intro") }
func (s *surveyScreen) busy() bool { return s.running }

func (s *surveyScreen) enter() { s.run() }

// run starts the survey in the background.
func (s *surveyScreen) run() {
	if s.running {
		return
	}
	s.res = nil
	s.status.set(statusWorking, say("survey.working"))
	opts := backup.Options{Conn: s.u.acct.conn(), ArchiveDir: s.u.acct.ArchiveDir, Limits: appLimits()}
	host := opts.Conn.Host
	pop := s.u.acct.isPOP3()
	popOpts := backup.POP3Options{Conn: s.u.acct.pop3(), ArchiveDir: s.u.acct.ArchiveDir}
	s.background(s.u, func(ctx context.Context) func() {
		var res backup.SurveyResult
		var err error
		if pop {
			res, err = s.u.eng.POP3.Survey(ctx, popOpts)
		} else {
			res, err = s.u.eng.Survey.Survey(ctx, opts)
		}
		return func() {
			if err != nil {
				s.status.set(statusBad, errMsg(err, host))
			} else {
				s.res = &res
				s.status.set(statusNone, msg{})
			}
			s.u.rerender(stepSurvey)
		}
	})
}

// folders are the survey's folders, none before it ends.
func (s *surveyScreen) folders() []backup.FolderSurvey {
	if s.res == nil {
		return nil
	}
	return s.res.Folders
}

func (s *surveyScreen) fillCell(l *widget.Label, id widget.TableCellID, f backup.FolderSurvey) {
	l.Alignment = fyne.TextAlignTrailing
	switch id.Col {
	case 0:
		l.Alignment = fyne.TextAlignLeading
		l.SetText(folderLabel(f.Name, f.Role))
	case 1:
		l.SetText(formatCount(int64(f.Messages)))
	case 2:
		l.SetText(formatBytes(f.Bytes))
	case 3:
		l.SetText(formatCount(f.Archived))
	}
}

// need is the disk space the backup needs, as the engine reckons it.
func (s *surveyScreen) need() int64 {
	if s.res == nil {
		return 0
	}
	return s.res.SpaceNeeded()
}

func (s *surveyScreen) enoughSpace() bool { return s.res != nil && s.res.EnoughSpace() }

func (s *surveyScreen) content() fyne.CanvasObject {
	box := s.status.withBar(s.running)
	if s.res == nil {
		return container.NewVScroll(container.NewPadded(box))
	}
	r := s.res
	box.Add(wrapLabel(tr("survey.total", map[string]any{
		"Messages": formatCount(r.Messages), "Size": formatBytes(r.Bytes), "Folders": formatCount(int64(len(r.Folders)))})))
	if r.ToFetch == 0 {
		box.Add(statusLabel(statusOK, say("survey.nothing-new")))
	} else {
		box.Add(wrapLabel(tr("survey.to-fetch", map[string]any{
			"Messages": formatCount(r.ToFetch), "Size": formatBytes(r.ToFetchBytes),
			"Saved": formatCount(r.Messages - r.ToFetch)})))
		if r.Rate > 0 {
			// A fast sample of a small mailbox rounds to 0 s: say "less
			// than a minute", not "unknown".
			box.Add(wrapLabel(tr("survey.eta", map[string]any{"Time": formatDuration(max(r.ETA, time.Second)), "Rate": formatRate(r.Rate)})))
		} else {
			box.Add(wrapLabel(tr("survey.eta-unknown")))
		}
		if w := limits.ETAWords(r.Budget, current, r.ETA, r.ToFetchBytes); w != "" {
			box.Add(wrapLabel(w)) // "about 2 days: Gmail allows 2.5 GB a day"
		}
	}
	where := wrapLabel(tr("survey.where", map[string]any{"Path": s.u.acct.ArchiveDir}))
	change := widget.NewButtonWithIcon(tr("button.change-folder"), theme.FolderIcon(), s.chooseFolder)
	box.Add(container.NewBorder(nil, nil, nil, change, where))
	switch {
	case r.FreeBytes < 0:
		box.Add(wrapLabel(tr("survey.free-unknown")))
	case s.enoughSpace():
		box.Add(statusLabel(statusOK, say("survey.free", "Free", formatBytes(r.FreeBytes), "Need", formatBytes(s.need()))))
	default:
		box.Add(statusLabel(statusBad, say("survey.not-enough-space", "Free", formatBytes(r.FreeBytes), "Need", formatBytes(s.need()))))
	}
	box.Add(wrapLabel(tr("survey.read-only")))
	s.table.Refresh()
	tableArea := container.NewGridWrap(fyne.NewSize(870, tableHeight(len(r.Folders))), s.table)
	return container.NewVScroll(container.NewPadded(container.NewVBox(box, tableArea)))
}

// tableHeight fits a table of rows (plus its header) up to a limit.
func tableHeight(rows int) float32 {
	h := float32(rows+1)*40 + 8
	return min(max(h, 120), 420)
}

func (s *surveyScreen) actions() []fyne.CanvasObject {
	if !s.running && s.res == nil {
		retry := primary(tr("button.try-again"), theme.ViewRefreshIcon(), s.run)
		return []fyne.CanvasObject{retry}
	}
	s.startBtn.SetText(tr("button.next-stores"))
	setEnabled(!s.running && s.enoughSpace(), s.startBtn)
	return []fyne.CanvasObject{s.startBtn}
}

func (s *surveyScreen) start() {
	if s.running || !s.enoughSpace() {
		return
	}
	s.u.goTo(stepStores) // where the mail is: the backup starts there
}

// chooseFolder lets the person put the archive somewhere else: into the
// chosen folder when it already is a Mailark archive, else into a new
// folder named after the account inside it.
func (s *surveyScreen) chooseFolder() {
	askFolder(s.u.win, s.setArchiveDir)
}

func (s *surveyScreen) setArchiveDir(chosen string) {
	if _, err := os.Stat(filepath.Join(chosen, "archive.sqlite")); err == nil {
		s.u.acct.ArchiveDir = chosen
	} else {
		s.u.acct.ArchiveDir = filepath.Join(chosen, filepath.Base(s.u.defaultArchiveDir(s.u.acct.Email)))
	}
	s.u.saveProfile()
	s.run()
	s.u.render()
}

// statusLabel is a one-off status line.
func statusLabel(kind statusKind, m msg) fyne.CanvasObject {
	s := newStatusLine()
	s.set(kind, m)
	return s.box
}

// folderLabel names a folder for people: the special folders in the
// current language (with the server's name when it differs).
func folderLabel(name, role string) string {
	if role == "" {
		return name
	}
	key := "folder.role." + role
	if _, ok := english[key]; !ok {
		return name
	}
	label := tr(key)
	if strings.EqualFold(label, name) {
		return label
	}
	return label + " (" + name + ")"
}
