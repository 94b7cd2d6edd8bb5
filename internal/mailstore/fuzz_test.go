package mailstore

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// readStore reads every message of every folder of the store at path (of
// that kind), and checks what a reader may never do: give more bytes
// than the store holds.
func readStore(t *testing.T, kind, path string, limit int64) {
	s, err := Lookup(kind).Probe(path)
	if err != nil || s == nil {
		return
	}
	r, err := Lookup(kind).Open(s)
	if err != nil {
		return
	}
	defer r.Close()
	ctx := context.Background()
	folders, err := r.Folders(ctx)
	if err != nil {
		return
	}
	var total int64
	for _, f := range folders {
		r.Messages(ctx, f, func(m *Message) error {
			rc, err := m.Open()
			if err != nil {
				return nil
			}
			n, _ := io.Copy(io.Discard, rc)
			rc.Close()
			total += n
			if total > limit {
				t.Fatalf("read %d bytes from a store of %d", total, limit)
			}
			return nil
		})
	}
}

// FuzzMboxFile: any file read as an mbox file gives its messages or an
// error, never a panic, and never more bytes than the file holds.
func FuzzMboxFile(f *testing.F) {
	f.Add([]byte("From - Mon Jan  1 00:00:00 2024\nSubject: a\n\n>From x\n\nFrom - Mon Jan  1 00:00:00 2024\n\n"))
	f.Add([]byte("From x Mon Jan  1 00:00:00 2024\nContent-Length: 3\n\nabc\nFrom y Mon Jan  1 00:00:00 2024\n\nz\n"))
	f.Add([]byte("From x Mon Jan  1 00:00:00 2024\nContent-Length: 99999999999\n\nabc\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "mbox")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		readStore(t, "mbox", p, int64(len(data)))
	})
}

// FuzzThunderbirdProfile: any prefs.js and profiles.ini are read without a
// panic, and any Inbox file read as Thunderbird reads it.
func FuzzThunderbirdProfile(f *testing.F) {
	f.Add([]byte("[Profile0]\nIsRelative=1\nPath=p\n"),
		[]byte(`user_pref("mail.server.server1.directory-rel", "[ProfD]Mail/pop.example.net");`+"\n"+
			`user_pref("mail.server.server1.type", "pop3");`+"\n"+`user_pref("mail.account.account1.server", "server1");`+"\n"),
		[]byte("From - Mon Jan  1 00:00:00 2024\nX-Mozilla-Status: 0009\nX-Mozilla-Keys: $label1\n\nhi\n"))
	f.Add([]byte("[Profile0\nPath=../../etc\nIsRelative=0\n"), []byte(`user_pref("a\u0041\", 1`), []byte("From \n"))
	f.Fuzz(func(t *testing.T, ini, prefs, inbox []byte) {
		root := t.TempDir()
		profile := filepath.Join(root, "p")
		dir := filepath.Join(profile, "Mail", "pop.example.net")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(root, "profiles.ini"), ini, 0o644)
		os.WriteFile(filepath.Join(profile, "prefs.js"), prefs, 0o644)
		os.WriteFile(filepath.Join(dir, "Inbox"), inbox, 0o644)
		os.WriteFile(filepath.Join(dir, "Inbox.msf"), nil, 0o644)
		stores, _ := thunderbirdFormat{}.ProbeAll(root)
		for _, s := range stores {
			readStore(t, "thunderbird", s.Path, int64(len(inbox)))
		}
	})
}

// FuzzMaildirName: any file name's info suffix gives flags without a panic.
func FuzzMaildirName(f *testing.F) {
	f.Add("1100000000.M1P1.host:2,FRS")
	f.Add("x!2,T")
	f.Fuzz(func(t *testing.T, name string) {
		for _, fl := range maildirFlags(name) {
			if fl == "" {
				t.Fatal("empty flag")
			}
		}
		h := headerInfo{mozStatus: name, xstatus: name, mozKeys: name, status: name}
		for _, fl := range h.flags() {
			if fl == "" {
				t.Fatal("empty flag")
			}
		}
		headerDate(name)
		parseSeparatorLine([]byte(name))
	})
}

// FuzzMessageFile: any file read as an .eml file and as a message of a
// Maildir (a Thunderbird one, whose flags come from its header) is given
// back whole, never more, and never panics.
func FuzzMessageFile(f *testing.F) {
	f.Add([]byte("X-Mozilla-Status: 0009\r\nX-Mozilla-Keys: $label1\r\nDate: Mon, 2 Jan 2006 15:04:05 -0700\r\n\r\nbody\r\n"))
	f.Add([]byte("Status: RO\nX-Status: AFDT\n\n"))
	f.Add([]byte("X-Mozilla-Status: zzzz\n" + string(make([]byte, 70000))))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		os.MkdirAll(filepath.Join(root, "eml"), 0o755)
		os.WriteFile(filepath.Join(root, "eml", "a.eml"), data, 0o644)
		readStore(t, "eml", filepath.Join(root, "eml"), int64(len(data)))
		md := filepath.Join(root, "Maildir")
		for _, sub := range []string{"cur", "new", "tmp"} {
			os.MkdirAll(filepath.Join(md, sub), 0o755)
		}
		os.WriteFile(filepath.Join(md, "cur", "1.x:2,S"), data, 0o644)
		readStore(t, "maildir", md, int64(len(data)))
		if err := maildirMessages(context.Background(), md, ".", true, func(m *Message) error {
			rc, err := m.Open()
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || string(got) != string(data) {
				t.Fatalf("read %d bytes (%v), the file has %d", len(got), err, len(data))
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}
