package archive_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/archive"
)

// TestAppenderAheadOfBatches: messages appended to the mbox file by an
// Appender, ahead of the batches that record them, end up exactly as a
// batch writing the file itself leaves them; what is appended but never
// committed is cut off by Close; and entries out of order are refused.
func TestAppenderAheadOfBatches(t *testing.T) {
	ctx := context.Background()
	// The reference: the same messages written by batches themselves.
	big := strings.Repeat("From the start of a line\r\n", (3*archive.ChunkSize)/26)
	msgs := []string{"Subject: a\r\n\r\nFrom here\r\n", "", "no final newline", big, ">From quoted\n", "last\r\n"}
	ref := openArchive(t, filepath.Join(t.TempDir(), "ref"))
	rf, _ := ref.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	rrun, _ := ref.BeginRun(ctx, "backup")
	addBatch(t, ref, rf, rrun, entry(1, msgs[0]), entry(2, msgs[1]), entry(3, msgs[2]))
	addBatch(t, ref, rf, rrun, entry(4, msgs[3]), entry(5, msgs[4]))
	want, err := os.ReadFile(ref.Path(rf.MboxPath))
	if err != nil {
		t.Fatal(err)
	}

	a := openArchive(t, filepath.Join(t.TempDir(), "arch"))
	f, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	run, _ := a.BeginRun(ctx, "backup")
	ap, err := a.NewAppender(f)
	if err != nil {
		t.Fatal(err)
	}
	var es []*archive.Entry
	for i, m := range msgs {
		e := entry(uint32(i+1), m)
		if err := ap.Append(e); err != nil {
			t.Fatalf("Append(%d) = %v", i+1, err)
		}
		es = append(es, e)
	}
	// Two batches commit the first five; the sixth was appended but its
	// batch never comes (the run stopped).
	addBatch(t, a, f, run, es[0], es[1], es[2])
	addBatch(t, a, f, run, es[3], es[4])
	if st, _ := os.Stat(a.Path(f.MboxPath)); st.Size() <= f.MboxSize {
		t.Fatalf("the appender is not ahead: file %d bytes, committed %d", st.Size(), f.MboxSize)
	}
	if err := ap.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	got, err := os.ReadFile(a.Path(f.MboxPath))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("mbox written by the appender (%d bytes) differs from the one batches write (%d bytes)", len(got), len(want))
	}
	if int64(len(got)) != f.MboxSize {
		t.Errorf("mbox is %d bytes, folder records %d", len(got), f.MboxSize)
	}
	for i, m := range msgs[:5] {
		var id int64
		if err := archive.DB(a).QueryRow(`SELECT id FROM messages WHERE folder_id = ? AND uid = ?`, f.ID, i+1).Scan(&id); err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(a.OpenMessage(ctx, id))
		if err != nil || string(b) != m {
			t.Errorf("message %d from SQLite: %d bytes, %v; want %d bytes", i+1, len(b), err, len(m))
		}
	}
	if uids, _ := a.ArchivedUIDs(ctx, f.ID); len(uids) != 5 {
		t.Errorf("ArchivedUIDs() = %v, want 1-5", uids)
	}

	// The next appender starts at the committed end; an entry handed to a
	// batch out of order is refused, and the batch is left to abort.
	ap, err = a.NewAppender(f)
	if err != nil {
		t.Fatal(err)
	}
	defer ap.Close()
	e6, e7 := entry(6, "six\r\n"), entry(7, "seven\r\n")
	if err := ap.Append(e6); err != nil {
		t.Fatal(err)
	}
	if err := ap.Append(e7); err != nil {
		t.Fatal(err)
	}
	b, err := a.BeginBatch(ctx, f, run)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Add(ctx, e7); err == nil {
		t.Errorf("Add() of an entry appended after one not yet added = nil error, want one")
	}
	b.Abort()
	addBatch(t, a, f, run, e6, e7)
	if got := readMbox(t, a.Path(f.MboxPath)); len(got) != 7 || string(got[6]) != "seven\r\n" {
		t.Errorf("mbox holds %d messages after the out-of-order batch was redone, want 7", len(got))
	}
}
