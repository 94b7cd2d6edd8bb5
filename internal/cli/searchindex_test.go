package cli_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/cli"
)

// unindexedArchive is an archive whose messages a backup saved and was
// stopped before it indexed them (archive.Entry.IndexLater).
func unindexedArchive(t *testing.T, bodies ...string) string {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a")
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	if err != nil {
		t.Fatal(err)
	}
	run, _ := a.BeginRun(ctx, "backup")
	b, err := a.BeginBatch(ctx, f, run)
	if err != nil {
		t.Fatal(err)
	}
	for i, body := range bodies {
		raw := []byte("Subject: saved\r\nFrom: a@example.test\r\n\r\n" + body + "\r\n")
		e := &archive.Entry{UID: uint32(i + 1), InternalDate: time.Unix(1_600_000_000, 0), Size: int64(len(raw)),
			SHA256: sha256.Sum256(raw), Body: bytes.NewReader(raw), Subject: "saved", From: "a@example.test", IndexLater: true}
		if err := b.Add(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Search indexes what a stopped backup left unindexed, and finds it; while
// another Mailark writes the archive it cannot, and says how many messages
// search does not see yet and why, in English or Japanese.
func TestSearchIndexesWhatABackupLeft(t *testing.T) {
	ctx := context.Background()
	t.Run("indexed on demand", func(t *testing.T) {
		dir := unindexedArchive(t, "見積書 quotation", "invoice")
		r := newRun(nil)
		if code := r.main(ctx, "search", "--archive", dir, "見積"); code != cli.ExitOK {
			t.Fatalf("search exit %d: %s", code, r.stderr)
		}
		if out := r.stdout.String(); !strings.Contains(out, "1 message(s) found") || strings.Contains(out, "not searchable") {
			t.Errorf("search found:\n%s\nwant the message, and no note", out)
		}
		a, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if n, err := a.UnindexedCount(ctx); n != 0 || err != nil {
			t.Errorf("UnindexedCount() after search = %d, %v; want 0", n, err)
		}
	})
	for _, tc := range []struct{ lang, want string }{
		{"C.UTF-8", "2 message(s) are not searchable yet: a backup is saving to this archive"},
		{"ja_JP.UTF-8", "まだ検索できないメッセージが 2 通あります。この保存先にバックアップが書き込み中"},
	} {
		t.Run("a backup writes it, "+tc.lang, func(t *testing.T) {
			dir := unindexedArchive(t, "見積書 quotation", "invoice")
			w, err := archive.Open(ctx, dir, archive.Options{Existing: true}) // the backup
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			r := newRun(map[string]string{"LANG": tc.lang})
			if code := r.main(ctx, "search", "--archive", dir, "invoice"); code != cli.ExitOK {
				t.Fatalf("search exit %d: %s", code, r.stderr)
			}
			if out := r.stdout.String(); !strings.Contains(out, "0 message(s) found") || !strings.Contains(out, tc.want) {
				t.Errorf("search said:\n%s\nwant %q", out, tc.want)
			}
		})
	}
}
