//go:build unix

package archive_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/testimap"
)

// bulkBody is a message large enough that a batch of a few overflows the
// writer's 4 MiB page cache: SQLite then writes the database file before
// the commit (it spills), holding the exclusive lock, with the pages it
// replaces in the journal.
var bulkBody = strings.Repeat("Lorem ipsum dolor sit amet, 会議の件について。\r\n", 20000) // ~1 MB

// journalMode reads the database file's header: bytes 18 and 19 are 2 in
// WAL mode, 1 with a rollback journal.
func journalMode(t testing.TB, dir string) string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, archive.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var h [20]byte
	if _, err := f.ReadAt(h[:], 0); err != nil {
		t.Fatal(err)
	}
	switch {
	case h[18] == 2 && h[19] == 2:
		return "wal"
	case h[18] == 1 && h[19] == 1:
		return "rollback"
	}
	return fmt.Sprintf("unknown (%d, %d)", h[18], h[19])
}

func openBulk(t testing.TB, dir string) *archive.Archive {
	t.Helper()
	a, err := archive.Open(context.Background(), dir, archive.Options{Bulk: true})
	if err != nil {
		t.Fatalf("Open(Bulk) = %v", err)
	}
	return a
}

// countMessages reads, in one read transaction, every message's row and
// chunks: a torn state would show a message without its bytes, or a count
// between two batches'.
func countMessages(ctx context.Context, ro *archive.Archive) (int, error) {
	var n int
	rows, err := archive.DB(ro).QueryContext(ctx, `SELECT m.size, coalesce(sum(length(c.data)), 0)
		FROM messages m LEFT JOIN message_chunks c ON c.message_id = m.id GROUP BY m.id`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var size, stored int64
		if err := rows.Scan(&size, &stored); err != nil {
			return 0, err
		}
		if size != stored {
			return 0, fmt.Errorf("a message of %d bytes has %d stored", size, stored)
		}
		n++
	}
	return n, rows.Err()
}

// TestBulkReaderSeesWholeBatches: a backup writes with a rollback journal
// (Options.Bulk); a reader reading all the while never gets an error and
// only ever sees the archive between two batches, every message whole.
// Close puts the archive back in WAL.
func TestBulkReaderSeesWholeBatches(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "arch")
	a := openBulk(t, dir)
	if m := journalMode(t, dir); m != "rollback" {
		t.Fatalf("a bulk writer's database is in %s mode, want rollback", m)
	}
	f, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	run, _ := a.BeginRun(ctx, "backup")
	const batches, perBatch = 6, 6
	addBatch(t, a, f, run, entry(1, "first"))

	// A reader the writer does not know of yet (bulk.go): it reads during
	// the rollback-journal batches.
	ro, err := archive.OpenUnseenReader(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var seen []int
	var readErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			n, err := countMessages(ctx, ro)
			if err != nil {
				readErr = err
				return
			}
			seen = append(seen, n)
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	uid := uint32(2)
	for range batches {
		var es []*archive.Entry
		for range perBatch {
			es = append(es, entry(uid, bulkBody))
			uid++
		}
		addBatch(t, a, f, run, es...)
	}
	close(stop)
	wg.Wait()
	if readErr != nil {
		t.Fatalf("a reader during the backup got: %v", readErr)
	}
	for _, n := range seen {
		if (n-1)%perBatch != 0 {
			t.Fatalf("a reader saw %d messages: not a whole number of batches (seen %v)", n, seen)
		}
	}
	if len(seen) == 0 {
		t.Fatal("the reader never read")
	}
	if m := journalMode(t, dir); m != "rollback" {
		t.Fatalf("the batches were written in %s mode, want rollback", m)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if m := journalMode(t, dir); m != "wal" {
		t.Errorf("after the backup the database is in %s mode, want wal", m)
	}
	if n, err := countMessages(ctx, ro); err != nil || n != 1+batches*perBatch {
		t.Errorf("after the backup: %d messages, %v; want %d", n, err, 1+batches*perBatch)
	}
}

// TestBulkStaysWALBesideAReader: a reader that has the archive open keeps
// a backup in WAL (leaving it would need the database to itself), without
// waiting for the reader.
func TestBulkStaysWALBesideAReader(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "arch")
	openArchive(t, dir).Close()
	ro, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := countMessages(ctx, ro); err != nil {
		t.Fatal(err)
	}
	a := openBulk(t, dir)
	defer a.Close()
	if m := journalMode(t, dir); m != "wal" {
		t.Errorf("a bulk writer beside a reader uses %s mode, want wal", m)
	}
	f, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	run, _ := a.BeginRun(ctx, "backup")
	addBatch(t, a, f, run, entry(1, bulkBody))
	if n, err := countMessages(ctx, ro); err != nil || n != 1 {
		t.Errorf("the reader sees %d messages, %v; want 1", n, err)
	}
}

