package app

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/progress"
)

// toBackup walks the flow to the backup screen without starting it.
func toBackup(t *testing.T, u *ui) {
	t.Helper()
	typeAccount(t, u, "hanako@gmail.com", "pw")
	test.Tap(u.account.nextBtn)
	u.waitBackground()
	if u.step != stepSurvey || u.survey.res == nil {
		t.Fatalf("survey not reached: step %d", u.step)
	}
}

// startBackup goes on from the survey to "Where is your mail?" and starts
// the backup there, as a person does.
func startBackup(u *ui) {
	test.Tap(u.survey.startBtn)
	u.waitBackground()
	test.Tap(u.mailApps.startBtn)
}

func TestBackupProgressAndCancel(t *testing.T) {
	f := newFakes()
	sent, cancelled, release := make(chan struct{}), make(chan struct{}), make(chan struct{})
	f.backup.script = func(ctx context.Context, call int, opts backup.Options) (backup.Summary, error) {
		if call > 1 {
			return backup.Summary{Total: 3, New: 1}, nil
		}
		opts.Progress(progress.Event{Kind: progress.Notice, Folder: "INBOX", FolderTotal: 2,
			Notice: &progress.NoticeData{Kind: progress.FolderStarted}})
		opts.Progress(progress.Event{Kind: progress.Status, Folder: "INBOX", FolderDone: 1, FolderTotal: 2,
			Done: 1, Total: 3, Bytes: 1000, TotalBytes: 4000, Rate: 2e6, ETA: 90 * time.Second})
		sent <- struct{}{}
		<-ctx.Done() // runs until cancelled, like a long backup
		cancelled <- struct{}{}
		<-release // finishing the batch in flight takes a moment
		return backup.Summary{Total: 1, New: 1}, ctx.Err()
	}
	u := newTestUI(t, f)
	toBackup(t, u)
	startBackup(u)
	<-sent
	u.drain() // the progress the fake sent
	if u.step != stepBackup || !u.backup.running {
		t.Fatalf("not running on the backup screen")
	}
	if v, _ := u.backup.overall.Get(); v != 0.25 {
		t.Errorf("overall progress = %v, want 0.25 (1000 of 4000 bytes)", v)
	}
	if v, _ := u.backup.folder.Get(); v != 0.5 {
		t.Errorf("folder progress = %v, want 0.5", v)
	}
	want := tr("backup.overall", map[string]any{"Done": "1", "Total": "3", "Bytes": "1000 B", "TotalBytes": "4 KB"})
	if s, _ := u.backup.overallText.Get(); s != want {
		t.Errorf("overall text = %q, want %q", s, want)
	}
	if s, _ := u.backup.rateText.Get(); s != tr("backup.rate", map[string]any{"Rate": "1.9 MB/s", "Left": trn("time.minutes", 2, nil)}) {
		t.Errorf("rate text = %q", s)
	}
	if u.backup.folders[0].state != folderWorking {
		t.Error("INBOX not marked as being saved")
	}
	wantFolder := tr("backup.folder", map[string]any{"Folder": folderLabel("INBOX", u.backup.roleOf("INBOX")), "Done": "1", "Total": "2"})
	if s, _ := u.backup.folderText.Get(); s != wantFolder {
		t.Errorf("folder text = %q, want %q", s, wantFolder)
	}
	if !u.backup.busy() {
		t.Error("backup screen not busy while running")
	}
	if n := progressBars(u.win.Canvas()); n != 2 {
		t.Errorf("%d progress bars while running, want 2 (overall, folder)", n)
	}

	// Cancel: "Stopping…" until Run returns, then "Stopped — run again".
	test.Tap(u.backup.cancelBtn)
	<-cancelled
	u.drain()
	if u.backup.cancelBtn.Text != tr("backup.stopping-button") || !u.backup.cancelBtn.Disabled() {
		t.Errorf("while stopping the button says %q (disabled %v)", u.backup.cancelBtn.Text, u.backup.cancelBtn.Disabled())
	}
	if !contains(texts(u.win.Canvas()), tr("backup.stopping")) {
		t.Error("no 'Stopping…' line while the engine finishes")
	}
	close(release)
	u.waitBackground()
	if u.backup.running || !u.backup.cancelled {
		t.Fatal("still running after cancel")
	}
	if got := u.backup.result.label.Text; got != tr("backup.stopped", map[string]any{"Count": "1"}) {
		t.Errorf("after cancel: %q", got)
	}
	if s, _ := u.backup.folderText.Get(); s != "" {
		t.Errorf("after cancel the folder line still says %q: nothing is being saved", s)
	}
	if n := progressBars(u.win.Canvas()); n != 1 {
		t.Errorf("after cancel %d progress bars, want the overall one alone", n)
	}
	if u.backup.mainBtn.Text != tr("button.continue-backup") {
		t.Errorf("primary button = %q, want continue", u.backup.mainBtn.Text)
	}

	// Running again continues (the engine fetches only what is missing).
	test.Tap(u.backup.mainBtn)
	u.waitBackground()
	if f.backup.calls != 2 || u.backup.result.kind != statusOK {
		t.Errorf("second run: calls %d, result %q", f.backup.calls, u.backup.result.label.Text)
	}
	if u.backup.mainBtn.Text != tr("button.next-contacts") {
		t.Errorf("after success the blue button says %q", u.backup.mainBtn.Text)
	}
}

