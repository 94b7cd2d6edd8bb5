package migrate_test

import (
	"context"
	"testing"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/mailstore/storetest"
	"github.com/mailark/mailark/internal/testimap"
	"github.com/mailark/mailark/migrate"
)

// A mail app's Sent, imported with the server, goes into the new account's
// Sent (as its Inbox goes to INBOX), not into a folder named after the
// store; the copy puts it there and the check finds it there.
func TestStoreSentGoesToSent(t *testing.T) {
	old, newCfg := testimap.StartDemo(t)
	oldCfg := old.Conn()
	home := t.TempDir()
	_, raws := storetest.Corpus()
	storetest.Thunderbird(t, home, "linux", []storetest.TBAccount{{Protocol: "pop3", Server: "pop.old-isp.example", User: old.User, Address: old.User,
		Folders: []storetest.TBFolder{{Name: "Inbox", Msgs: raws[:3]}, {Name: "Sent", Msgs: raws[3:5]}}}})
	stores, _ := mailstore.FindAll(home, "linux", "")
	dir := t.TempDir()
	if _, err := backup.Run(context.Background(), backup.Options{Conn: oldCfg, ArchiveDir: dir, Stores: stores}); err != nil {
		t.Fatal(err)
	}
	opts := migrate.CopyOptions{ArchiveDir: dir, Conn: newCfg, FromIncompleteBackup: true}
	mp, err := migrate.CopyMapping(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	dest := map[string]string{}
	for _, e := range mp {
		dest[e.Folder] = e.Dest
	}
	if dest["Thunderbird pop.old-isp.example/Sent"] != dest["Sent"] || dest["Thunderbird pop.old-isp.example/Inbox"] != "INBOX" {
		t.Fatalf("the store's Sent goes to %q, the server's to %q (Inbox to %q)", dest["Thunderbird pop.old-isp.example/Sent"],
			dest["Sent"], dest["Thunderbird pop.old-isp.example/Inbox"])
	}
	if sum, err := migrate.Copy(context.Background(), opts); err != nil || !sum.OK() {
		t.Fatalf("Copy: %+v, %v", sum, err)
	}
	chk, err := migrate.CheckDestination(context.Background(), opts)
	if err != nil || !chk.OK() {
		t.Fatalf("CheckDestination: %+v, %v", chk.Missing, err)
	}
	for _, f := range chk.Folders {
		if f.Folder == "Thunderbird pop.old-isp.example/Sent" && (f.Dest != dest["Sent"] || f.Present != 2) {
			t.Errorf("the check looked for the store's Sent in %q and found %d of 2", f.Dest, f.Present)
		}
	}
}
