package backup_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/mailstore/storetest"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/testimap"
)

// tbProfile writes a Thunderbird profile holding the corpus: a POP
// account (Inbox with every fourth message marked deleted, a subfolder),
// an IMAP account stored as Maildir, and Local Folders. It returns the
// expected messages per archive folder name.
func tbProfile(t testing.TB, home string, copies int) map[string][][]byte {
	t.Helper()
	_, raws := storetest.Corpus()
	var inbox [][]byte
	for c := 0; c < copies; c++ {
		for i, r := range raws {
			st := uint16(0x0001)
			if i%4 == 3 {
				st = 0x0009
			}
			if c > 0 {
				r = append([]byte(fmt.Sprintf("X-Copy: %d\n", c)), r...)
			}
			inbox = append(inbox, storetest.WithMozStatus(r, st, ""))
		}
	}
	accts := []storetest.TBAccount{
		{Protocol: "pop3", Server: "pop.example.net", User: "taro", Address: "taro@example.net",
			Folders: []storetest.TBFolder{{Name: "Inbox", Msgs: inbox}, {Name: "Archives/2019", Msgs: inbox[:7]}}},
		{Protocol: "imap", Server: "imap.example.org", User: "hanako", Address: "hanako@example.org", Maildir: true,
			Folders: []storetest.TBFolder{{Name: "INBOX", Msgs: inbox[:9]}}},
		{Protocol: "none", Server: "Local Folders", Folders: []storetest.TBFolder{{Name: "Trash", Msgs: inbox[3:5]}}},
	}
	storetest.Thunderbird(t, home, runtime.GOOS, accts)
	want := map[string][][]byte{}
	for _, a := range accts {
		label := "Thunderbird " + a.Server
		for _, f := range a.Folders {
			for _, m := range f.Msgs {
				if !a.Maildir {
					m = storetest.Stored(m)
				}
				want[label+"/"+f.Name] = append(want[label+"/"+f.Name], m)
			}
		}
	}
	return want
}

// tbInboxRel is where tbProfile puts the POP account's Inbox, under home.
var tbInboxRel = map[string]string{"linux": ".thunderbird/abcd1234.default-release", "darwin": "Library/Thunderbird/Profiles/abcd1234.default-release",
	"windows": "AppData/Roaming/Thunderbird/Profiles/abcd1234.default-release"}[runtime.GOOS] + "/Mail/pop.example.net/Inbox"

func importAll(t testing.TB, ctx context.Context, dir, home string, opts backup.ImportOptions) []*backup.ImportSummary {
	t.Helper()
	stores, err := mailstore.FindAll(home, runtime.GOOS, "thunderbird")
	if err != nil || len(stores) == 0 {
		t.Fatalf("FindAll: %d stores, %v", len(stores), err)
	}
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var out []*backup.ImportSummary
	for _, s := range stores {
		sum, err := backup.Import(ctx, a, s, opts)
		if err != nil {
			t.Fatalf("Import(%s): %v", s.Path, err)
		}
		out = append(out, sum)
	}
	return out
}

// restored restores the archive (archive.Restore, from SQLite alone) and
// returns each folder's messages in UID order, with their flags.
func restored(t testing.TB, dir string) (map[string][][]byte, map[string][]string) {
	t.Helper()
	ctx := context.Background()
	a := archivetest.Open(t, dir)
	defer a.Close()
	out := filepath.Join(t.TempDir(), "restored")
	if _, err := archive.Restore(ctx, a, out); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(out, "index.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type row struct {
		uid   int
		flags string
		file  string
	}
	rows := map[string][]row{}
	sc := bufio.NewScanner(f)
	sc.Scan()
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		uid, _ := strconv.Atoi(c[2])
		rows[c[0]] = append(rows[c[0]], row{uid, c[3], c[6]})
	}
	msgs, flags := map[string][][]byte{}, map[string][]string{}
	for name, rs := range rows {
		sort.Slice(rs, func(i, j int) bool { return rs[i].uid < rs[j].uid })
		for _, r := range rs {
			data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(r.file)))
			if err != nil {
				t.Fatal(err)
			}
			msgs[name] = append(msgs[name], data)
			flags[name] = append(flags[name], r.flags)
		}
	}
	return msgs, flags
}

