package archive_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mailark/mailark/internal/archive"
)

// TestCountsAndNewest: the counts and the newest-N query answer from the
// rows, newest (last archived) first, without walking the folder.
func TestCountsAndNewest(t *testing.T) {
	ctx := context.Background()
	a := openArchive(t, filepath.Join(t.TempDir(), "arch"))
	inbox, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	sent, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "Sent", Role: "sent", UIDValidity: 1})
	run, _ := a.BeginRun(ctx, "backup")
	addBatch(t, a, inbox, run, entry(3, "c"), entry(5, "e"))
	addBatch(t, a, inbox, run, entry(4, "d")) // a retried message arrives last
	mine := entry(1, "s")
	mine.From = "Hanako Sato <hanako@old-isp.example>"
	addBatch(t, a, sent, run, mine)
	if err := a.RecordFailure(ctx, inbox.ID, 9, run, "NO [UNAVAILABLE]"); err != nil {
		t.Fatal(err)
	}

	newest, err := a.NewestMessages(ctx, inbox.ID, 2)
	var uids []uint32
	for _, m := range newest {
		uids = append(uids, m.UID)
	}
	if err != nil || !slices.Equal(uids, []uint32{4, 5}) {
		t.Errorf("NewestMessages(INBOX, 2) = %v, %v, want [4 5]", uids, err)
	}
	if all, _ := a.NewestMessages(ctx, inbox.ID, 10); len(all) != 3 {
		t.Errorf("NewestMessages(INBOX, 10) = %d messages, want 3", len(all))
	}
	counts, err := a.MessageCounts(ctx)
	if err != nil || counts[inbox.ID] != 3 || counts[sent.ID] != 1 {
		t.Errorf("MessageCounts() = %v, %v", counts, err)
	}
	for _, c := range []struct {
		name string
		f    func(context.Context) (int64, error)
		want int64
	}{
		{"MessageCount", a.MessageCount, 4},
		{"CurrentMessageCount", a.CurrentMessageCount, 4},
		{"FolderMessageCount(INBOX)", func(ctx context.Context) (int64, error) { return a.FolderMessageCount(ctx, inbox.ID) }, 3},
		{"OpenFailureCount(INBOX)", func(ctx context.Context) (int64, error) { return a.OpenFailureCount(ctx, inbox.ID) }, 1},
	} {
		if n, err := c.f(ctx); err != nil || n != c.want {
			t.Errorf("%s = %d, %v, want %d", c.name, n, err, c.want)
		}
	}
	var froms []string
	if err := a.EachSentFrom(ctx, func(from string) error { froms = append(froms, from); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(froms, []string{mine.From}) {
		t.Errorf("EachSentFrom() = %q, want %q", froms, mine.From)
	}
}
