package archive_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailark/mailark/internal/archive"
)

// TestWALStartsOver: a writer that goes on committing batches does not let
// the write-ahead log grow with the archive; it starts over once the
// background checkpoint has copied it (not by the writer folding it in
// itself, which is the fallback and is turned off here).
func TestWALStartsOver(t *testing.T) {
	const restart = 4 << 20
	defer archive.SetWALLimits(restart, 1<<40)()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "arch")
	a := openArchive(t, dir)
	f, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	run, _ := a.BeginRun(ctx, "backup")
	body := string(bytes.Repeat([]byte("0123456789abcdef"), 64<<10)) // 1 MiB
	var peak int64
	for uid := uint32(1); uid <= 40; uid++ { // 40 MiB, 10 times the restart size
		addBatch(t, a, f, run, entry(uid, body))
		if st, err := os.Stat(filepath.Join(dir, archive.DBFile+"-wal")); err == nil {
			peak = max(peak, st.Size())
		}
	}
	// Restarting, the log holds the restart size, the batches written while
	// the checkpoint finished (a few on a loaded machine: the checkpointer
	// is a goroutine of its own), and a little of the tables beside. A log
	// that never started over would hold all 40 MiB.
	if peak > 6*restart {
		t.Errorf("the log grew to %d bytes over 40 MiB of messages; it should start over near %d", peak, restart)
	}
	if uids, _ := a.ArchivedUIDs(ctx, f.ID); len(uids) != 40 {
		t.Errorf("ArchivedUIDs() holds %d, want 40", len(uids))
	}
}