func TestFailedMessagesListedWithRetry(t *testing.T) {
	f := newFakes()
	f.backup.script = func(ctx context.Context, call int, opts backup.Options) (backup.Summary, error) {
		if call == 1 {
			return backup.Summary{Total: 10, New: 10, Failures: []archive.Failure{
				failure("INBOX", 42, "NO [UNAVAILABLE] message temporarily unavailable"),
				failure("取引先", 7, "connection reset while fetching")}}, nil
		}
		return backup.Summary{Total: 12, New: 2}, nil
	}
	u := newTestUI(t, f)
	toBackup(t, u)
	startBackup(u)
	u.waitBackground()
	if len(u.backup.failures) != 2 {
		t.Fatalf("failures listed = %d, want 2", len(u.backup.failures))
	}
	if rows, cols := u.backup.failTable.Length(); rows != 2 || cols != 4 {
		t.Errorf("failure table %dx%d", rows, cols)
	}
	all := texts(u.win.Canvas())
	if !contains(all, tr("backup.failed.heading", map[string]any{"Count": "2"})) {
		t.Errorf("no heading for the failed messages: %q", all)
	}
	u.backup.failTable.Select(fyneCell(0, 3))
	if want := tr("backup.failed.detail", map[string]any{"Folder": "INBOX", "UID": uint32(42),
		"Reason": "NO [UNAVAILABLE] message temporarily unavailable"}); u.backup.failPick.Text != want {
		t.Errorf("selected failure shows %q, want %q", u.backup.failPick.Text, want)
	}
	if u.backup.mainBtn.Text != tr("button.retry-failed") {
		t.Fatalf("blue button = %q, want retry", u.backup.mainBtn.Text)
	}
	test.Tap(u.backup.mainBtn) // Retry = run the backup again
	u.waitBackground()
	if f.backup.calls != 2 || len(u.backup.failures) != 0 || u.backup.result.kind != statusOK {
		t.Errorf("after retry: calls %d, failures %d, result %q", f.backup.calls, len(u.backup.failures), u.backup.result.label.Text)
	}
}

// The pump merges a flood of events into one UI update: the newest status
// and every notice.
func TestEventPumpMerges(t *testing.T) {
	var queued []func()
	var applied [][]progress.Event
	var last progress.Event
	p := newEventPump(func(ev progress.Event, have bool, notices []progress.Event) {
		last = ev
		applied = append(applied, notices)
	})
	p.do = func(f func()) { queued = append(queued, f) }
	for i := 1; i <= 1000; i++ {
		p.sink(progress.Event{Kind: progress.Status, Done: int64(i)})
		if i%100 == 0 {
			p.sink(progress.Event{Kind: progress.Notice, Notice: &progress.NoticeData{Kind: progress.MessageFailed, UID: uint32(i)}})
		}
	}
	if len(queued) != 1 {
		t.Fatalf("%d UI updates queued for 1010 events, want 1", len(queued))
	}
	queued[0]()
	if last.Done != 1000 || len(applied) != 1 || len(applied[0]) != 10 {
		t.Errorf("applied last.Done=%d, notices %d", last.Done, len(applied[0]))
	}
	p.sink(progress.Event{Kind: progress.Status, Done: 1001})
	if len(queued) != 2 {
		t.Errorf("after a flush a new event must queue a new update")
	}
}

// progressBars counts the visible progress bars on c.
func progressBars(c fyne.Canvas) int {
	n := 0
	walkVisible(c.Content(), func(o fyne.CanvasObject) bool {
		if _, ok := o.(*widget.ProgressBar); ok {
			n++
			return false
		}
		return true
	})
	return n
}
