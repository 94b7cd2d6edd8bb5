package app

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/testimap"
)

// demoServers serves the demo's old and new accounts on one in-memory
// server, as `mailark demo` does, and backs the old one up into a
// temporary archive.
func demoServers(t *testing.T) (old *demo.Account, oldCfg, newCfg imapconn.Config, dir string) {
	t.Helper()
	srv, newCfg := testimap.StartDemo(t)
	old, oldCfg = demo.OldProvider(), srv.Conn()
	dir = t.TempDir()
	if _, err := backup.Run(context.Background(), backup.Options{Conn: oldCfg, ArchiveDir: dir}); err != nil {
		t.Fatalf("backup.Run() = %v", err)
	}
	// Verified, as in the window's flow: migrate refuses an unverified archive.
	if res, err := gate.Verify(context.Background(), gate.VerifyOptions{Conn: oldCfg, ArchiveDir: dir}); err != nil || !res.OK() {
		t.Fatalf("gate.Verify() = %v, %v", err, res.Problems)
	}
	return old, oldCfg, newCfg, dir
}

// serverCount is the number of messages in every folder of an account.
func serverCount(t *testing.T, cfg imapconn.Config) int {
	t.Helper()
	conn, err := net.Dial("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	if err != nil {
		t.Fatal(err)
	}
	c := imapclient.New(conn, nil)
	defer c.Close()
	if err := c.Login(cfg.User, cfg.Password.Reveal()).Wait(); err != nil {
		t.Fatal(err)
	}
	list, err := c.List("", "*", &imap.ListOptions{ReturnStatus: &imap.StatusOptions{NumMessages: true}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range list {
		if l.Status != nil && l.Status.NumMessages != nil {
			n += int(*l.Status.NumMessages)
		}
	}
	return n
}

// The real Migrator on the demo's two accounts: the mapping, a copy
// stopped early and run again (nothing twice), and the announcement drafted
// and saved in Drafts, with the person's own text kept word for word.
func TestRealMigratorOnDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("backs up the whole demo account")
	}
	old, oldCfg, newCfg, dir := demoServers(t)
	m := RealEngine().Migrate
	ctx := context.Background()
	in := MigrateInput{ArchiveDir: dir, Conn: newCfg}

	plan, err := m.Mapping(ctx, in)
	if err != nil {
		t.Fatalf("Mapping() = %v", err)
	}
	if len(plan) != len(old.Folders) {
		t.Errorf("Mapping() has %d folders, want %d", len(plan), len(old.Folders))
	}
	for _, e := range plan {
		f := old.Folder(e.Folder)
		if f == nil || e.Messages != int64(len(f.Messages)) {
			t.Errorf("Mapping() entry %+v does not match the demo account", e)
		}
		if e.Folder == "INBOX" && (e.Dest != "INBOX" || !e.Exists) {
			t.Errorf("INBOX goes to %q (exists %v), want the existing INBOX", e.Dest, e.Exists)
		}
		if e.Folder != "INBOX" && e.Exists {
			t.Errorf("%s → %s marked as existing in an empty account", e.Folder, e.Dest)
		}
	}

	if _, err := m.Mapping(ctx, MigrateInput{ArchiveDir: dir, Conn: oldCfg}); err == nil {
		t.Error("Mapping() into the old account itself = nil, want an error")
	}

	// Stop after the first folder; the rerun goes on.
	stopCtx, stop := context.WithCancel(ctx)
	var once sync.Once
	first, err := m.Copy(stopCtx, in, func(e progress.Event) {
		if e.Kind == progress.Notice && e.Notice.Kind == progress.FolderDone {
			once.Do(stop)
		}
	})
	stop()
	total := int64(old.MessageCount())
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("first Copy() = %v", err)
	}
	if errors.Is(err, context.Canceled) && (first.Copied >= total || first.Left == 0) {
		t.Errorf("stopped run copied %d, left %d of %d", first.Copied, first.Left, total)
	}
	if first.Messages != total {
		t.Errorf("Copy().Messages = %d, want %d", first.Messages, total)
	}
	sum, err := m.Copy(ctx, in, progress.Discard)
	if err != nil || !sum.OK() {
		t.Fatalf("second Copy() = %+v, %v; want everything copied", sum, err)
	}
	if got := first.Copied + sum.Copied + sum.Found; got != total {
		t.Errorf("copied %d + %d (+%d found) over two runs, want %d in all", first.Copied, sum.Copied, sum.Found, total)
	}
	if n := serverCount(t, newCfg); n != int(total) {
		t.Errorf("the new account holds %d messages, want %d", n, total)
	}
	again, err := m.Copy(ctx, in, progress.Discard)
	if err != nil || again.Copied != 0 || again.Already != total {
		t.Errorf("third Copy() copied %d, already %d, err %v; want 0, %d", again.Copied, again.Already, err, total)
	}

	ain := AnnounceInput{ArchiveDir: dir, Conn: newCfg, NewAddress: newCfg.User, Lang: "ja"}
	res, err := m.Compose(ctx, ain)
	if err != nil {
		t.Fatalf("Compose() = %v", err)
	}
	if len(res.Drafts) == 0 || len(res.Recipients) == 0 {
		t.Fatalf("Compose() = %d drafts to %d people", len(res.Drafts), len(res.Recipients))
	}
	d := res.Drafts[0]
	if d.Subject != "メールアドレス変更のお知らせ" || !strings.Contains(d.Body, newCfg.User) || !strings.Contains(d.Body, old.User) {
		t.Errorf("Japanese draft: subject %q, body %q", d.Subject, d.Body)
	}
	for _, r := range res.Recipients {
		if strings.Contains(r.Email, "no-reply") || strings.Contains(r.Email, "noreply") {
			t.Errorf("an automated sender is told: %s", r.Email)
		}
	}

	ain.Text = "Subject: 新しいアドレス {{.Name}}\n" + d.Body + "\n追記：{{ 括弧もそのまま }}\n"
	saved, err := m.SaveDrafts(ctx, ain)
	if err != nil {
		t.Fatalf("SaveDrafts() = %v", err)
	}
	if saved.DraftsFolder == "" || len(saved.Drafts) != len(res.Drafts) {
		t.Fatalf("SaveDrafts() = folder %q, %d drafts", saved.DraftsFolder, len(saved.Drafts))
	}
	for _, sd := range saved.Drafts {
		if !sd.Saved || sd.Subject != "新しいアドレス {{.Name}}" || !strings.Contains(sd.Body, "{{ 括弧もそのまま }}") {
			t.Errorf("saved draft: saved %v, subject %q, body ends %q", sd.Saved, sd.Subject, sd.Body[max(0, len(sd.Body)-60):])
		}
	}
	twice, err := m.SaveDrafts(ctx, ain)
	if err != nil {
		t.Fatalf("second SaveDrafts() = %v", err)
	}
	for _, sd := range twice.Drafts {
		if sd.Saved || !sd.Existed {
			t.Errorf("second save: saved %v, existed %v; want the draft found, not added", sd.Saved, sd.Existed)
		}
	}
	if n := serverCount(t, newCfg); n != int(total)+len(res.Drafts) {
		t.Errorf("the new account holds %d messages, want %d and the drafts", n, total)
	}
}

