package mailstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/mailstore/storetest"
)

type readMsg struct {
	folder string
	data   []byte
	flags  []string
	err    error
	msg    *mailstore.Message
}

// readAll reads every message of every folder of s.
func readAll(t *testing.T, s *mailstore.Store) ([]mailstore.Folder, []readMsg) {
	t.Helper()
	ctx := context.Background()
	r, err := mailstore.Lookup(s.Kind).Open(s)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	folders, err := r.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []readMsg
	for _, f := range folders {
		err := r.Messages(ctx, f, func(m *mailstore.Message) error {
			rm := readMsg{folder: f.Name, flags: m.Flags, msg: m}
			rc, err := m.Open()
			if err == nil {
				rm.data, rm.err = io.ReadAll(rc)
				rc.Close()
			} else {
				rm.err = err
			}
			out = append(out, rm)
			return nil
		})
		if err != nil {
			t.Fatalf("folder %s: %v", f.Name, err)
		}
	}
	return folders, out
}

func probe(t *testing.T, path, kind string) *mailstore.Store {
	t.Helper()
	stores, err := mailstore.ProbePath(path, kind)
	if err != nil || len(stores) != 1 {
		t.Fatalf("ProbePath(%s, %q) = %d stores, %v", path, kind, len(stores), err)
	}
	return stores[0]
}

