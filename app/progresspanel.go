package app

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/data/binding"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/internal/limits"
	"github.com/mailark/mailark/internal/progress"
)

// progressPanel is the one progress display of the jobs that move mail:
// the backup (step 3) and the copy to the new account (step 6). It holds
// the bars, the lines under them (overall, folder, rate and time left), a
// notice line (retrying, a message failed) and the result line, and the
// pump that brings the engine's events to the UI goroutine. Each screen
// says in its own words what the numbers are (overall and folder lines)
// and how the run ended.
type progressPanel struct {
	overall, folder                   binding.Float
	overallText, folderText, rateText binding.String
	last                              progress.Event
	haveLast                          bool
	failedNow                         int64 // messages failed during this run (notices)

	notice *statusLine // retrying, a message failed
	result *statusLine // how the run ended
	pump   *eventPump
}

// newProgressPanel makes a panel whose events go to apply on the UI
// goroutine (through u.do).
func newProgressPanel(u *ui, apply func(last progress.Event, haveStatus bool, notices []progress.Event)) *progressPanel {
	p := &progressPanel{overall: binding.NewFloat(), folder: binding.NewFloat(),
		overallText: binding.NewString(), folderText: binding.NewString(), rateText: binding.NewString(),
		notice: newStatusLine(), result: newStatusLine()}
	p.pump = newEventPump(apply)
	p.pump.do = u.do
	return p
}

// reset clears the panel for a new run.
func (p *progressPanel) reset() {
	p.haveLast, p.failedNow = false, 0
	p.notice.set(statusNone, msg{})
	p.result.set(statusNone, msg{})
	p.overall.Set(0)
	p.folder.Set(0)
	p.folderText.Set("")
	p.rateText.Set("")
}

// status takes a Status event: the bars follow it, and a "retrying"
// notice ends once work goes on.
func (p *progressPanel) status(ev progress.Event) {
	p.last, p.haveLast = ev, true
	if p.notice.kind == statusWorking && ev.Done > 0 {
		p.notice.set(statusNone, msg{}) // reconnected and going on
	}
}

// takeNotice shows a notice of the run on the notice line: a retry, or a
// message that failed, said by failedKey (with how many failed in this run
// and the folder). A folder that starts or is done goes to folder.
func (p *progressPanel) takeNotice(n progress.Event, failedKey string, folder func(n progress.Event, done bool)) {
	switch n.Notice.Kind {
	case progress.FolderStarted:
		folder(n, false)
	case progress.FolderDone:
		folder(n, true)
	case progress.Retrying:
		p.retrying()
	case progress.MessageFailed:
		p.failedNow++
		p.notice.set(statusBad, say(failedKey, "Count", formatCount(p.failedNow), "Folder", n.Folder))
	}
}

// retrying says the engine lost the connection and is reconnecting.
func (p *progressPanel) retrying() { p.notice.set(statusWorking, say("backup.retrying")) }

// setBars sets both bars from the last event: bytes when known, else
// messages.
func (p *progressPanel) setBars() {
	ev := p.last
	if ev.TotalBytes > 0 {
		p.overall.Set(clamp01(float64(ev.Bytes) / float64(ev.TotalBytes)))
	} else if ev.Total > 0 {
		p.overall.Set(clamp01(float64(ev.Done) / float64(ev.Total)))
	}
	if ev.FolderTotal > 0 {
		p.folder.Set(clamp01(float64(ev.FolderDone) / float64(ev.FolderTotal)))
	} else {
		p.folder.Set(0)
	}
}

// setRate says the rate and the time left while running, or the average
// rate of a finished run (bytes moved in elapsed; finished with nothing
// moved says nothing).
func (p *progressPanel) setRate(finished bool, bytes int64, elapsed time.Duration) {
	ev := p.last
	switch {
	case finished && elapsed > 0 && bytes > 0:
		p.rateText.Set(tr("backup.rate-final", map[string]any{"Rate": formatRate(float64(bytes) / elapsed.Seconds())}))
	case finished:
		p.rateText.Set("")
	case ev.Rate > 0:
		left := ev.ETA
		if left <= 0 && ev.Bytes < ev.TotalBytes {
			left = time.Second // under a second at this rate
		}
		if w := limits.ETAWords(ev.Budget, current, left, ev.TotalBytes-ev.Bytes); w != "" {
			// The provider's daily budget makes it take days: say so.
			p.rateText.Set(formatRate(ev.Rate) + " — " + w)
			return
		}
		p.rateText.Set(tr("backup.rate", map[string]any{"Rate": formatRate(ev.Rate), "Left": formatDuration(left)}))
	}
}

// panelView says which parts of the panel a screen shows now.
type panelView struct {
	bars       bool // the overall bar and its lines
	folderLine bool
	folderBar  bool
	stopping   msg // shown while the run stops; empty when not stopping
}

// view builds the panel into box.
func (p *progressPanel) view(box *fyne.Container, v panelView) {
	p.notice.refresh()
	p.result.refresh()
	if v.bars {
		overall := widget.NewLabelWithData(p.overallText)
		overall.TextStyle = fyne.TextStyle{Bold: true}
		box.Add(overall)
		box.Add(widget.NewProgressBarWithData(p.overall))
		if v.folderLine {
			folder := widget.NewLabelWithData(p.folderText)
			folder.Truncation = fyne.TextTruncateEllipsis
			box.Add(folder)
		}
		if v.folderBar {
			box.Add(widget.NewProgressBarWithData(p.folder))
		}
		box.Add(widget.NewLabelWithData(p.rateText))
	}
	if !v.stopping.empty() {
		box.Add(statusLabel(statusWorking, v.stopping))
	}
	box.Add(p.notice.box)
	box.Add(p.result.box)
}
