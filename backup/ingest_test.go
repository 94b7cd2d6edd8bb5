package backup_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
)

func openIngest(t *testing.T, dir string, opts backup.IngestOptions) (*archive.Archive, *backup.Ingest, *archive.Folder) {
	t.Helper()
	ctx := context.Background()
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	src, err := a.EnsureSource(ctx, archive.Source{Kind: archive.SourceMbox, Location: "/home/u/mail/inbox", Label: "mbox inbox"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := a.SourceFolder(ctx, src, "INBOX", "")
	if err != nil {
		t.Fatal(err)
	}
	run, err := a.BeginRun(ctx, "import")
	if err != nil {
		t.Fatal(err)
	}
	in := backup.NewIngest(a, run, opts)
	if err := in.Folder(ctx, f); err != nil {
		t.Fatal(err)
	}
	return a, in, f
}

// A source's messages are archived byte for byte under their keys; a second
// pass adds nothing, identical copies are both kept, and a message the
// source could not deliver is a failure, resolved when a later pass gets it.
func TestIngestKeysResumeAndFailures(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	big := "Subject: big\r\n\r\n" + strings.Repeat("x", 3000) + "\r\n"
	msgs := []string{"Subject: one\r\n\r\nhello\r\n", "Subject: one\r\n\r\nhello\r\n", big, "Subject: two\r\n\r\nbye\r\n"}
	pass := func(broken bool) *backup.Ingest {
		a, in, _ := openIngest(t, dir, backup.IngestOptions{SpoolBytes: 1024, BatchMessages: 2})
		for i, m := range msgs {
			var r io.Reader = strings.NewReader(m)
			if broken && i == 3 {
				r = io.MultiReader(strings.NewReader(m[:5]), iotest.ErrReader(errors.New("read error")))
			}
			_, err := in.Add(ctx, backup.IngestMessage{Body: r, Origin: "inbox"})
			var se *backup.SourceReadError
			if err != nil && !errors.As(err, &se) {
				t.Fatal(err)
			}
		}
		if err := in.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		return in
	}
	in := pass(true)
	if in.Added != 3 || in.Failed != 1 {
		t.Fatalf("first pass: added %d failed %d, want 3 and 1", in.Added, in.Failed)
	}
	in = pass(false)
	if in.Added != 1 || in.Skipped != 3 {
		t.Fatalf("second pass: added %d skipped %d, want 1 and 3", in.Added, in.Skipped)
	}
	in = pass(false)
	if in.Added != 0 || in.Skipped != 4 {
		t.Fatalf("third pass: added %d skipped %d, want 0 and 4", in.Added, in.Skipped)
	}

	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if f, err := a.Folder(ctx, "mbox inbox/INBOX"); err != nil || f != nil {
		t.Fatalf("a source folder must not be taken for a server folder: %v %v", f, err)
	}
	srcs, err := a.Sources(ctx)
	if err != nil || len(srcs) != 1 {
		t.Fatalf("sources: %v %v", srcs, err)
	}
	fs, err := a.SourceFolders(ctx, srcs[0].ID)
	if err != nil || len(fs) != 1 {
		t.Fatalf("source folders: %v %v", fs, err)
	}
	var got []string
	if err := a.EachMessage(ctx, fs[0].ID, func(m *archive.MessageInfo) error {
		b, err := io.ReadAll(a.OpenMessage(ctx, m.ID))
		got = append(got, string(b))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{msgs[0], msgs[1], msgs[2], msgs[3]}
	if len(got) != len(want) {
		t.Fatalf("archived %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal([]byte(got[i]), []byte(want[i])) {
			t.Errorf("message %d differs:\n%q\nwant\n%q", i, got[i], want[i])
		}
	}
	open, err := a.OpenFailures(ctx)
	if err != nil || len(open) != 0 {
		t.Fatalf("open failures after the message came: %v %v", open, err)
	}
}
