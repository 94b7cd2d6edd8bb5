package backup_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/mailstore/layout"
)

// A second import of an unchanged Apple Mail account passes over every
// folder without reading a message (the rerun reads file names, sizes and
// times only); a message rewritten by Mail (a flag changed), a message
// added, or an attachment a partial message gets back later makes that
// folder, and only it, read again.
func TestImportAppleMailRerunPassesUnchangedFolders(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	var inbox, sent [][]byte
	for i := range 30 {
		inbox = append(inbox, fmt.Appendf(nil, "Subject: in %d\r\nMessage-ID: <in%d@example.jp>\r\n\r\nbody %d\r\n", i, i, i))
		sent = append(sent, fmt.Appendf(nil, "Subject: out %d\r\nMessage-ID: <out%d@example.jp>\r\n\r\nbody %d\r\n", i, i, i))
	}
	acct, err := layout.AppleMail(home, []layout.AppleFolder{{Name: "INBOX", Msgs: inbox}, {Name: "Sent Messages", Msgs: sent}})
	if err != nil {
		t.Fatal(err)
	}
	dir := tempArchive(t)
	run := func() (added int64, reread []string) {
		t.Helper()
		stores, err := mailstore.FindAll(home, "darwin", archive.SourceAppleMail)
		if err != nil || len(stores) != 1 {
			t.Fatalf("FindAll: %d stores, %v", len(stores), err)
		}
		a, err := archive.Open(ctx, dir, archive.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		sum, err := backup.Import(ctx, a, stores[0], backup.ImportOptions{})
		if err != nil || !sum.Whole() {
			t.Fatalf("Import: %v (whole %v)", err, sum != nil && sum.Whole())
		}
		for _, f := range sum.Folders {
			if !f.Unchanged {
				reread = append(reread, f.Name)
			}
		}
		return sum.Added, reread
	}
	if added, _ := run(); added != 60 {
		t.Fatalf("first import added %d, want 60", added)
	}
	if added, reread := run(); added != 0 || len(reread) != 0 {
		t.Fatalf("unchanged rerun: added %d, read again %q", added, reread)
	}

	// Mail rewrites a message when its flags change: same size, new time.
	var emlx []string
	filepath.WalkDir(filepath.Join(acct, "INBOX.mbox"), func(p string, d os.DirEntry, err error) error {
		if err == nil && filepath.Ext(p) == ".emlx" {
			emlx = append(emlx, p)
		}
		return nil
	})
	if len(emlx) != 30 {
		t.Fatalf("%d .emlx in INBOX", len(emlx))
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(emlx[3], later, later); err != nil {
		t.Fatal(err)
	}
	if added, reread := run(); added != 0 || len(reread) != 1 || reread[0] != "INBOX" {
		t.Fatalf("after a rewritten INBOX message: added %d, read again %q; want 0 and [INBOX]", added, reread)
	}
	if _, reread := run(); len(reread) != 0 {
		t.Fatalf("rerun after that: read again %q", reread)
	}

	// An attachment stored apart arrives for a Sent message.
	var sentMsgs string
	filepath.WalkDir(filepath.Join(acct, "Sent Messages.mbox"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && d.Name() == "Messages" {
			sentMsgs = p
		}
		return nil
	})
	if sentMsgs == "" {
		t.Fatal("no Messages folder in Sent Messages")
	}
	att := filepath.Join(filepath.Dir(sentMsgs), "Attachments", "45", "2", "quote.pdf")
	if err := os.MkdirAll(filepath.Dir(att), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(att, []byte("%PDF-1.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, reread := run(); len(reread) != 1 || reread[0] != "Sent Messages" {
		t.Fatalf("after an attachment arrived in Sent: read again %q; want [Sent Messages]", reread)
	}
}
