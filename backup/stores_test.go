package backup_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/mailstore/storetest"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/testimap"
)

// The window's "Where is your mail?" step: the stores of the account being
// rescued, each counted once, the POP account's marked as only on this
// computer, a store the person points at kept whatever account it names.
func TestFindStoresOfTheAccount(t *testing.T) {
	home := t.TempDir()
	want := tbProfile(t, home, 1)
	_, raws := storetest.Corpus()
	mboxPath := filepath.Join(t.TempDir(), "old-disk.mbox")
	if err := os.WriteFile(mboxPath, storetest.Mbox(raws[:3], storetest.QuoteRD, "x@example.net", storetest.Year(2004, 2006)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	found, err := backup.FindStores(ctx, backup.StoresOptions{Home: home, User: "taro@example.net", Host: "pop.example.net", Paths: []string{mboxPath}})
	if err != nil || len(found) != 2 {
		t.Fatalf("FindStores = %d stores, %v; want the POP account's and the mbox", len(found), err)
	}
	pop := found[0]
	n := int64(len(want["Thunderbird pop.example.net/Inbox"]) + len(want["Thunderbird pop.example.net/Archives/2019"]))
	if pop.Store.Account.Protocol != "pop3" || pop.Messages != n || pop.Folders != 2 || !pop.OnlyHere || pop.Err != nil || pop.Oldest.IsZero() {
		t.Errorf("POP store = %+v (%+v), want %d messages in 2 folders, only here", pop, pop.Store.Account, n)
	}
	if m := found[1]; m.Store.Path != mboxPath || m.Messages != 3 || !m.OnlyHere || m.Oldest.Year() != 2004 {
		t.Errorf("mbox given = %+v", m)
	}
	found, err = backup.FindStores(ctx, backup.StoresOptions{Home: home, User: "hanako@example.org", Host: "imap.example.org"})
	if err != nil || len(found) != 1 || found[0].OnlyHere || found[0].Store.Account.Protocol != "imap" {
		t.Fatalf("IMAP account: %+v, %v; want its store, a copy of the server", found, err)
	}
	_, err = backup.FindStores(ctx, backup.StoresOptions{Home: home, User: "taro@example.net", Paths: []string{t.TempDir()}})
	if err == nil {
		t.Error("an empty folder given as a store: no error")
	}
}

// Outlook's data file is listed, not read.
func TestFindStoresListsOutlook(t *testing.T) {
	home := t.TempDir()
	pst := filepath.Join(home, "Documents", "Outlook Files", "taro@example.net.pst")
	if err := os.MkdirAll(filepath.Dir(pst), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pst, append([]byte("!BDN"), make([]byte, 100)...), 0o600); err != nil {
		t.Fatal(err)
	}
	found, err := backup.FindStores(context.Background(), backup.StoresOptions{Home: home, GOOS: "windows", User: "taro@example.net"})
	if err != nil || len(found) != 1 || found[0].Store.NotRead == "" || found[0].Messages != 0 {
		t.Fatalf("FindStores = %+v, %v; want the .pst, not read", found, err)
	}
}

// One backup copies the server and the account's stores, with one
// progress; the next adds nothing; a cancelled one says so and resumes.
func TestRunImportsTheStoresWithTheServer(t *testing.T) {
	srv := testimap.Start(t, nil)
	home := t.TempDir()
	want := tbProfile(t, home, 1)
	ctx := context.Background()
	found, err := backup.FindStores(ctx, backup.StoresOptions{Home: home, User: "taro@example.net", Host: "pop.example.net"})
	if err != nil || len(found) != 1 {
		t.Fatal(found, err)
	}
	dir := tempArchive(t)
	opts := options(srv, dir)
	opts.Stores = append(opts.Stores, found[0].Store)
	opts.StoreMessages = found[0].Messages

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := backup.Run(cctx, opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	// One progress for the whole backup: the store's import counts on
	// from the server's figures, towards both totals, never backwards.
	events := 0
	var last progress.Event
	var backwards []string
	opts.Progress = func(ev progress.Event) {
		if ev.Step == "import" && ev.Folder == "Thunderbird pop.example.net/Inbox" {
			events++
		}
		if ev.Kind == progress.Status && ev.Step != progress.StepIndex {
			if ev.Done < last.Done || ev.Bytes < last.Bytes || ev.Total < ev.Done {
				backwards = append(backwards, fmt.Sprintf("%s %d/%d after %s %d/%d", ev.Step, ev.Done, ev.Total, last.Step, last.Done, last.Total))
			}
			last = ev
		}
	}
	sum, err := backup.Run(ctx, opts)
	if err != nil || !sum.OK() || len(sum.Stores) != 1 {
		t.Fatalf("Run: %+v, %v", sum, err)
	}
	if len(backwards) > 0 || last.Step != "import" || last.Done != sum.New || last.Total != sum.New || last.Bytes != last.TotalBytes {
		t.Errorf("progress: last %s %d of %d (%d of %d bytes), want import %d of %d, all bytes; went backwards: %q",
			last.Step, last.Done, last.Total, last.Bytes, last.TotalBytes, sum.New, sum.New, backwards)
	}
	n := int64(len(want["Thunderbird pop.example.net/Inbox"]) + len(want["Thunderbird pop.example.net/Archives/2019"]))
	if got := sum.Stores[0].Added; got != n || sum.New-got <= 0 || events == 0 {
		t.Errorf("imported %d of the store's %d messages (%d new in all; %d import events)", got, n, sum.New, events)
	}
	msgs, _ := restored(t, dir)
	for name, w := range want {
		if len(w) > 0 && strings.HasPrefix(name, "Thunderbird pop") && len(msgs[name]) != len(w) {
			t.Errorf("%s: %d restored, want %d", name, len(msgs[name]), len(w))
		}
	}
	sum, err = backup.Run(ctx, opts)
	if err != nil || sum.New != 0 || sum.Stores[0].Added != 0 {
		t.Errorf("second run: %d new from the server, %d from the store, %v", sum.New, sum.Stores[0].Added, err)
	}
}

// An Apple Mail message whose property list is not valid is archived, and
// the import's summary says its flags were lost (never a silent skip).
func TestImportWarnsOfAnInvalidEmlxPlist(t *testing.T) {
	root := t.TempDir()
	msgs := filepath.Join(root, "INBOX.mbox", "Messages")
	if err := os.MkdirAll(msgs, 0o700); err != nil {
		t.Fatal(err)
	}
	good := []byte("Subject: flags lost\r\n\r\nok\r\n")
	emlx := append([]byte(fmt.Sprintf("%d\n", len(good))), append(good, "<?xml junk <plist><dict><key>flags"...)...)
	if err := os.WriteFile(filepath.Join(msgs, "4.emlx"), emlx, 0o600); err != nil {
		t.Fatal(err)
	}
	stores, err := mailstore.ProbePath(root, "apple-mail")
	if err != nil || len(stores) != 1 {
		t.Fatal(stores, err)
	}
	ctx := context.Background()
	a, err := archive.Open(ctx, tempArchive(t), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	sum, err := backup.Import(ctx, a, stores[0], backup.ImportOptions{})
	if err != nil || sum.Added != 1 || len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "INBOX.mbox/Messages/4.emlx") ||
		!strings.Contains(sum.Warnings[0], "flags") {
		t.Fatalf("Import: %d added, warnings %q, %v", sum.Added, sum.Warnings, err)
	}
}
