package archive_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mailark/mailark/internal/archive"
)

func TestIndexTerms(t *testing.T) {
	tests := []struct{ in, want string }{
		{"会議の件", " 会議 議の の件"},
		{"Re: 会議", "Re:  会議"},
		{"見", " 見"},
		{"plain words", "plain words"},
		{"ミーティング2024", " ミー ーテ ティ ィン ング 2024"},
	}
	for _, tt := range tests {
		if got := archive.IndexTerms(tt.in); got != tt.want {
			t.Errorf("IndexTerms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMatchQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"会議", `"会議"`},
		{"会議の", `"会議 議の"`},
		{"会", `"会"*`},
		{"invoice 会議", `"invoice" "会議"`},
		{`"; DROP`, `"DROP"`},
		{"  ", ""},
	}
	for _, tt := range tests {
		if got := archive.MatchQuery(tt.in); got != tt.want {
			t.Errorf("MatchQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestIndexSettings: a writer's Open gives the full-text index FTS5's
// automerge setting of 16 (it is rewritten less often as it grows, see
// indexAutomerge) and a hashsize of 4 MiB (fewer segments to merge,
// indexHashBytes), in a new archive and in one that had other settings,
// and the index still finds what it holds.
func TestIndexSettings(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a")
	want := map[string]string{"automerge": "16", "hashsize": "4194304"}
	check := func(a *archive.Archive, when string) {
		t.Helper()
		for k, w := range want {
			var v string
			if err := archive.DB(a).QueryRowContext(ctx, `SELECT v FROM message_fts_config WHERE k = ?`, k).Scan(&v); err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			if v != w {
				t.Errorf("%s %s = %s, want %s", k, when, v, w)
			}
		}
	}
	a := openArchive(t, dir)
	check(a, "of a new archive")
	f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	if err != nil {
		t.Fatal(err)
	}
	run, _ := a.BeginRun(ctx, "backup")
	addBatch(t, a, f, run, entry(1, "Subject: s\r\n\r\nquarterly figures\r\n"))
	for _, q := range []string{`INSERT INTO message_fts(message_fts, rank) VALUES('automerge', 4)`, `INSERT INTO message_fts(message_fts, rank) VALUES('hashsize', 1048576)`} {
		if _, err := archive.DB(a).ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	a.Close()
	a = openArchive(t, dir)
	check(a, "after an archive with FTS5's defaults was opened")
	if n, err := a.SearchCount(ctx, "quarterly"); err != nil || n != 1 {
		t.Errorf("SearchCount(quarterly) = %d, %v; want 1", n, err)
	}
}
