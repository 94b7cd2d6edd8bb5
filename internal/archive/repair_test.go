package archive_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/archive/archivetest"
)

// inboxOfThree makes an archive holding INBOX with three messages (one
// with a line that mboxrd quotes), closed; it returns the folder and the
// mbox file's bytes as Mailark wrote them.
func inboxOfThree(t *testing.T) (dir string, f *archive.Folder, want []byte) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "arch")
	a, f, _ := filled(t, dir, archive.FolderInfo{Name: "INBOX", UIDValidity: 1}, entry(1, "Subject: one\r\n\r\nfirst\r\n"),
		entry(2, "Subject: two\r\n\r\nFrom here on, quoted\r\n>From too\r\n"),
		entry(3, "Subject: three\r\n\r\nthird\r\n"))
	a.Close()
	want, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.MboxPath)))
	if err != nil {
		t.Fatal(err)
	}
	return dir, f, want
}

// rewriteLikeMutt does to an mbox file what mutt -f does on quit after
// messages were read: every entry gets a "Status: RO" header, and the file
// is written again (mode and all, as mutt does as the owner).
func rewriteLikeMutt(t *testing.T, p string) {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, e := range bytes.SplitAfter(data, []byte("\n\nFrom ")) {
		// Each piece holds one entry; its header ends at the first blank
		// line ("\r\n\r\n" here).
		if i := bytes.Index(e, []byte("\r\n\r\n")); i >= 0 {
			e = slices.Concat(e[:i+2], []byte("Status: RO\r\n"), e[i+2:])
		}
		out = append(out, e...)
	}
	os.Chmod(p, 0o600)
	if err := os.WriteFile(p, out, 0o600); err != nil {
		t.Fatal(err)
	}
	tally.BadInputs.Add(1)
}

