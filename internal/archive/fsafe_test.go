//go:build unix

package archive_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
)

// TestNoLinkFollowed: a link planted anywhere in the archive is refused
// with one clear line, and what it points to is never written.
func TestNoLinkFollowed(t *testing.T) {
	tests := []struct {
		name  string
		plant func(t *testing.T, dir, mboxFile, victim string)
	}{
		{"mbox file is a link", func(t *testing.T, dir, mboxFile, victim string) {
			os.Remove(mboxFile)
			must(t, os.Symlink(victim, mboxFile))
		}},
		{"folder under mbox is a link", func(t *testing.T, dir, mboxFile, victim string) {
			outside := filepath.Dir(victim)
			must(t, os.Rename(mboxFile, filepath.Join(outside, "INBOX.mbox")))
			must(t, os.Remove(filepath.Join(dir, archive.MboxDir)))
			must(t, os.Symlink(outside, filepath.Join(dir, archive.MboxDir)))
		}},
		{"database is a link", func(t *testing.T, dir, mboxFile, victim string) {
			db := filepath.Join(dir, archive.DBFile)
			must(t, os.Rename(db, victim+".sqlite"))
			must(t, os.Symlink(victim+".sqlite", db))
		}},
		{"lock is a link", func(t *testing.T, dir, mboxFile, victim string) {
			lock := filepath.Join(dir, archive.LockFile)
			os.Remove(lock)
			must(t, os.Symlink(victim, lock))
		}},
		{"mbox file is a pipe", func(t *testing.T, dir, mboxFile, victim string) {
			os.Remove(mboxFile)
			must(t, syscall.Mkfifo(mboxFile, 0o600))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			dir, f, mboxFile := newInbox(t, base)
			must(t, os.Mkdir(filepath.Join(base, "outside"), 0o755))
			victim := filepath.Join(base, "outside", "victim")
			writeVictim(t, victim)
			tc.plant(t, dir, mboxFile, victim)
			tally.BadInputs.Add(1)
			err := tryBackup(dir, f)
			if err == nil {
				t.Fatal("backup into an archive with a planted link or pipe succeeded, want it refused")
			}
			msg := err.Error()
			if mailerr.As(err) == nil || strings.Contains(msg, "\n") ||
				!strings.Contains(msg, "symbolic link") && !strings.Contains(msg, "not a regular file") {
				t.Errorf("error = %q, want one line naming the link or pipe", msg)
			}
			t.Logf("refused: %v", err)
			checkVictim(t, victim)
		})
	}
}

// TestLinkPlantedWhileOpen: a link put in place of an mbox file while the
// archive is open (after Open's checks) is not followed either.
func TestLinkPlantedWhileOpen(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	dir, _, mboxFile := newInbox(t, base)
	victim := filepath.Join(base, "victim")
	writeVictim(t, victim)
	a := openArchive(t, dir)
	f, _ := a.Folder(ctx, "INBOX")
	os.Remove(mboxFile)
	must(t, os.Symlink(victim, mboxFile))
	tally.BadInputs.Add(1)
	run, _ := a.BeginRun(ctx, "backup")
	if _, err := a.BeginBatch(ctx, f, run); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("BeginBatch() = %v, want the link refused", err)
	}
	if _, err := a.NewAppender(f); err == nil {
		t.Errorf("NewAppender() = nil error, want the link refused")
	}
	checkVictim(t, victim)
}

// TestArchiveRootLinkRefused: --archive naming a link is refused, and the
// folder it points to is left as it was (not chmod-ed).
func TestArchiveRootLinkRefused(t *testing.T) {
	base := t.TempDir()
	dir, _, _ := newInbox(t, base)
	must(t, os.Chmod(dir, 0o755))
	link := filepath.Join(base, "link")
	must(t, os.Symlink(dir, link))
	tally.BadInputs.Add(1)
	for _, open := range []func() error{
		func() error { _, err := archive.Open(context.Background(), link, archive.Options{}); return err },
		func() error {
			_, err := archive.OpenForCheck(context.Background(), link, archive.Options{})
			return err
		},
		func() error { _, err := archive.Open(context.Background(), link+"/", archive.Options{}); return err },
	} {
		err := open()
		if err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("Open(link) = %v, want it refused as a symbolic link", err)
		}
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o755 {
		t.Errorf("the link's target has mode %v, want it untouched (0755)", st.Mode().Perm())
	}
}

// TestModesFixed: an archive whose folders and files were made wider (by
// hand, by an unpacker) is made private again, every level of it.
func TestModesFixed(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "arch")
	a := openArchive(t, dir)
	f, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "Archive/2019", Delimiter: "/", UIDValidity: 1})
	a.Close()
	wide := map[string]os.FileMode{
		dir: 0o777, filepath.Join(dir, archive.MboxDir): 0o777, filepath.Join(dir, archive.TmpDir): 0o777,
		filepath.Join(dir, archive.MboxDir, "Archive"):     0o777,
		filepath.Join(dir, filepath.FromSlash(f.MboxPath)): 0o666,
		filepath.Join(dir, archive.DBFile):                 0o644,
	}
	for p, m := range wide {
		must(t, os.Chmod(p, m))
	}
	openArchive(t, dir).Close()
	for p := range wide {
		want := os.FileMode(0o700)
		switch {
		case strings.HasSuffix(p, ".mbox"):
			want = 0o400
		case strings.HasSuffix(p, ".sqlite"):
			want = 0o600
		}
		if st, _ := os.Stat(p); st.Mode().Perm() != want {
			t.Errorf("%s has mode %v after Open, want %v", p, st.Mode().Perm(), want)
		}
	}
}
