package migrate_test

import (
	"context"
	"net"
	"testing"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/mailstore/storetest"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/migrate"
)

// A mail app's Sent, imported with the server, goes into the new account's
// Sent (as its Inbox goes to INBOX), not into a folder named after the
// store; the copy puts it there and the check finds it there.
func TestStoreSentGoesToSent(t *testing.T) {
	old, nw := demo.OldProvider(), demo.NewProvider()
	m, err := demo.NewMemServer(old)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.AddAccount(nw); err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	port := ln.Addr().(*net.TCPAddr).Port
	oldCfg := imapconn.Config{Host: "127.0.0.1", Port: port, Security: imapconn.Plain, User: old.User, Password: secret.New(old.Password)}
	newCfg := imapconn.Config{Host: "127.0.0.1", Port: port, Security: imapconn.Plain, User: nw.User, Password: secret.New(nw.Password)}
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
