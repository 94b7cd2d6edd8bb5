package archive_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/archive/archivetest"
)

// TestCraftedMboxPathRefused: archive.sqlite is a file anyone can edit;
// no mbox_path in it makes Mailark write (or cut, or restore to) a file
// outside the archive, and the error says the database was altered.
func TestCraftedMboxPathRefused(t *testing.T) {
	paths := []string{
		"../victim",
		"../victim.mbox",
		"mbox/../../victim.mbox",
		"mbox/../archive.sqlite",
		"/tmp/victim.mbox",
		"mbox/a/../../../victim.mbox",
		`mbox\..\..\victim.mbox`,
		"archive.sqlite",
		"mbox/INBOX.mbox/../../lock",
	}
	for _, crafted := range paths {
		t.Run(crafted, func(t *testing.T) {
			base := t.TempDir()
			dir, f, _ := newInbox(t, base)
			victim := filepath.Join(base, "victim")
			writeVictim(t, victim)
			writeVictim(t, victim+".mbox")
			setMboxPath(t, dir, crafted)
			tally.BadInputs.Add(1)

			err := tryBackup(dir, f)
			if err == nil || !strings.Contains(err.Error(), "not inside the archive") {
				t.Errorf("backup with mbox_path %q = %v, want it refused", crafted, err)
			}
			checkVictim(t, victim)
			checkVictim(t, victim+".mbox")

			out := filepath.Join(base, "out", "restored")
			ro, err := archive.Open(context.Background(), dir, archive.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer ro.Close()
			if _, err := archive.Restore(context.Background(), ro, out); err == nil {
				t.Errorf("restore with mbox_path %q succeeded, want it refused", crafted)
			}
			entries, _ := os.ReadDir(filepath.Join(base, "out"))
			if len(entries) != 1 || entries[0].Name() != "restored" {
				t.Errorf("restore wrote beside --out: %v", entries)
			}
		})
	}
}

// TestCraftedPendingRenameRefused: the journal of a generation change is
// read from archive.sqlite too.
func TestCraftedPendingRenameRefused(t *testing.T) {
	base := t.TempDir()
	dir, f, _ := newInbox(t, base)
	victim := filepath.Join(base, "victim.mbox")
	writeVictim(t, victim)
	a := openArchive(t, dir)
	if err := a.SetMeta(context.Background(), map[string]string{
		"pending_rename": `{"From":"../victim.mbox","To":"mbox/stolen.mbox"}`}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	tally.BadInputs.Add(1)
	if err := tryBackup(dir, f); err == nil || !strings.Contains(err.Error(), "not inside the archive") {
		t.Errorf("backup with a crafted pending rename = %v, want it refused", err)
	}
	checkVictim(t, victim)
}

func setMboxPath(t *testing.T, dir, p string) {
	t.Helper()
	// Past the archive, as a crafted archive.sqlite would be: the archive
	// has no method to set a path, and should not have one.
	db := archivetest.Tamper(t, dir)
	archivetest.Exec(t, db, `UPDATE folders SET mbox_path = ?`, p)
	db.Close()
}