func sameImported(t testing.TB, got, want map[string][][]byte) {
	t.Helper()
	for name, w := range want {
		g := got[name]
		if len(g) != len(w) {
			t.Errorf("%s: %d messages archived, the store holds %d", name, len(g), len(w))
			continue
		}
		for i := range w {
			if !bytes.Equal(g[i], w[i]) {
				t.Errorf("%s: message %d differs:\n got %.200q\nwant %.200q", name, i+1, g[i], w[i])
			}
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("archive folder %q holds no store folder", name)
		}
	}
}

// Importing a Thunderbird profile archives every message byte for byte
// (restored from the archive and compared), with its flags (a message
// marked deleted but not compacted keeps \Deleted); the profile is not
// changed in any byte or modification time; a second import adds nothing;
// each source records the account from prefs.js.
func TestImportThunderbird(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	want := tbProfile(t, home, 1)
	before := storetest.Snapshot(t, home)
	dir := tempArchive(t)
	var events int
	sums := importAll(t, ctx, dir, home, backup.ImportOptions{Progress: func(progress.Event) { events++ }})
	var added int64
	for _, s := range sums {
		if !s.Whole() || s.Failed != 0 {
			t.Errorf("%s: not whole: %+v", s.Source.Label, s.Folders)
		}
		added += s.Added
	}
	total := 0
	for _, w := range want {
		total += len(w)
	}
	if added != int64(total) || events == 0 {
		t.Fatalf("added %d of %d (%d events)", added, total, events)
	}
	got, flags := restored(t, dir)
	sameImported(t, got, want)
	inbox := flags["Thunderbird pop.example.net/Inbox"]
	for i, fl := range inbox {
		if strings.Contains(fl, `\Deleted`) != (i%4 == 3) {
			t.Errorf("Inbox message %d: flags %q", i+1, fl)
		}
	}
	storetest.SameSnapshot(t, before, storetest.Snapshot(t, home))

	sums = importAll(t, ctx, dir, home, backup.ImportOptions{})
	for _, s := range sums {
		if s.Added != 0 || !s.Whole() {
			t.Errorf("second import of %s added %d", s.Source.Label, s.Added)
		}
		for _, f := range s.Folders {
			if !f.Unchanged {
				t.Errorf("second import read %s/%s again, unchanged", s.Source.Label, f.Name)
			}
		}
	}
	got, _ = restored(t, dir)
	sameImported(t, got, want)

	// New mail in one folder: that folder is read again, the others not.
	f, err := os.OpenFile(filepath.Join(home, tbInboxRel), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("From - Mon Mar  2 10:00:00 2026\nX-Mozilla-Status: 0001\nSubject: new\n\nnew mail\n\n")
	f.Close()
	sums = importAll(t, ctx, dir, home, backup.ImportOptions{})
	added = 0
	reread := 0
	for _, s := range sums {
		added += s.Added
		for _, f := range s.Folders {
			if !f.Unchanged {
				reread++
			}
		}
	}
	if added != 1 || reread != 1 {
		t.Errorf("after new mail in Inbox: %d added, %d folders read again; want 1 and 1", added, reread)
	}

	a, _ := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	defer a.Close()
	srcs, _ := a.Sources(ctx)
	if len(srcs) != 3 {
		t.Fatalf("%d sources", len(srcs))
	}
	for _, s := range srcs {
		if s.LastImportAt == "" || s.Kind != archive.SourceThunderbird {
			t.Errorf("source %+v", s)
		}
		if s.Label == "Thunderbird pop.example.net" && (s.Account != "taro@example.net" || s.Protocol != "pop3" || s.Server != "pop.example.net") {
			t.Errorf("POP source %+v", s)
		}
	}
}

// TestImportKillChild is the child process of TestKilledImportResumes.
func TestImportKillChild(t *testing.T) {
	testimap.SkipUnlessChild(t)
	ctx := context.Background()
	env := testimap.ChildKillEnv()
	stores, _ := mailstore.FindAll(env.Home, runtime.GOOS, "thunderbird")
	n := 0
	opts := backup.ImportOptions{Ingest: backup.IngestOptions{BatchMessages: 7},
		Progress: func(e progress.Event) {
			if e.Notice != nil {
				n++
				fmt.Printf("event %d\n", n)
			}
		}}
	testimap.RunChild(func() error {
		a, err := archive.Open(ctx, env.Archive, archive.Options{})
		if err != nil {
			return err
		}
		for _, s := range stores {
			if _, err := backup.Import(ctx, a, s, opts); err != nil {
				return err
			}
		}
		return a.Close()
	})
}

// An import killed at any point (SIGKILL) leaves an archive that opens and
// agrees with itself, and the next import completes it: every message once.
func TestKilledImportResumes(t *testing.T) {
	testimap.SkipIfShort(t)
	home := t.TempDir()
	want := tbProfile(t, home, 6)
	dir := tempArchive(t)
	killed, started := 0, 0
	for killed < *kills && started < 4**kills {
		started++
		env := testimap.KillEnv{Home: home, Archive: dir}
		c := testimap.KillChild(t, "TestImportKillChild", env.Environ(), killed%5+1)
		if c.Hung {
			t.Fatalf("run %d hung", started)
		}
		if c.Finished != "" {
			got, _ := restored(t, dir)
			sameImported(t, got, want)
			dir = tempArchive(t)
			continue
		}
		killed++
		checkConsistent(t, dir)
	}
	if killed == 0 {
		t.Fatal("no kill landed")
	}
	importAll(t, context.Background(), dir, home, backup.ImportOptions{})
	got, _ := restored(t, dir)
	sameImported(t, got, want)
}

// A store that changes while it is imported (the app writes to the mbox
// file) stops that folder with ErrChanged: nothing of the open batch is
// kept, no message is recorded as failed, the source is not marked
// imported; the next import takes everything, once.
func TestImportNoticesAChangingStore(t *testing.T) {
	ctx := context.Background()
	_, raws := storetest.Corpus()
	p := filepath.Join(t.TempDir(), "inbox.mbox")
	if err := os.WriteFile(p, storetest.Mbox(raws, storetest.QuoteRD, "-", storetest.Year(2004, 2026)), 0o644); err != nil {
		t.Fatal(err)
	}
	stores, err := mailstore.ProbePath(p, "mbox")
	if err != nil || len(stores) != 1 {
		t.Fatal(stores, err)
	}
	dir := tempArchive(t)
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	appended := false
	sum, err := backup.Import(ctx, a, stores[0], backup.ImportOptions{Progress: func(e progress.Event) {
		if e.Kind == progress.Status && e.Done > 0 && !appended {
			appended = true
			f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("From - Mon Mar  2 10:00:00 2026\nSubject: new\n\nnew mail\n\n")
			f.Close()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Whole() || len(sum.Folders) != 1 || !errors.Is(sum.Folders[0].Err, mailstore.ErrChanged) || sum.Failed != 0 {
		t.Fatalf("import of a changing store: whole %v, folders %+v", sum.Whole(), sum.Folders)
	}
	srcs, _ := a.Sources(ctx)
	if len(srcs) != 1 || srcs[0].LastImportAt != "" {
		t.Fatalf("source marked imported: %+v", srcs)
	}
	fails, _ := a.OpenFailures(ctx)
	if len(fails) != 0 {
		t.Fatalf("failures recorded: %+v", fails)
	}
	sum, err = backup.Import(ctx, a, stores[0], backup.ImportOptions{})
	if err != nil || !sum.Whole() {
		t.Fatalf("second import: %v %+v", err, sum.Folders)
	}
	a.Close()
	got, _ := restored(t, dir)
	want := append(append([][]byte{}, raws...), []byte("Subject: new\n\nnew mail\n"))
	for i := range want {
		want[i] = storetest.Stored(want[i])
	}
	sameImported(t, got, map[string][][]byte{"mbox inbox.mbox/inbox": want})
}