// TestBulkLeavesForAReader: a reader that comes during a bulk backup sends
// it back to WAL before its next batch, so that one long read of the
// reader's (a migration reads as it uploads) never holds the writer up:
// the batch written while the reader holds a read open commits.
func TestBulkLeavesForAReader(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "arch")
	a := openBulk(t, dir)
	defer a.Close()
	f, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	run, _ := a.BeginRun(ctx, "backup")
	addBatch(t, a, f, run, entry(1, bulkBody))
	if m := journalMode(t, dir); m != "rollback" {
		t.Fatalf("a bulk writer's database is in %s mode, want rollback", m)
	}
	ro, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	addBatch(t, a, f, run, entry(2, bulkBody))
	if m := journalMode(t, dir); m != "wal" {
		t.Fatalf("with a reader there the backup writes in %s mode, want wal", m)
	}
	rows, err := archive.DB(ro).QueryContext(ctx, `SELECT uid FROM messages`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatal("the reader reads nothing")
	}
	var es []*archive.Entry
	for uid := uint32(3); uid < 9; uid++ {
		es = append(es, entry(uid, bulkBody))
	}
	addBatch(t, a, f, run, es...) // fails (database is locked) if it waited for the read
	rows.Close()
	if n, err := countMessages(ctx, ro); err != nil || n != 8 {
		t.Errorf("the reader sees %d messages, %v; want 8", n, err)
	}
}

// TestBulkKillChild is the child of TestBulkKilledMidBatch: it commits one
// batch, writes most of a second one (past the page cache, so the database
// file holds its pages and the journal the pages they replaced), says so
// and waits to be killed.
func TestBulkKillChild(t *testing.T) {
	testimap.SkipUnlessChild(t)
	ctx := context.Background()
	a := openBulk(t, testimap.ChildKillEnv().Archive)
	f, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	run, _ := a.BeginRun(ctx, "backup")
	addBatch(t, a, f, run, entry(1, "first"), entry(2, bulkBody))
	b, err := a.BeginBatch(ctx, f, run)
	if err != nil {
		t.Fatal(err)
	}
	for uid := uint32(3); uid < 15; uid++ {
		if err := b.Add(ctx, entry(uid, bulkBody)); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Println("event 1")
	select {}
}

// TestBulkKilledMidBatch: a backup killed in the middle of a batch, with
// the database file written past its last commit and a hot journal beside
// it. A reader opens the archive before any writer and sees the last
// commit (the journal played back); the next writer opens it in WAL, the
// same messages there, and the unfinished batch's mbox bytes cut off.
func TestBulkKilledMidBatch(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "arch")
	c := testimap.KillChild(t, "TestBulkKillChild", testimap.KillEnv{Archive: dir}.Environ(), 1)
	if c.Finished != "" || c.Hung {
		t.Fatalf("the child ended on its own: %+v", c)
	}
	db := filepath.Join(dir, archive.DBFile)
	if st, err := os.Stat(db + "-journal"); err != nil || st.Size() == 0 {
		t.Fatalf("no hot journal after the kill (%v): the test did not kill a bulk batch mid-way", err)
	}
	ro, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("a reader after the kill: %v", err)
	}
	n, err := countMessages(ctx, ro)
	ro.Close()
	if err != nil || n != 2 {
		t.Fatalf("a reader after the kill sees %d messages, %v; want the 2 committed", n, err)
	}
	a := openArchive(t, dir)
	if m := journalMode(t, dir); m != "wal" {
		t.Errorf("the next writer opens the database in %s mode, want wal", m)
	}
	f, err := a.Folder(ctx, "INBOX")
	if err != nil || f == nil {
		t.Fatalf("Folder() = %v, %v", f, err)
	}
	if uids, _ := a.ArchivedUIDs(ctx, f.ID); len(uids) != 2 {
		t.Errorf("the next writer sees %d messages, want 2", len(uids))
	}
	if st, err := os.Stat(a.Path(f.MboxPath)); err != nil || st.Size() != f.MboxSize {
		t.Errorf("the mbox file is %v bytes (%v), the archive says %d", st.Size(), err, f.MboxSize)
	}
}