// The window's "Copy the mail app's mail" button, on the real engine: the
// demo customer's older mail is only in Thunderbird on this computer (POP),
// so the gate is red with the import action; the import copies that store
// and, verified again, the gate's mail-app condition turns green.
func TestImportStoresFromTheGate(t *testing.T) {
	old, oldCfg, _, dir := demoServers(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	if _, err := old.MailAppHome(home); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	in := GateInput{Conn: oldCfg, ArchiveDir: dir}
	storesCond := func() GateCondition {
		t.Helper()
		v, _ := migrateGate{}.Check(ctx, in)
		for _, c := range v.Conditions {
			if c.ID == gate.CondStores {
				return c
			}
		}
		t.Fatalf("no %s condition in %+v", gate.CondStores, v.Conditions)
		return GateCondition{}
	}
	if c := storesCond(); c.OK || c.Action != ActionImport {
		t.Fatalf("with the mail only in Thunderbird: %+v, want red with the import action", c)
	}
	added, err := migrateGate{}.ImportStores(ctx, in, func(progress.Event) {})
	if err != nil || added != 300 {
		t.Fatalf("ImportStores() = %d, %v; want the store's 300 messages", added, err)
	}
	if err := (migrateGate{}).Verify(ctx, in, func(progress.Event) {}); err != nil {
		t.Fatal(err)
	}
	if c := storesCond(); !c.OK {
		t.Errorf("after the import and a verification: %+v, want green", c)
	}
}