// Each mbox variant gives back the corpus: mboxrd and mboxcl2 exactly
// (a message without a final newline gets the one every mbox writer adds),
// mboxo as its rule allows: a body line ">From " comes back as "From ",
// because mboxo wrote it unquoted and a reader cannot tell.
func TestMboxVariants(t *testing.T) {
	names, raws := storetest.Corpus()
	dir := t.TempDir()
	var cl2 [][]byte
	for _, r := range raws {
		r = storetest.Stored(r)
		if bytes.HasPrefix(r, []byte("From ")) {
			// A message that starts with a separator line cannot be
			// told from the next message in an unquoted file.
			r = r[bytes.IndexByte(r, '\n')+1:]
		}
		// mboxcl2: a Content-Length header for the body, nothing quoted.
		i := bytes.Index(r, []byte("\n\n"))
		if j := bytes.Index(r, []byte("\r\n\r\n")); j >= 0 && (i < 0 || j < i) {
			i = j + 2
		}
		if i < 0 {
			cl2 = append(cl2, r)
			continue
		}
		body := r[i+2:]
		cl2 = append(cl2, append([]byte(fmt.Sprintf("Content-Length: %d\n", len(body))), r...))
	}
	files := map[string][]byte{
		"rd.mbox":  storetest.Mbox(raws, storetest.QuoteRD, "MAILER-DAEMON", storetest.Year(2004, 2026)),
		"o.mbox":   storetest.Mbox(raws, storetest.QuoteO, "someone@example.com", storetest.Year(2004, 2026)),
		"cl2.mbox": storetest.Mbox(cl2, nil, "-", storetest.Year(2004, 2026)),
	}
	for n, data := range files {
		if err := os.WriteFile(filepath.Join(dir, n), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := storetest.Snapshot(t, dir)
	for n := range files {
		s := probe(t, filepath.Join(dir, n), "")
		if s.Kind != "mbox" {
			t.Fatalf("%s probed as %s", n, s.Kind)
		}
		_, got := readAll(t, s)
		want := raws
		if n == "cl2.mbox" {
			want = cl2
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d messages, want %d", n, len(got), len(want))
		}
		for i, g := range got {
			w := storetest.Stored(want[i])
			if n == "o.mbox" {
				w = unquoteRD(storetest.QuoteO(storetest.Stored(want[i])))
			}
			if g.err != nil || !bytes.Equal(g.data, w) {
				t.Errorf("%s: message %d (%s): %v\n got %q\nwant %q", n, i, names[i], g.err, short(g.data), short(w))
			}
		}
	}
	storetest.SameSnapshot(t, before, storetest.Snapshot(t, dir))
}

func unquoteRD(b []byte) []byte {
	lines := bytes.SplitAfter(b, []byte("\n"))
	for i, l := range lines {
		j := 0
		for j < len(l) && l[j] == '>' {
			j++
		}
		if j > 0 && bytes.HasPrefix(l[j:], []byte("From ")) {
			lines[i] = l[1:]
		}
	}
	return bytes.Join(lines, nil)
}

func short(b []byte) []byte {
	if len(b) > 300 {
		return b[:300]
	}
	return b
}

func tbAccounts(raws [][]byte) []storetest.TBAccount {
	var inbox [][]byte
	for i, r := range raws {
		var st uint16
		switch i % 4 {
		case 1:
			st = 0x0001 // read
		case 2:
			st = 0x0001 | 0x0004 // read, flagged
		case 3:
			st = 0x0009 // read, deleted (not compacted)
		}
		inbox = append(inbox, storetest.WithMozStatus(r, st, "$label1"))
	}
	return []storetest.TBAccount{
		{Protocol: "pop3", Server: "pop.example.net", User: "taro", Address: "taro@example.net",
			Folders: []storetest.TBFolder{{Name: "Inbox", Msgs: inbox}, {Name: "Archives/2019", Msgs: inbox[:3]}, {Name: "Sent"}}},
		{Protocol: "imap", Server: "imap.example.org", User: "hanako@example.org", Address: "hanako@example.org",
			Folders: []storetest.TBFolder{{Name: "INBOX", Msgs: inbox[:5]}}, Maildir: true},
		{Protocol: "none", Server: "Local Folders", Folders: []storetest.TBFolder{{Name: "Trash", Msgs: inbox[5:7]}}},
	}
}

// A Thunderbird profile is found in each OS's default place, its accounts
// named from prefs.js, its folders (with .sbd subfolders and a Maildir
// account) read byte for byte with their flags; a message marked deleted
// but not compacted comes with \Deleted. Nothing in the profile changes.
func TestThunderbird(t *testing.T) {
	_, raws := storetest.Corpus()
	for _, goos := range []string{"linux", "darwin", "windows"} {
		t.Run(goos, func(t *testing.T) {
			home := t.TempDir()
			accts := tbAccounts(raws)
			storetest.Thunderbird(t, home, goos, accts)
			before := storetest.Snapshot(t, home)
			stores, err := mailstore.FindAll(home, goos, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(stores) != 3 {
				t.Fatalf("found %d stores, want 3", len(stores))
			}
			byServer := map[string]*mailstore.Store{}
			for _, s := range stores {
				byServer[filepath.Base(s.Path)] = s
			}
			pop := byServer["pop.example.net"]
			if pop == nil || pop.Account.Address != "taro@example.net" || pop.Account.Protocol != "pop3" ||
				pop.Account.Server != "pop.example.net" || pop.App != "Thunderbird" {
				t.Fatalf("pop store: %+v", pop)
			}
			if s := byServer["imap.example.org"]; s == nil || s.Account.Protocol != "imap" || s.Account.Address != "hanako@example.org" {
				t.Fatalf("imap store: %+v", s)
			}
			folders, got := readAll(t, pop)
			var names []string
			for _, f := range folders {
				names = append(names, f.Name+":"+f.Role)
			}
			if strings.Join(names, ",") != "Archives/2019:,Inbox:inbox,Sent:sent" {
				t.Fatalf("folders %v", names)
			}
			want := append(append([][]byte{}, accts[0].Folders[1].Msgs...), accts[0].Folders[0].Msgs...)
			if len(got) != len(want) {
				t.Fatalf("%d messages, want %d", len(got), len(want))
			}
			deleted := 0
			for i, g := range got {
				if g.err != nil || !bytes.Equal(g.data, storetest.Stored(want[i])) {
					t.Errorf("message %d: %v\n got %q\nwant %q", i, g.err, short(g.data), short(want[i]))
				}
				fl := strings.Join(g.flags, " ")
				if strings.Contains(fl, `\Deleted`) {
					deleted++
				}
				if !strings.Contains(fl, "$label1") {
					t.Errorf("message %d: flags %q lack the keyword", i, fl)
				}
			}
			if deleted == 0 {
				t.Error("no message came with \\Deleted")
			}
			_, got = readAll(t, byServer["imap.example.org"])
			if len(got) != 5 || !bytes.Equal(got[3].data, accts[1].Folders[0].Msgs[3]) || !strings.Contains(strings.Join(got[3].flags, " "), `\Deleted`) {
				t.Errorf("Maildir account: %d messages", len(got))
			}
			sv, err := mailstore.SurveyStore(context.Background(), pop)
			if err != nil || sv.Messages != int64(len(want)) || sv.Folders != 3 || sv.Oldest.Year() != 2004 || sv.Deleted == 0 {
				t.Errorf("survey %+v %v", sv, err)
			}
			storetest.SameSnapshot(t, before, storetest.Snapshot(t, home))
		})
	}
}

// Maildir flags come from the info suffix; Maildir++ subfolders are folders.
func TestMaildirAndEML(t *testing.T) {
	names, raws := storetest.Corpus()
	dir := t.TempDir()
	md := filepath.Join(dir, "Maildir")
	storetest.Maildir(t, md, raws, func(i int) string { return []string{"", "S", "FRS", "ST"}[i%4] }, ".Sent", ".Archive.2019")
	eml := filepath.Join(dir, "export")
	storetest.EML(t, filepath.Join(eml, "Inbox"), names, raws)
	storetest.EML(t, filepath.Join(eml, "Old", "2010"), names[:2], raws[:2])
	before := storetest.Snapshot(t, dir)

	s := probe(t, md, "")
	if s.Kind != "maildir" {
		t.Fatalf("probed as %s", s.Kind)
	}
	folders, got := readAll(t, s)
	if len(folders) != 3 || folders[1].Name != "Archive/2019" && folders[2].Name != "Archive/2019" {
		t.Fatalf("folders %+v", folders)
	}
	if len(got) != 3*len(raws) {
		t.Fatalf("%d messages", len(got))
	}
	for i, g := range got[:len(raws)] {
		if !bytes.Equal(g.data, raws[i]) {
			t.Errorf("maildir message %d differs", i)
		}
		if wantFl := []string{"", `\Seen`, `\Seen \Answered \Flagged`, `\Seen \Deleted`}[i%4]; strings.Join(g.flags, " ") != wantFl {
			t.Errorf("message %d flags %q, want %q", i, g.flags, wantFl)
		}
	}
	s = probe(t, eml, "")
	if s.Kind != "eml" {
		t.Fatalf("probed as %s", s.Kind)
	}
	folders, got = readAll(t, s)
	if len(folders) != 2 || folders[0].Name != "Inbox" || folders[1].Name != "Old/2010" || len(got) != len(raws)+2 {
		t.Fatalf("eml: folders %+v, %d messages", folders, len(got))
	}
	for i, g := range got[:len(raws)] {
		if !bytes.Equal(g.data, raws[i]) {
			t.Errorf("eml message %d differs", i)
		}
	}
	storetest.SameSnapshot(t, before, storetest.Snapshot(t, dir))
}

// A store file that changes while it is read gives ErrChanged, not half a
// read; a symbolic link out of the store is refused with its own error.
func TestChangedAndSymlink(t *testing.T) {
	_, raws := storetest.Corpus()
	dir := t.TempDir()
	p := filepath.Join(dir, "inbox")
	if err := os.WriteFile(p, storetest.Mbox(raws, storetest.QuoteRD, "-", storetest.Year(2004, 2026)), 0o644); err != nil {
		t.Fatal(err)
	}
	s := probe(t, p, "mbox")
	r, _ := mailstore.Lookup("mbox").Open(s)
	folders, _ := r.Folders(context.Background())
	n := 0
	var readErr error
	err := r.Messages(context.Background(), folders[0], func(m *mailstore.Message) error {
		n++
		if n == 3 {
			f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("From - Mon Jan  1 00:00:00 2024\nSubject: new\n\nnew\n\n")
			f.Close()
		}
		rc, err := m.Open()
		if err != nil {
			return err
		}
		_, readErr = io.ReadAll(rc)
		rc.Close()
		if readErr != nil {
			return readErr
		}
		return nil
	})
	if !errors.Is(err, mailstore.ErrChanged) || !errors.Is(readErr, mailstore.ErrChanged) || n != 3 {
		t.Fatalf("Messages = %v after %d messages (read: %v), want ErrChanged at the 3rd", err, n, readErr)
	}

	outside := filepath.Join(t.TempDir(), "secret.eml")
	os.WriteFile(outside, []byte("Subject: not yours\n\nsecret\n"), 0o644)
	eml := filepath.Join(dir, "eml")
	storetest.EML(t, eml, []string{"a"}, raws[:1])
	if err := os.Symlink(outside, filepath.Join(eml, "zz-link.eml")); err != nil {
		t.Fatal(err)
	}
	_, got := readAll(t, probe(t, eml, "eml"))
	if len(got) != 2 || got[0].err != nil || got[1].err == nil || !strings.Contains(got[1].err.Error(), "symbolic link") {
		t.Fatalf("symlink: %+v", got)
	}
}

// A POP account set to keep its mail in Local Folders ("Global Inbox"):
// the Local Folders store is listed as that account's, by POP.
func TestThunderbirdGlobalInbox(t *testing.T) {
	_, raws := storetest.Corpus()
	home := t.TempDir()
	storetest.Thunderbird(t, home, "linux", []storetest.TBAccount{
		{Protocol: "pop3", Server: "pop.example.net", User: "taro", Address: "taro@example.net", Deferred: true},
		{Protocol: "none", Server: "Local Folders", Folders: []storetest.TBFolder{{Name: "Inbox", Msgs: raws[:4]}}},
	})
	stores, err := mailstore.FindAll(home, "linux", "thunderbird")
	if err != nil || len(stores) != 2 {
		t.Fatalf("%d stores, %v", len(stores), err)
	}
	for _, s := range stores {
		if filepath.Base(s.Path) == "Local Folders" {
			if s.Account.Address != "taro@example.net" || s.Account.Protocol != "pop3" || s.Account.Server != "pop.example.net" {
				t.Errorf("Local Folders account %+v, want the POP account's", s.Account)
			}
			return
		}
	}
	t.Fatal("no Local Folders store")
}

// A Thunderbird folder whose index (.msf) is gone, with a dot in its name,
// is still read; the app's other files are not folders.
func TestThunderbirdFolderWithoutIndex(t *testing.T) {
	_, raws := storetest.Corpus()
	home := t.TempDir()
	profile := storetest.Thunderbird(t, home, "linux", []storetest.TBAccount{
		{Protocol: "pop3", Server: "pop.example.net", User: "taro", Address: "taro@example.net",
			Folders: []storetest.TBFolder{{Name: "Inbox", Msgs: raws[:2]}}}})
	dir := filepath.Join(profile, "Mail", "pop.example.net")
	if err := os.WriteFile(filepath.Join(dir, "Archives.2019"), storetest.Mbox(raws[:3], storetest.QuoteRD, "-", storetest.Year(2019, 2019)), 0o644); err != nil {
		t.Fatal(err)
	}
	folders, got := readAll(t, probe(t, dir, "thunderbird"))
	if len(folders) != 2 || folders[0].Name != "Archives.2019" || len(got) != 5 {
		t.Fatalf("folders %+v, %d messages", folders, len(got))
	}
}

// A broken folder file gives one clear error naming it; the other folders
// are read.
func TestThunderbirdBrokenFolder(t *testing.T) {
	_, raws := storetest.Corpus()
	home := t.TempDir()
	profile := storetest.Thunderbird(t, home, "linux", []storetest.TBAccount{
		{Protocol: "pop3", Server: "pop.example.net", User: "taro", Address: "taro@example.net",
			Folders: []storetest.TBFolder{{Name: "Inbox", Msgs: raws[:2]}, {Name: "Junk", Msgs: raws[:1]}}}})
	dir := filepath.Join(profile, "Mail", "pop.example.net")
	if err := os.WriteFile(filepath.Join(dir, "Junk"), []byte("\x00\x01garbage, not mail"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := probe(t, dir, "thunderbird")
	r, _ := mailstore.Lookup("thunderbird").Open(s)
	folders, _ := r.Folders(context.Background())
	var errs []string
	n := 0
	for _, f := range folders {
		if err := r.Messages(context.Background(), f, func(*mailstore.Message) error { n++; return nil }); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if n != 2 || len(errs) != 1 || !strings.Contains(errs[0], "Junk: not an mbox file") {
		t.Fatalf("%d messages, errors %q", n, errs)
	}
}
