package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/mailstore/storetest"
)

// `mailark stores` lists a copied Mac disk's Thunderbird profile per
// account (address, server, POP or IMAP, counts, dates) and a given mbox
// file; `mailark import` with no path imports the default places, a
// second run adds nothing, and `restore` gives back the messages.
func TestStoresAndImportCommands(t *testing.T) {
	ctx := context.Background()
	_, raws := storetest.Corpus()
	home := t.TempDir()
	var inbox [][]byte
	for i, r := range raws {
		st := uint16(1)
		if i == 5 {
			st = 9
		}
		inbox = append(inbox, storetest.WithMozStatus(r, st, ""))
	}
	storetest.Thunderbird(t, home, "darwin", []storetest.TBAccount{
		{Protocol: "pop3", Server: "pop.example.net", User: "taro", Address: "taro@example.net",
			Folders: []storetest.TBFolder{{Name: "Inbox", Msgs: inbox}, {Name: "Sent", Msgs: inbox[:2]}}},
	})
	mbox := filepath.Join(t.TempDir(), "old mail.mbox")
	if err := os.WriteFile(mbox, storetest.Mbox(raws[:3], storetest.QuoteRD, "-", storetest.Year(2001, 2003)), 0o644); err != nil {
		t.Fatal(err)
	}

	r := newRun(map[string]string{})
	if code := r.main(ctx, "stores", "--home", home, "--os", "darwin"); code != cli.ExitOK {
		t.Fatalf("stores = %d: %s", code, r.stderr)
	}
	out := r.stdout.String()
	for _, want := range []string{"Thunderbird — taro@example.net (pop.example.net, POP)", "2 folder(s), " + itoa(len(raws)+2) + " message(s)",
		"(1 marked deleted in the app", "2004-", "--from thunderbird"} {
		if !strings.Contains(out, want) {
			t.Errorf("stores output lacks %q:\n%s", want, out)
		}
	}
	r = newRun(map[string]string{})
	if code := r.main(ctx, "stores", mbox); code != cli.ExitOK || !strings.Contains(r.stdout.String(), "1 folder(s), 3 message(s)") ||
		!strings.Contains(r.stdout.String(), "2001-") {
		t.Fatalf("stores %s = %d:\n%s%s", mbox, code, r.stdout, r.stderr)
	}

	dir := filepath.Join(t.TempDir(), "archive")
	before := storetest.Snapshot(t, home)
	for pass := 0; pass < 2; pass++ {
		r = newRun(map[string]string{})
		code := r.main(ctx, "import", "--archive", dir, "--from", "thunderbird", "--home", home, "--os", "darwin", "--quiet")
		want := itoa(len(raws)+2) + " new message(s)"
		if pass == 1 {
			want = "0 new message(s)"
		}
		if code != cli.ExitOK || !strings.Contains(r.stdout.String(), want) {
			t.Fatalf("import pass %d = %d, want %q:\n%s%s", pass, code, want, r.stdout, r.stderr)
		}
	}
	r = newRun(map[string]string{})
	if code := r.main(ctx, "import", "--archive", dir, mbox); code != cli.ExitOK || !strings.Contains(r.stdout.String(), "3 new message(s)") {
		t.Fatalf("import %s = %d:\n%s%s", mbox, code, r.stdout, r.stderr)
	}
	storetest.SameSnapshot(t, before, storetest.Snapshot(t, home))

	out2 := filepath.Join(t.TempDir(), "restored")
	r = newRun(map[string]string{})
	if code := r.main(ctx, "restore", "--archive", dir, "--out", out2); code != cli.ExitOK {
		t.Fatalf("restore = %d: %s", code, r.stderr)
	}
	idx, _ := os.ReadFile(filepath.Join(out2, "index.tsv"))
	rows := strings.Split(strings.TrimSpace(string(idx)), "\n")[1:]
	if len(rows) != len(raws)+2+3 {
		t.Fatalf("restored %d messages, want %d", len(rows), len(raws)+5)
	}
	for _, row := range rows {
		c := strings.Split(row, "\t")
		if c[0] != "Thunderbird pop.example.net/Inbox" || c[2] != "1" {
			continue
		}
		got, _ := os.ReadFile(filepath.Join(out2, filepath.FromSlash(c[6])))
		if !bytes.Equal(got, storetest.Stored(inbox[0])) {
			t.Errorf("Inbox message 1 restored as %q", got)
		}
	}

	r = newRun(map[string]string{})
	if code := r.main(ctx, "import", "--archive", dir, "--from", "lotus-notes"); code != cli.ExitUsage || !strings.Contains(r.stderr.String(), "cannot read") {
		t.Errorf("unknown --from = %d: %s", code, r.stderr)
	}
	r = newRun(map[string]string{})
	if code := r.main(ctx, "import", "--archive", dir, t.TempDir()); code != cli.ExitError || !strings.Contains(r.stderr.String(), "no mail store") {
		t.Errorf("empty folder = %d: %s", code, r.stderr)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
