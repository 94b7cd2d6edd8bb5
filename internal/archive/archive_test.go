package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mbox"
)

func openArchive(t testing.TB, dir string) *archive.Archive {
	t.Helper()
	a, err := archive.Open(context.Background(), dir, archive.Options{})
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func entry(uid uint32, body string) *archive.Entry {
	b := []byte(body)
	return &archive.Entry{UID: uid, Flags: []string{`\Seen`}, InternalDate: time.Date(2024, 3, 5, 9, 4, 11, 0, time.FixedZone("JST", 9*3600)),
		Size: int64(len(b)), SHA256: sha256.Sum256(b), Body: bytes.NewReader(b), Sender: "taro@example.jp",
		Subject: fmt.Sprintf("会議の件 %d", uid), Text: archive.IndexText{Subject: fmt.Sprintf("会議の件 %d", uid), Body: body}}
}

func addBatch(t testing.TB, a *archive.Archive, f *archive.Folder, run int64, entries ...*archive.Entry) {
	t.Helper()
	ctx := context.Background()
	b, err := a.BeginBatch(ctx, f, run)
	if err != nil {
		t.Fatalf("BeginBatch() = %v", err)
	}
	for _, e := range entries {
		if err := b.Add(ctx, e); err != nil {
			t.Fatalf("Add() = %v", err)
		}
	}
	if err := b.Commit(ctx); err != nil {
		t.Fatalf("Commit() = %v", err)
	}
}

// filled opens a new archive in dir and commits entries, in one backup run,
// into the folder info describes.
func filled(t testing.TB, dir string, info archive.FolderInfo, entries ...*archive.Entry) (*archive.Archive, *archive.Folder, int64) {
	t.Helper()
	ctx := context.Background()
	a := openArchive(t, dir)
	f, err := a.EnsureFolder(ctx, info)
	if err != nil {
		t.Fatalf("EnsureFolder() = %v", err)
	}
	run, err := a.BeginRun(ctx, "backup")
	if err != nil {
		t.Fatalf("BeginRun() = %v", err)
	}
	addBatch(t, a, f, run, entries...)
	return a, f, run
}

// readMbox returns the messages of an mbox file.
func readMbox(t testing.TB, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := mbox.NewReader(f)
	var out [][]byte
	for {
		e, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("mbox Next() = %v", err)
		}
		b, err := io.ReadAll(e.Body)
		if err != nil {
			t.Fatalf("mbox read = %v", err)
		}
		out = append(out, b)
	}
}

// TestBatchCommitAndReadBack stores messages given as a reader and as
// bytes in memory (which the batch and the mbox writer read in place) and
// reads each back from both archives.
func TestBatchCommitAndReadBack(t *testing.T) {
	for _, inMemory := range []bool{false, true} {
		t.Run(fmt.Sprintf("inMemory=%v", inMemory), func(t *testing.T) { testBatchCommitAndReadBack(t, inMemory) })
	}
}

func testBatchCommitAndReadBack(t *testing.T, inMemory bool) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "arch")
	a := openArchive(t, dir)
	f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "Archive/2019", Delimiter: "/", UIDValidity: 7})
	if err != nil {
		t.Fatal(err)
	}
	run, _ := a.BeginRun(ctx, "backup")
	big := bytes.Repeat([]byte("From the start of a line\r\n"), (3*archive.ChunkSize)/26)
	msgs := []string{"Subject: a\r\n\r\nFrom here\r\n", "", "no final newline", string(big)}
	var es []*archive.Entry
	for i, m := range msgs {
		e := entry(uint32(i+1), m)
		if inMemory {
			e.Body = mbox.Memory(m)
		}
		es = append(es, e)
	}
	addBatch(t, a, f, run, es...)

	for i, m := range msgs {
		var id int64
		if err := archive.DB(a).QueryRow(`SELECT id FROM messages WHERE folder_id = ? AND uid = ?`, f.ID, i+1).Scan(&id); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(a.OpenMessage(ctx, id))
		if err != nil || !bytes.Equal(got, []byte(m)) {
			t.Errorf("message %d from SQLite: %d bytes, err %v; want %d bytes", i+1, len(got), err, len(m))
		}
	}
	fromMbox := readMbox(t, a.Path(f.MboxPath))
	if len(fromMbox) != len(msgs) {
		t.Fatalf("mbox holds %d messages, want %d", len(fromMbox), len(msgs))
	}
	for i, m := range msgs {
		if !bytes.Equal(fromMbox[i], []byte(m)) {
			t.Errorf("message %d from mbox differs (%d bytes, want %d)", i+1, len(fromMbox[i]), len(m))
		}
	}
	if st, _ := os.Stat(a.Path(f.MboxPath)); st.Size() != f.MboxSize {
		t.Errorf("mbox is %d bytes, folder records %d", st.Size(), f.MboxSize)
	}
	hits, err := a.Search(ctx, "会議", 10)
	if err != nil || len(hits) != len(msgs) {
		t.Errorf("Search(会議) = %d hits, %v; want %d", len(hits), err, len(msgs))
	}
}

// TestNewArchiveSettings: a new database has 64 KiB pages and a
// write-ahead log, and keeps them when opened again.
func TestNewArchiveSettings(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "arch")
	for range 2 {
		a, err := archive.Open(context.Background(), dir, archive.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var pageSize int
		var mode string
		if err := archive.DB(a).QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
			t.Fatal(err)
		}
		if err := archive.DB(a).QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if pageSize != 64<<10 || mode != "wal" {
			t.Errorf("page_size %d, journal_mode %s; want 65536, wal", pageSize, mode)
		}
		a.Close()
	}
}

func TestPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "arch")
	a, _, _ := filled(t, dir, archive.FolderInfo{Name: "INBOX", UIDValidity: 1}, entry(1, "x\r\n"))
	a.Close()
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		switch {
		case info.IsDir():
			want = 0o700
		case strings.HasSuffix(p, ".mbox"):
			want = 0o400 // writable only while Mailark appends
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", p, info.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAbortAndCrashRecovery(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "arch")
	a, f, run := filled(t, dir, archive.FolderInfo{Name: "INBOX", UIDValidity: 1}, entry(1, "one\r\n"), entry(2, "two\r\n"))
	committed := f.MboxSize

	// Abort: the file is cut back, no rows remain.
	b, _ := a.BeginBatch(ctx, f, run)
	if err := b.Add(ctx, entry(3, "three\r\n")); err != nil {
		t.Fatal(err)
	}
	b.Abort()
	if st, _ := os.Stat(a.Path(f.MboxPath)); st.Size() != committed {
		t.Errorf("after Abort the mbox is %d bytes, want %d", st.Size(), committed)
	}

	// A crash: bytes written past the committed end (as a killed process
	// leaves them) are cut off by the next Open.
	path := a.Path(f.MboxPath)
	a.Close()
	fh, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	fh.WriteString("From torn Thu Jan  1 00:00:00 1970\nhalf a mess")
	fh.Close()
	a = openArchive(t, dir)
	if st, _ := os.Stat(path); st.Size() != committed {
		t.Errorf("after recovery the mbox is %d bytes, want %d", st.Size(), committed)
	}
	if got := readMbox(t, path); len(got) != 2 {
		t.Errorf("mbox holds %d messages after recovery, want 2", len(got))
	}
	uids, _ := a.ArchivedUIDs(ctx, f.ID)
	if len(uids) != 2 {
		t.Errorf("ArchivedUIDs() = %v, want [1 2]", uids)
	}

	// A file shorter than committed is not ours to fix: the folder is
	// neither cut nor written until repaired.
	a.Close()
	os.Truncate(path, committed-3)
	a = openArchive(t, dir)
	if _, err := a.BeginBatch(ctx, f, run); !errors.Is(err, archive.ErrMboxChanged) {
		t.Errorf("BeginBatch() on a cut mbox file = %v, want ErrMboxChanged", err)
	}
	if st, _ := os.Stat(path); st.Size() != committed-3 {
		t.Errorf("the cut mbox file is %d bytes, want it left at %d", st.Size(), committed-3)
	}
}

func TestSecondWriterRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "arch")
	openArchive(t, dir)
	_, err := archive.Open(context.Background(), dir, archive.Options{})
	if mailerr.KindOf(err) != mailerr.ArchiveLocked {
		t.Errorf("second Open() = %v, want ArchiveLocked", err)
	}
	ro, err := archive.Open(context.Background(), dir, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only Open() beside a writer = %v", err)
	}
	ro.Close()
}

func TestUIDValidityChangeKeepsOldGeneration(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "arch")
	a, f1, run := filled(t, dir, archive.FolderInfo{Name: "INBOX", UIDValidity: 100}, entry(1, "old one\r\n"))

	f2, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 200})
	if err != nil {
		t.Fatal(err)
	}
	if f2.ID == f1.ID || f2.MboxPath != "mbox/INBOX.mbox" || f2.MboxSize != 0 {
		t.Fatalf("new generation = %+v", f2)
	}
	addBatch(t, a, f2, run, entry(1, "new one\r\n"))
	folders, _ := a.Folders(ctx)
	if len(folders) != 2 {
		t.Fatalf("Folders() = %d, want 2", len(folders))
	}
	var old *archive.Folder
	for _, f := range folders {
		if !f.Current {
			old = f
		}
	}
	if old == nil || old.MboxPath != "mbox/INBOX.uidvalidity-100.mbox" {
		t.Fatalf("old generation = %+v", old)
	}
	if got := readMbox(t, a.Path(old.MboxPath)); len(got) != 1 || string(got[0]) != "old one\r\n" {
		t.Errorf("old generation's mbox = %q", got)
	}
	if got := readMbox(t, a.Path(f2.MboxPath)); len(got) != 1 || string(got[0]) != "new one\r\n" {
		t.Errorf("new generation's mbox = %q", got)
	}
}

func TestCaseCollision(t *testing.T) {
	ctx := context.Background()
	a := openArchive(t, filepath.Join(t.TempDir(), "arch"))
	f1, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "Clients", UIDValidity: 1})
	f2, _ := a.EnsureFolder(ctx, archive.FolderInfo{Name: "clients", UIDValidity: 1})
	if f1.MboxPath != "mbox/Clients.mbox" || f2.MboxPath != "mbox/clients (2).mbox" {
		t.Errorf("paths = %q, %q", f1.MboxPath, f2.MboxPath)
	}
}

func TestRestoreFromSQLiteAlone(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "arch")
	a, _, _ := filled(t, dir, archive.FolderInfo{Name: "取引先", UIDValidity: 5}, entry(10, "ten\r\n"), entry(11, "eleven"))
	a.Close()
	// The mbox files are gone: SQLite alone restores.
	os.RemoveAll(filepath.Join(dir, "mbox"))
	ro, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	out := filepath.Join(t.TempDir(), "restored")
	n, err := archive.Restore(ctx, ro, out)
	if err != nil || n != 2 {
		t.Fatalf("Restore() = %d, %v", n, err)
	}
	got, _ := os.ReadFile(filepath.Join(out, "取引先", "11.eml"))
	if string(got) != "eleven" {
		t.Errorf("restored uid 11 = %q", got)
	}
	if _, err := archive.Restore(ctx, ro, out); err == nil {
		t.Errorf("Restore() into a non-empty folder = nil error")
	}
}