// TestChangedMboxNeverCut: after a mail program rewrote an mbox file, the
// next backup neither cuts it back to its recorded length (which left it
// broken) nor appends to it; it names the folder and points to repair.
func TestChangedMboxNeverCut(t *testing.T) {
	dir, f, _ := inboxOfThree(t)
	p := filepath.Join(dir, filepath.FromSlash(f.MboxPath))
	rewriteLikeMutt(t, p)
	rewritten, _ := os.ReadFile(p)

	err := tryBackup(dir, f)
	if !errors.Is(err, archive.ErrMboxChanged) {
		t.Errorf("backup after a rewrite = %v, want ErrMboxChanged", err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, rewritten) {
		t.Errorf("the rewritten file was changed by the backup (%d bytes, was %d)", len(got), len(rewritten))
	}
}

// TestMboxReadOnlyBetweenRuns: mbox files are 0400 once Mailark is done
// with them, and writable again when it appends.
func TestMboxReadOnlyBetweenRuns(t *testing.T) {
	dir, f, _ := inboxOfThree(t)
	p := filepath.Join(dir, filepath.FromSlash(f.MboxPath))
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o400 {
		t.Errorf("mbox file mode %v after a run, want 0400", st.Mode().Perm())
	}
	if err := tryBackup(dir, f); err != nil {
		t.Fatalf("backup onto a 0400 mbox file = %v", err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o400 {
		t.Errorf("mbox file mode %v after the next run, want 0400", st.Mode().Perm())
	}
}

func repair(t *testing.T, dir string) archive.RepairReport {
	t.Helper()
	a, err := archive.OpenForCheck(context.Background(), dir, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rep, err := archive.Repair(context.Background(), a)
	if err != nil {
		t.Fatalf("Repair() = %v", err)
	}
	return rep
}

// TestRepair: each copy mends the other; what neither holds is named.
func TestRepair(t *testing.T) {
	t.Run("mbox rewritten by a mail program", func(t *testing.T) {
		dir, f, want := inboxOfThree(t)
		p := filepath.Join(dir, filepath.FromSlash(f.MboxPath))
		rewriteLikeMutt(t, p)
		rewritten, _ := os.ReadFile(p)
		rep := repair(t, dir)
		if len(rep.Folders) != 1 || !rep.Folders[0].Rebuilt || rep.Unrepaired() != 0 {
			t.Fatalf("Repair() = %+v, want INBOX rebuilt", rep)
		}
		if got, _ := os.ReadFile(p); !bytes.Equal(got, want) {
			t.Errorf("rebuilt file differs from what Mailark wrote:\n%q\nwant\n%q", got, want)
		}
		if kept, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rep.Folders[0].KeptAs))); !bytes.Equal(kept, rewritten) {
			t.Errorf("the damaged file was not kept as %s", rep.Folders[0].KeptAs)
		}
		if again := repair(t, dir); len(again.Folders) != 0 {
			t.Errorf("second Repair() = %+v, want nothing to do", again)
		}
		if err := tryBackup(dir, f); err != nil {
			t.Errorf("backup after repair = %v", err)
		}
	})
	t.Run("mbox byte flipped, cut, missing", func(t *testing.T) {
		for _, damage := range []func(p string){
			func(p string) { editAt(t, p, 60) }, // in uid 1's Subject
			func(p string) { os.Truncate(p, 40) },
			func(p string) { os.Remove(p) },
		} {
			dir, f, want := inboxOfThree(t)
			p := filepath.Join(dir, filepath.FromSlash(f.MboxPath))
			damage(p)
			if rep := repair(t, dir); rep.Unrepaired() != 0 || len(rep.Folders) != 1 || !rep.Folders[0].Rebuilt {
				t.Errorf("Repair() = %+v, want the file rebuilt", rep)
			}
			// A lost separator line's sender cannot be known again; the
			// messages are what must be the same.
			if got, want := readMbox(t, p), readMboxBytes(t, want); !slices.EqualFunc(got, want, bytes.Equal) {
				t.Errorf("rebuilt file holds %q, want %q", got, want)
			}
			if again := repair(t, dir); len(again.Folders) != 0 {
				t.Errorf("second Repair() = %+v, want nothing to do", again)
			}
		}
	})
	t.Run("SQLite bytes altered or gone", func(t *testing.T) {
		dir, _, want := inboxOfThree(t)
		db := archivetest.Tamper(t, dir)
		archivetest.Exec(t, db, `UPDATE message_chunks SET data = CAST('forged' AS BLOB) WHERE message_id = (SELECT id FROM messages WHERE uid = 2)`)
		archivetest.Exec(t, db, `DELETE FROM message_chunks WHERE message_id = (SELECT id FROM messages WHERE uid = 3)`)
		db.Close()
		rep := repair(t, dir)
		if len(rep.Folders) != 1 || !slices.Equal(rep.Folders[0].StoredRestored, []uint32{2, 3}) || rep.Folders[0].Rebuilt {
			t.Fatalf("Repair() = %+v, want uids 2 and 3 restored into SQLite, the file left", rep)
		}
		a := openArchive(t, dir)
		out := filepath.Join(t.TempDir(), "out")
		if n, err := archive.Restore(context.Background(), a, out); err != nil || n != 3 {
			t.Errorf("Restore() after repair = %d, %v", n, err)
		}
		a.Close()
		if got, _ := os.ReadFile(filepath.Join(dir, "mbox", "INBOX.mbox")); !bytes.Equal(got, want) {
			t.Errorf("the intact mbox file was changed")
		}
	})
	t.Run("neither copy intact", func(t *testing.T) {
		dir, f, _ := inboxOfThree(t)
		p := filepath.Join(dir, filepath.FromSlash(f.MboxPath))
		db := archivetest.Tamper(t, dir)
		archivetest.Exec(t, db, `UPDATE message_chunks SET data = CAST('forged' AS BLOB) WHERE message_id = (SELECT id FROM messages WHERE uid = 1)`)
		db.Close()
		editAt(t, p, 60) // in uid 1's Subject
		before, _ := os.ReadFile(p)
		rep := repair(t, dir)
		if rep.Unrepaired() != 1 || !slices.Equal(rep.Folders[0].Unrepairable, []uint32{1}) || rep.Folders[0].Rebuilt {
			t.Fatalf("Repair() = %+v, want uid 1 named unrepairable and the file left", rep)
		}
		if got, _ := os.ReadFile(p); !bytes.Equal(got, before) {
			t.Errorf("the file was changed though uid 1 could not be repaired")
		}
	})
}

// editAt flips one byte of a file.
func editAt(t *testing.T, p string, at int) {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	data[at] ^= 0x01
	tally.BadInputs.Add(1)
	os.Chmod(p, 0o600)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func readMboxBytes(t *testing.T, data []byte) [][]byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "want.mbox")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return readMbox(t, p)
}
