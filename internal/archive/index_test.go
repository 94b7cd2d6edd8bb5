package archive_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/archive"
)

// inboxRun is a new archive with an INBOX and a backup run.
func inboxRun(t *testing.T) (*archive.Archive, *archive.Folder, int64) {
	t.Helper()
	ctx := context.Background()
	a := openArchive(t, filepath.Join(t.TempDir(), "a"))
	f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	if err != nil {
		t.Fatal(err)
	}
	run, _ := a.BeginRun(ctx, "backup")
	return a, f, run
}

// TestIndexLater: messages committed with IndexLater are archived whole,
// listed as unindexed and not found by search; AddToIndex makes them
// searchable and takes them off the list; adding one again (a second
// indexer, a run killed between its commit and its report) indexes
// nothing twice.
func TestIndexLater(t *testing.T) {
	ctx := context.Background()
	a, f, run := inboxRun(t)
	inline := entry(1, "inline 会議 words\r\n")
	later := []*archive.Entry{entry(2, "later 会議 two\r\n"), entry(3, "later 会議 three\r\n")}
	for _, e := range later {
		e.IndexLater = true
		e.From = "hanako@example.jp"
	}
	addBatch(t, a, f, run, append([]*archive.Entry{inline}, later...)...)

	count := func(q string) int64 {
		t.Helper()
		n, err := a.SearchCount(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n, err := a.UnindexedCount(ctx); err != nil || n != 2 {
		t.Fatalf("UnindexedCount() = %d, %v; want 2", n, err)
	}
	if n := count("会議"); n != 1 {
		t.Errorf("SearchCount(会議) before indexing = %d, want 1 (the inline one)", n)
	}
	list, err := a.NextUnindexed(ctx, 0, 10)
	if err != nil || len(list) != 2 || list[0].Subject != "会議の件 2" || list[1].From != "hanako@example.jp" {
		t.Fatalf("NextUnindexed() = %+v, %v; want messages 2 and 3 with their columns", list, err)
	}
	if more, _ := a.NextUnindexed(ctx, list[0].ID, 10); len(more) != 1 || more[0].ID != list[1].ID {
		t.Errorf("NextUnindexed(after the first) = %+v, want the second alone", more)
	}
	texts := []archive.Indexed{
		{ID: list[0].ID, Text: archive.IndexText{Subject: list[0].Subject, Addresses: list[0].Addresses(), Body: "later 会議 two"}},
		{ID: list[1].ID, Text: archive.IndexText{Subject: list[1].Subject, Addresses: list[1].Addresses(), Body: "later 会議 three"}},
	}
	if n, err := a.AddToIndex(ctx, texts[:1]); err != nil || n != 1 {
		t.Fatalf("AddToIndex(one) = %d, %v; want 1", n, err)
	}
	if n, err := a.AddToIndex(ctx, texts); err != nil || n != 1 {
		t.Fatalf("AddToIndex(both, one already indexed) = %d, %v; want 1", n, err)
	}
	if n, err := a.UnindexedCount(ctx); err != nil || n != 0 {
		t.Errorf("UnindexedCount() after indexing = %d, %v; want 0", n, err)
	}
	for q, want := range map[string]int64{"会議": 3, "later": 2, "two": 1, "hanako": 2} {
		if n := count(q); n != want {
			t.Errorf("SearchCount(%q) = %d, want %d", q, n, want)
		}
	}
	var docs int64
	if err := archive.DB(a).QueryRowContext(ctx, `SELECT count(*) FROM message_fts_docsize`).Scan(&docs); err != nil || docs != 3 {
		t.Errorf("index entries = %d, %v; want 3: none twice", docs, err)
	}
}

// IndexReader gives a message's exact bytes (mboxrd quoting undone), whole
// or its first part, from the mbox file, and from SQLite when the mbox file
// cannot give them.
func TestIndexReader(t *testing.T) {
	ctx := context.Background()
	a, f, run := inboxRun(t)
	long := "Subject: long\r\n\r\n" + strings.Repeat(">From quoted\n", 1000) + strings.Repeat("x", 9000) + "\r\nend"
	bodies := []string{
		"Subject: s\r\n\r\nFrom here on\r\n>From quoted\r\nend\r\n",
		"From the first line\n>>From\n>>From x\nno final newline",
		"",
		long,
	}
	var entries []*archive.Entry
	for i, b := range bodies {
		e := entry(uint32(i+1), b)
		e.IndexLater = true
		entries = append(entries, e)
	}
	addBatch(t, a, f, run, entries...)
	list, err := a.NextUnindexed(ctx, 0, 10)
	if err != nil || len(list) != len(bodies) {
		t.Fatalf("NextUnindexed() = %v, %v", list, err)
	}
	check := func(from string) {
		t.Helper()
		r := a.NewIndexReader()
		defer r.Close()
		for i, b := range bodies {
			for _, n := range []int64{int64(len(b)) + 10, int64(len(b)), int64(len(b)) / 2, 100, 0} {
				want := b[:min(n, int64(len(b)))]
				got, err := r.Read(ctx, list[i], n)
				if err != nil {
					t.Fatalf("Read(message %d, %d) = %v", i+1, n, err)
				}
				if string(got) != want {
					t.Errorf("Read(message %d, %d) from %s = %q, want %q", i+1, n, from, got, want)
				}
			}
		}
	}
	check("the mbox file")
	if err := os.Truncate(a.Path(f.MboxPath), 0); err != nil {
		t.Fatal(err)
	}
	check("SQLite (the mbox file emptied)")
}
