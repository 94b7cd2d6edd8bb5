package app

import (
	"testing"
	"time"

	"github.com/mailark/mailark/internal/progress"
)

// The backup and the copy show progress in one panel: the same event gives
// the same bars, rate and time left, and a reconnect reads the same.
func TestBackupAndCopyShareTheProgressPanel(t *testing.T) {
	u := newTestUI(t, newFakes())
	if u.backup.progressPanel == u.migrate.progressPanel {
		t.Fatal("the two screens share one panel value: their runs would mix")
	}
	ev := progress.Event{Kind: progress.Status, Done: 1, Total: 4, Bytes: 1 << 20, TotalBytes: 4 << 20,
		Rate: 1 << 20, ETA: 3 * time.Second, FolderDone: 1, FolderTotal: 2}
	retry := progress.Event{Kind: progress.Notice, Notice: &progress.NoticeData{Kind: progress.Retrying}}
	for _, p := range []*progressPanel{u.backup.progressPanel, u.migrate.progressPanel} {
		p.pump.sink(retry)
		p.pump.sink(ev)
	}
	u.waitBackground()
	u.backup.updateTexts()
	u.migrate.updateTexts()
	b, m := u.backup.progressPanel, u.migrate.progressPanel
	bo, _ := b.overall.Get()
	mo, _ := m.overall.Get()
	br, _ := b.rateText.Get()
	mr, _ := m.rateText.Get()
	if bo != 0.25 || mo != bo || br == "" || mr != br {
		t.Errorf("backup shows %v %q, copy %v %q: want the same", bo, br, mo, mr)
	}
	if b.notice.label.Text != m.notice.label.Text {
		t.Errorf("a reconnect reads %q in the backup, %q in the copy", b.notice.label.Text, m.notice.label.Text)
	}
}

// A message that failed is counted on the notice line in each screen's
// own words, and a new run counts from zero again.
func TestFailedMessagesCountedPerRun(t *testing.T) {
	u := newTestUI(t, newFakes())
	failed := progress.Event{Kind: progress.Notice, Folder: "INBOX", Notice: &progress.NoticeData{Kind: progress.MessageFailed}}
	for _, tc := range []struct {
		p   *progressPanel
		key string
	}{{u.backup.progressPanel, "backup.message-failed"}, {u.migrate.progressPanel, "migrate.refused-now"}} {
		tc.p.pump.sink(failed)
		u.waitBackground()
		tc.p.pump.sink(failed)
		u.waitBackground()
		if want := tr(tc.key, map[string]any{"Count": "2", "Folder": "INBOX"}); tc.p.notice.label.Text != want {
			t.Errorf("after two failures: %q, want %q", tc.p.notice.label.Text, want)
		}
		tc.p.reset() // a new run
		tc.p.pump.sink(failed)
		u.waitBackground()
		if want := tr(tc.key, map[string]any{"Count": "1", "Folder": "INBOX"}); tc.p.notice.label.Text != want {
			t.Errorf("a new run's first failure: %q, want %q", tc.p.notice.label.Text, want)
		}
	}
}
