package archive_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/archive"
)

func TestRehashMessages(t *testing.T) {
	ctx := context.Background()
	bodies := map[uint32]string{
		1: "Subject: one\r\nFrom: a@example.jp\r\n\r\nbody one\r\nFrom here\r\n",
		2: "Subject: two\n\nbody two\n",
		3: "Subject: header only, no empty line\r\n",
		4: "\r\nno header at all\r\n",
	}
	wantHeader := map[uint32]string{
		1: "Subject: one\r\nFrom: a@example.jp\r\n\r\n",
		2: "Subject: two\n\n",
		3: bodies[3],
		4: "\r\n",
	}
	setup := func(t *testing.T) (*archive.Archive, *archive.Folder) {
		a := openArchive(t, filepath.Join(t.TempDir(), "a"))
		f, err := a.EnsureFolder(ctx, archive.FolderInfo{Name: "INBOX", UIDValidity: 7})
		if err != nil {
			t.Fatal(err)
		}
		run, _ := a.BeginRun(ctx, "backup")
		addBatch(t, a, f, run, entry(1, bodies[1]), entry(2, bodies[2]), entry(3, bodies[3]), entry(4, bodies[4]))
		f, _ = a.Folder(ctx, "INBOX")
		return a, f
	}
	collect := func(t *testing.T, a *archive.Archive, f *archive.Folder) map[uint32]archive.StoredCopy {
		t.Helper()
		got := map[uint32]archive.StoredCopy{}
		err := a.RehashMessages(ctx, f, func(uint32) bool { return true }, func(m *archive.MessageInfo, c archive.StoredCopy) error {
			got[m.UID] = c
			return nil
		})
		if err != nil {
			t.Fatalf("RehashMessages() = %v", err)
		}
		return got
	}

	t.Run("intact", func(t *testing.T) {
		a, f := setup(t)
		got := collect(t, a, f)
		for uid, body := range bodies {
			c := got[uid]
			sum := sha256.Sum256([]byte(body))
			if c.SQLite != sum || c.Mbox != sum || c.MboxProblem != "" || c.SQLiteSize != int64(len(body)) || c.MboxSize != int64(len(body)) {
				t.Errorf("uid %d: %+v, want both copies hashing to %x", uid, c, sum)
			}
			if c.Header != sha256.Sum256([]byte(wantHeader[uid])) {
				t.Errorf("uid %d: header hash is not that of %q", uid, wantHeader[uid])
			}
		}
	})
	t.Run("only the wanted", func(t *testing.T) {
		a, f := setup(t)
		var seen []uint32
		a.RehashMessages(ctx, f, func(uid uint32) bool { return uid == 2 }, func(m *archive.MessageInfo, _ archive.StoredCopy) error {
			seen = append(seen, m.UID)
			return nil
		})
		if len(seen) != 1 || seen[0] != 2 {
			t.Errorf("rehashed %v, want [2]", seen)
		}
	})
	t.Run("mbox edited in place", func(t *testing.T) {
		a, f := setup(t)
		p := a.Path(f.MboxPath)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(p)
		b = []byte(strings.Replace(string(b), "body one", "body 0ne", 1))
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, st.ModTime(), st.ModTime())
		c := collect(t, a, f)[1]
		if c.Mbox == c.SQLite {
			t.Errorf("mbox copy edited in place still hashes to %s", hex.EncodeToString(c.Mbox[:]))
		}
	})
	t.Run("mbox file gone", func(t *testing.T) {
		a, f := setup(t)
		os.Remove(a.Path(f.MboxPath))
		if c := collect(t, a, f)[2]; c.MboxProblem == "" {
			t.Errorf("no problem reported for a missing mbox file: %+v", c)
		}
	})
}
