package archive_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/archive"
)

// precious is longer than what the archive committed, so that a recovery
// that followed a link would cut it.
var precious = strings.Repeat("a file of the user's that no archive may touch\n", 20)

// newInbox makes an archive in base/arch holding INBOX with one message,
// closed, and returns its folder and the mbox file's path.
func newInbox(t *testing.T, base string) (dir string, f *archive.Folder, mboxFile string) {
	t.Helper()
	ctx := context.Background()
	dir = filepath.Join(base, "arch")
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, _ = a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 1})
	run, _ := a.BeginRun(ctx, "backup")
	addBatch(t, a, f, run, entry(1, "one\r\n"))
	a.Close()
	return dir, f, filepath.Join(dir, filepath.FromSlash(f.MboxPath))
}

func writeVictim(t *testing.T, p string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(precious), 0o644); err != nil {
		t.Fatal(err)
	}
}

func checkVictim(t *testing.T, p string) {
	t.Helper()
	if got, err := os.ReadFile(p); err != nil || string(got) != precious {
		t.Errorf("%s now holds %q (%v): the archive wrote outside itself", p, got, err)
	}
}

// tryBackup does what a backup does with the folder: open the archive and
// append a message. It returns the first error.
func tryBackup(dir string, f *archive.Folder) error {
	ctx := context.Background()
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	cur, err := a.Folder(ctx, f.Name)
	if err != nil {
		return err
	}
	run, _ := a.BeginRun(ctx, "backup")
	b, err := a.BeginBatch(ctx, cur, run)
	if err != nil {
		return err
	}
	if err := b.Add(ctx, entry(99, "ninety-nine\r\n")); err != nil {
		b.Abort()
		return err
	}
	return b.Commit(ctx)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A run whose process died (newInbox never finishes its run) is closed at
// the next writable open, with the messages it really archived.
func TestInterruptedRunClosedWithItsCounts(t *testing.T) {
	dir, _, _ := newInbox(t, t.TempDir())
	ctx := context.Background()
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	r, err := a.LastRun(ctx, "backup")
	if err != nil || r == nil {
		t.Fatalf("LastRun() = %v, %v", r, err)
	}
	if r.Status != archive.RunInterrupted || r.Messages != 1 || r.Bytes == 0 || r.FinishedAt == "" ||
		!strings.Contains(r.Error, "killed") {
		t.Errorf("the killed run reads %+v; want interrupted, 1 message with its bytes, and why", r)
	}
}
