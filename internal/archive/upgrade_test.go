package archive_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
)

// testdata/release-0.1.0.tar.gz is an archive made by release 0.1.0
// (schema version 3): an account of 4 folders and 8 messages backed up,
// verified, its address book exported, then copied to a new account that
// refused one message. That release created the copy tables outside the
// versioned schema. It was made with the code of that release (backup.Run,
// gate.Verify, addressbook.ExportFile + RecordExport, migrate.Copy against
// in-memory servers), the lock file and tmp/ left out.
const (
	releaseArchive = "testdata/release-0.1.0.tar.gz"
	releaseCopyTo  = "hanako@new-isp.example" // on 127.0.0.1
)

func untar(t testing.TB, name, dir string) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, filepath.FromSlash(h.Name))
		if h.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(path, 0o700); err != nil {
				t.Fatal(err)
			}
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// releaseState is everything the old archive holds that must survive.
type releaseState struct {
	messages []string // folder, uid, flags, dates, sha256, size, and the stored bytes' hash
	mbox     map[string][]byte
	exports  []string
	copies   []string
	failures []string
}

// readRaw reads the old archive straight from SQLite, before any code of
// this release opens it.
func readRaw(t testing.TB, dir string) releaseState {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, archive.DBFile)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows := func(q string) []string {
		rs, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		var out []string
		for rs.Next() {
			var s string
			if err := rs.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	var st releaseState
	st.messages = rows(`SELECT f.name || ' ' || m.uid || ' [' || m.flags || '] ' || m.internal_date || ' ' || m.sha256 || ' ' || m.size || ' ' ||
		(SELECT hex(group_concat(c.data, x'')) FROM (SELECT data FROM message_chunks WHERE message_id = m.id ORDER BY seq) c)
		FROM messages m JOIN folders f ON f.id = m.folder_id ORDER BY f.name, m.uid`)
	st.exports = rows(`SELECT at || ' ' || format || ' ' || path || ' ' || contacts || ' ' || sha256 FROM exports ORDER BY id`)
	st.copies = rows(`SELECT folder_id || ' ' || uid || ' ' || dest_folder || ' ' || dest_uidvalidity || ' ' || dest_uid || ' ' || how || ' ' || at
		FROM copies WHERE dest_host = '127.0.0.1' AND dest_user = '` + releaseCopyTo + `' ORDER BY folder_id, uid`)
	st.failures = rows(`SELECT folder_id || ' ' || uid || ' ' || dest_folder || ' ' || reason || ' ' || at
		FROM copy_failures WHERE dest_host = '127.0.0.1' AND dest_user = '` + releaseCopyTo + `' ORDER BY folder_id, uid`)
	st.mbox = map[string][]byte{}
	files, _ := filepath.Glob(filepath.Join(dir, archive.MboxDir, "*.mbox"))
	for _, f := range files {
		if st.mbox[filepath.Base(f)], err = os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// readTyped reads the same through this release's archive methods.
func readTyped(t testing.TB, a *archive.Archive) releaseState {
	t.Helper()
	ctx := context.Background()
	var st releaseState
	gens, err := a.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gens {
		err := a.EachMessage(ctx, g.ID, func(m *archive.MessageInfo) error {
			data, err := io.ReadAll(a.OpenMessage(ctx, m.ID))
			if err != nil {
				return err
			}
			if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != m.SHA256 {
				t.Errorf("%s uid %d: stored bytes do not hash to the recorded sum", g.Name, m.UID)
			}
			st.messages = append(st.messages, strings.Join([]string{g.Name, itoa(int64(m.UID)), "[" + strings.Join(m.Flags, " ") + "]",
				m.InternalDate, m.SHA256, itoa(m.Size), strings.ToUpper(hex.EncodeToString(data))}, " "))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(st.messages)
	if rec, ok, err := a.LastExport(ctx); err != nil || !ok {
		t.Fatalf("LastExport() = %v, %v", ok, err)
	} else {
		st.exports = []string{strings.Join([]string{rec.At.Format("2006-01-02T15:04:05Z07:00"), rec.Format, rec.Path, itoa(int64(rec.Contacts)), rec.SHA256}, " ")}
	}
	log, err := a.CopyLog(ctx, "127.0.0.1", releaseCopyTo)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := log.Records(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		st.copies = append(st.copies, strings.Join([]string{itoa(r.FolderID), itoa(int64(r.UID)), r.DestFolder,
			itoa(int64(r.DestUIDValidity)), itoa(int64(r.DestUID)), r.How, r.At}, " "))
	}
	fails, err := log.Failures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fails {
		st.failures = append(st.failures, strings.Join([]string{itoa(f.FolderID), itoa(int64(f.UID)), f.DestFolder, f.Reason, f.At}, " "))
	}
	st.mbox = map[string][]byte{}
	for _, g := range gens {
		if st.mbox[filepath.Base(g.MboxPath)], err = os.ReadFile(a.Path(g.MboxPath)); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func sameState(t testing.TB, got, want releaseState) {
	t.Helper()
	for _, c := range []struct {
		what      string
		got, want []string
	}{{"messages", got.messages, want.messages}, {"exports", got.exports, want.exports},
		{"copy records", got.copies, want.copies}, {"copy failures", got.failures, want.failures}} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s after the upgrade:\n%q\nwant\n%q", c.what, c.got, c.want)
		}
	}
	for name, data := range want.mbox {
		if !bytes.Equal(got.mbox[name], data) {
			t.Errorf("mbox file %s changed: %d bytes, was %d", name, len(got.mbox[name]), len(data))
		}
	}
}

// TestUpgradeReleaseArchive: an archive made by release 0.1.0 opens with
// this release, which brings its schema up to date without losing or
// changing a message byte, a flag, an export record or a copy record, and
// the copy log and the removal gate read what it holds.
func TestUpgradeReleaseArchive(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "archive")
	untar(t, releaseArchive, dir)
	want := readRaw(t, dir)
	if len(want.messages) != 8 || len(want.exports) != 1 || len(want.copies) != 7 || len(want.failures) != 1 || len(want.mbox) != 4 {
		t.Fatalf("the release archive holds %d messages, %d exports, %d copy records, %d copy failures, %d mbox files; want 8, 1, 7, 1, 4",
			len(want.messages), len(want.exports), len(want.copies), len(want.failures), len(want.mbox))
	}

	t.Run("read-only, not upgraded", func(t *testing.T) {
		a, err := archive.Open(ctx, dir, archive.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		sameState(t, readTyped(t, a), want)
	})
	t.Run("upgraded", func(t *testing.T) {
		a, err := archive.Open(ctx, dir, archive.Options{})
		if err != nil {
			t.Fatalf("Open() = %v", err)
		}
		var v int
		if err := archive.DB(a).QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil || v != archive.SchemaVersion {
			t.Errorf("schema version %d (%v), want %d", v, err, archive.SchemaVersion)
		}
		sameState(t, readTyped(t, a), want)
		// Release 0.1.0 indexed every message in its batch: none waits
		// for the index, and search finds what it indexed.
		if n, err := a.UnindexedCount(ctx); err != nil || n != 0 {
			t.Errorf("UnindexedCount() after the upgrade = %d, %v; want 0", n, err)
		}
		searched := 0
		for _, st := range mustStats(t, a) {
			msgs, err := a.NewestMessages(ctx, st.Folder.ID, 1)
			if err != nil || len(msgs) == 0 || len(strings.Fields(msgs[0].Subject)) == 0 {
				continue
			}
			q := strings.Fields(msgs[0].Subject)[0]
			if n, err := a.SearchCount(ctx, q); err != nil || n == 0 {
				t.Errorf("SearchCount(%q) after the upgrade = %d, %v; want its message", q, n, err)
			}
			searched++
		}
		if searched == 0 {
			t.Error("no message with a subject to search for")
		}
		// The copy log works on: a message it knows is not pending again.
		log, err := a.CopyLog(ctx, "127.0.0.1", releaseCopyTo)
		if err != nil {
			t.Fatal(err)
		}
		var left int64
		for _, s := range mustStats(t, a) {
			n, _, err := log.CountUnrecorded(ctx, s.Folder.ID)
			if err != nil {
				t.Fatal(err)
			}
			left += n
		}
		if left != 1 {
			t.Errorf("CountUnrecorded() over all folders = %d, want 1 (the refused message)", left)
		}
		a.Close()
	})
	t.Run("the gate reads it", func(t *testing.T) {
		v, err := gate.Check(ctx, gate.GateOptions{ArchiveDir: dir, Offline: true})
		if err != nil {
			t.Fatalf("gate.Check() = %v", err)
		}
		var contacts *gate.Condition
		for i := range v.Conditions {
			if v.Conditions[i].ID == gate.CondContactsExported {
				contacts = &v.Conditions[i]
			}
		}
		if contacts == nil || contacts.Code == "never" || !strings.Contains(want.exports[0], contacts.Data["sha256"]) || contacts.Data["sha256"] == "" {
			t.Errorf("the gate's contacts condition = %+v, want it to read the export %s", contacts, want.exports[0])
		}
	})
}

func mustStats(t testing.TB, a *archive.Archive) []archive.FolderStats {
	t.Helper()
	s, err := a.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}
