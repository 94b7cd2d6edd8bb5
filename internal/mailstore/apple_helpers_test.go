package mailstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/testmail"
)

// Test helpers shared by the mail-app readers' tests (Apple Mail, Becky!,
// Outlook Express, Windows Live Mail).

// corpus is the project's broken-mail and charset corpus.
func corpus() []testmail.Fixture {
	return append(testmail.Charsets(), testmail.Broken()...)
}

// writeFile writes b at path, making its folders.
func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// treeState is every file's content hash, mode and mtime under a root.
func treeState(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		v := fmt.Sprintf("%v %d", fi.Mode(), fi.ModTime().UnixNano())
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			v += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		out[p] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkUnchanged fails when the tree differs from before.
func checkUnchanged(t testing.TB, root string, before map[string]string) {
	t.Helper()
	after := treeState(t, root)
	for p, v := range before {
		if after[p] != v {
			t.Errorf("%s changed by reading: %q → %q", p, v, after[p])
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s appeared while reading", p)
		}
	}
}

// readMsg is one message as a reader gave it.
type readMsg struct {
	folder string
	m      *Message
	body   []byte
	err    error
}

// readAll reads every message of every folder of the store.
func readAll(t testing.TB, f Format, s *Store) []readMsg {
	t.Helper()
	r, err := f.Open(s)
	if err != nil {
		t.Fatalf("Open(%s): %v", s.Path, err)
	}
	defer r.Close()
	ctx := context.Background()
	folders, err := r.Folders(ctx)
	if err != nil {
		t.Fatalf("Folders: %v", err)
	}
	var out []readMsg
	for _, fo := range folders {
		err := r.Messages(ctx, fo, func(m *Message) error {
			rm := readMsg{folder: fo.Name, m: m}
			rc, err := m.Open()
			if err == nil {
				rm.body, err = io.ReadAll(rc)
				rc.Close()
			}
			rm.err = err
			out = append(out, rm)
			return nil
		})
		if err != nil {
			t.Fatalf("Messages(%s): %v", fo.Name, err)
		}
	}
	return out
}

// byBody finds the message read with exactly these bytes.
func byBody(msgs []readMsg, b []byte) *readMsg {
	for i := range msgs {
		if msgs[i].err == nil && bytes.Equal(msgs[i].body, b) {
			return &msgs[i]
		}
	}
	return nil
}

// TestFolderLinks: a folder of a store that is a symbolic link (its mail
// would be elsewhere on the disk) is listed and refused with a clear
// error, never silently skipped nor followed.
func TestFolderLinks(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "Messages", "9.emlx"), emlxBytes(t, []byte("Subject: out\r\n\r\n"), 0, time.Unix(1, 0)))
	writeFile(t, filepath.Join(outside, "x.eml"), []byte("Subject: out\r\n\r\n"))
	writeFile(t, filepath.Join(outside, "a.bmf"), bmfBytes([]byte("Subject: out\r\n\r\n")))

	apple := t.TempDir()
	writeFile(t, filepath.Join(apple, "INBOX.mbox", "Messages", "1.emlx"), emlxBytes(t, []byte("Subject: in\r\n\r\n"), 0, time.Unix(1, 0)))
	os.Symlink(outside, filepath.Join(apple, "Linked.mbox"))
	os.Symlink(filepath.Join(outside, "Messages"), filepath.Join(apple, "Other.mbox"))
	os.MkdirAll(filepath.Join(apple, "Sent.mbox"), 0o755)
	os.Symlink(filepath.Join(outside, "Messages"), filepath.Join(apple, "Sent.mbox", "Messages"))

	wlm := t.TempDir()
	writeFile(t, filepath.Join(wlm, "a.oeaccount"), []byte("<MessageAccount><POP3_Server>p</POP3_Server></MessageAccount>"))
	writeFile(t, filepath.Join(wlm, "Inbox", "1.eml"), []byte("Subject: in\r\n\r\n"))
	os.Symlink(outside, filepath.Join(wlm, "Linked"))

	becky := t.TempDir()
	writeFile(t, filepath.Join(becky, "Mailbox.ini"), []byte("[Account]\r\n"))
	writeFile(t, filepath.Join(becky, "!!!!Inbox", "a.bmf"), bmfBytes([]byte("Subject: in\r\n\r\n")))
	os.Symlink(outside, filepath.Join(becky, "Linked"))

	for _, tc := range []struct {
		kind, root string
		wantLinks  int
	}{
		{archive.SourceAppleMail, apple, 3},
		{archive.SourceWindowsLiveMail, wlm, 1},
		{archive.SourceBecky, becky, 1},
	} {
		f := Lookup(tc.kind)
		s, err := f.Probe(tc.root)
		if err != nil || s == nil {
			t.Fatalf("%s: Probe = %v, %v", tc.kind, s, err)
		}
		r, _ := f.Open(s)
		folders, _ := r.Folders(context.Background())
		links, read := 0, 0
		for _, fo := range folders {
			err := r.Messages(context.Background(), fo, func(m *Message) error {
				rc, err := m.Open()
				if err != nil {
					if strings.Contains(err.Error(), "symbolic link") {
						links++
						return nil
					}
					t.Errorf("%s %s: %v", tc.kind, m.Origin, err)
					return nil
				}
				b, _ := io.ReadAll(rc)
				rc.Close()
				if strings.Contains(string(b), "out") {
					t.Errorf("%s: read a message from outside the store (%s)", tc.kind, m.Origin)
				}
				read++
				return nil
			})
			if err != nil {
				if !strings.Contains(err.Error(), "symbolic link") {
					t.Errorf("%s %s: %v", tc.kind, fo.Name, err)
				}
				links++
			}
		}
		if links != tc.wantLinks || read != 1 {
			t.Errorf("%s: %d links refused (want %d), %d messages read (want 1)", tc.kind, links, tc.wantLinks, read)
		}
	}
}
