package addressbook_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/internal/archive"
)

// newArchive creates an archive in a temporary folder holding msgs, in the
// order given, through the archive's own writer, with account_user set to
// user.
func newArchive(tb testing.TB, user string, msgs []addressbook.Message) *archive.Archive {
	tb.Helper()
	ctx := context.Background()
	a, err := archive.Open(ctx, filepath.Join(tb.TempDir(), "archive"), archive.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close() })
	if user != "" {
		if err := a.SetAccount(ctx, archive.Account{User: user, Host: "imap.example"}); err != nil {
			tb.Fatal(err)
		}
	}
	run, err := a.BeginRun(ctx, "backup")
	if err != nil {
		tb.Fatal(err)
	}
	folders := map[string]*archive.Folder{}
	var b *archive.Batch // messages in a row of one folder share a batch
	commit := func() {
		if b != nil {
			if err := b.Commit(ctx); err != nil {
				tb.Fatal(err)
			}
			b = nil
		}
	}
	for i, m := range msgs {
		if b != nil && (b.Folder().Name != m.Folder || b.Count() == 1000) {
			commit()
		}
		f, ok := folders[m.Folder]
		if !ok {
			if f, err = a.EnsureFolder(ctx, archive.FolderInfo{Name: m.Folder, Delimiter: "/", Role: m.Role, UIDValidity: 1}); err != nil {
				tb.Fatal(err)
			}
			folders[m.Folder] = f
		}
		internal := time.Date(2024, 3, 8, 0, 0, 0, 0, time.UTC)
		if !m.InternalDate.IsZero() {
			internal = m.InternalDate
		}
		date := ""
		if !m.Date.IsZero() {
			date = m.Date.Format(time.RFC3339)
		}
		raw := []byte(fmt.Sprintf("Message-ID: %s\r\n\r\nmessage %d\r\n", m.ID, i))
		e := &archive.Entry{UID: uint32(i + 1), InternalDate: internal, Size: int64(len(raw)), SHA256: sha256.Sum256(raw),
			Body: bytes.NewReader(raw), MessageID: m.ID, Date: date, AddrFields: m.AddrFields}
		if b == nil {
			if b, err = a.BeginBatch(ctx, f, run); err != nil {
				tb.Fatal(err)
			}
		}
		if err := b.Add(ctx, e); err != nil {
			tb.Fatal(err)
		}
	}
	commit()
	return a
}

func TestFromArchive(t *testing.T) {
	// The archive holds the INBOX first: FromArchive still reads the sent
	// folder first, so the alias is known when m10 (sent from it, in INBOX) comes.
	msgs := fixtureMessages(t)
	stored := append(slices.Clone(msgs[3:]), msgs[:3]...)
	a := newArchive(t, login, stored)
	var calls int
	got, err := addressbook.FromArchive(context.Background(), a, addressbook.Options{
		Progress: func(done, total int64) {
			calls++
			if total != int64(len(msgs)) {
				t.Errorf("Progress total = %d, want %d", total, len(msgs))
			}
		},
	})
	if err != nil {
		t.Fatalf("FromArchive() error = %v", err)
	}
	want := extractFixture(t)
	if !slices.Equal(keys(got), keys(want)) {
		t.Fatalf("FromArchive() contacts = %q, want %q", keys(got), keys(want))
	}
	for i, c := range got.Contacts {
		w := want.Contacts[i]
		if c.Name != w.Name || c.SentTo != w.SentTo || c.ReceivedFrom != w.ReceivedFrom || c.Seen != w.Seen ||
			!c.Last.Equal(w.Last) || !slices.Equal(c.Folders, w.Folders) || c.Automated != w.Automated {
			t.Errorf("%s: FromArchive %+v\nExtract %+v", c.Key, c, w)
		}
	}
	if got.Stats != want.Stats {
		t.Errorf("Stats = %+v, want %+v", got.Stats, want.Stats)
	}
	if calls == 0 {
		t.Error("Progress never called")
	}
}

func TestFromArchiveCancel(t *testing.T) {
	a := newArchive(t, login, fixtureMessages(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := addressbook.FromArchive(ctx, a, addressbook.Options{}); err == nil {
		t.Error("FromArchive() error = nil, want the cancellation")
	}
}

func TestExportToArchive(t *testing.T) {
	a := newArchive(t, login, fixtureMessages(t))
	ctx := context.Background()
	if _, ok, err := addressbook.LastExport(ctx, a); ok || err != nil {
		t.Fatalf("LastExport() on an archive never exported = %v, %v, want none", ok, err)
	}
	book, err := addressbook.FromArchive(ctx, a, addressbook.Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 3, 8, 12, 0, 0, 0, time.FixedZone("", 9*3600))
	dir := t.TempDir()
	opts := addressbook.ExportOptions{Now: func() time.Time { return at }}
	var last addressbook.ExportRecord
	for i, f := range []addressbook.Format{addressbook.FormatVCard3, addressbook.FormatGoogleCSV} {
		opts.Now = func() time.Time { return at.Add(time.Duration(i) * time.Hour) }
		rec, err := addressbook.ExportToArchive(ctx, a, filepath.Join(dir, "contacts"+f.Extension()), f, book, opts)
		if err != nil {
			t.Fatalf("ExportToArchive(%s) = %v", f, err)
		}
		data, err := os.ReadFile(rec.Path)
		if sum := sha256.Sum256(data); err != nil || hex.EncodeToString(sum[:]) != rec.SHA256 {
			t.Errorf("%s: the file's hash is not the recorded one (%v)", rec.Path, err)
		}
		last = rec
	}
	got, ok, err := addressbook.LastExport(ctx, a)
	if !ok || err != nil {
		t.Fatalf("LastExport() = %v, %v", ok, err)
	}
	if !got.At.Equal(last.At) || got.Format != last.Format || got.Path != last.Path || got.Contacts != last.Contacts ||
		got.SHA256 != last.SHA256 || got.Contacts == 0 {
		t.Errorf("LastExport() = %+v, want %+v", got, last)
	}

	// A file that cannot be put in place is not recorded.
	blocked := filepath.Join(dir, "blocked.vcf")
	if err := os.Mkdir(blocked, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(blocked, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := addressbook.ExportToArchive(ctx, a, blocked, addressbook.FormatVCard4, book, opts); err == nil {
		t.Fatal("ExportToArchive() over a folder = nil, want an error")
	}
	if again, _, _ := addressbook.LastExport(ctx, a); again.Path != last.Path {
		t.Errorf("a failed export was recorded: LastExport() = %+v", again)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
