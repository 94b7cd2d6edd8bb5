package app

import (
	"testing"

	"github.com/mailark/mailark/internal/progress"
)

// Once every message is saved, the backup screen says it is indexing for
// search, with how far, and leaves the bars at what was saved.
func TestBackupShowsIndexingForSearch(t *testing.T) {
	u := newTestUI(t, newFakes())
	p := u.backup.progressPanel
	p.pump.sink(progress.Event{Kind: progress.Status, Done: 4, Total: 4, Bytes: 4 << 20, TotalBytes: 4 << 20})
	p.pump.sink(progress.Event{Kind: progress.Status, Step: progress.StepIndex, Done: 9, Total: 20})
	u.waitBackground()
	if got, want := p.notice.label.Text, tr("backup.indexing", map[string]any{"Percent": "45"}); got != want {
		t.Errorf("notice while indexing = %q, want %q", got, want)
	}
	if o, _ := p.overall.Get(); o != 1 {
		t.Errorf("overall bar while indexing = %v, want 1 (every message saved)", o)
	}
}

// A search says how many messages it could not look at yet, and why.
func TestArchiveSearchSaysWhatIsNotSearchable(t *testing.T) {
	for _, tc := range []struct {
		busy bool
		key  string
	}{{false, "archive.not-searchable"}, {true, "archive.not-searchable-busy"}} {
		u, v := openFakeArchive(t, &fakeReader{unsearchable: 3, busy: tc.busy})
		v.runSearch("会議")
		u.waitBackground()
		if got, want := v.status.label.Text, tr(tc.key, map[string]any{"Count": "3"}); got != want || !v.status.box.Visible() {
			t.Errorf("status after search = %q, want %q", got, want)
		}
		if len(v.msgs) != 1 {
			t.Errorf("search listed %d messages, want 1", len(v.msgs))
		}
		v.win.Close()
	}
}
