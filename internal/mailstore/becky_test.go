package mailstore

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/mailark/mailark/internal/archive"
)

func sjis(t testing.TB, s string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bmfBytes writes messages as Becky! does: dot-stuffed, each ended by a
// line ".". A message with no final line end gets one.
func bmfBytes(msgs ...[]byte) []byte {
	var b bytes.Buffer
	for _, m := range msgs {
		for _, line := range bytes.SplitAfter(m, []byte("\n")) {
			if len(line) > 0 && line[0] == '.' {
				b.WriteByte('.')
			}
			b.Write(line)
		}
		if len(m) > 0 && m[len(m)-1] != '\n' {
			b.WriteString("\r\n")
		}
		b.WriteString(".\r\n")
	}
	return b.Bytes()
}

// beckyWant is what reading gives back for a message written by bmfBytes.
func beckyWant(m []byte) []byte {
	if len(m) > 0 && m[len(m)-1] != '\n' {
		return append(slices.Clip(m), "\r\n"...)
	}
	return m
}

const beckyIncluded = "From: hanako@example.jp\r\nSubject: include\r\nMIME-Version: 1.0\r\nX-Becky-Status: 5,0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
	"--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n.dot line\r\n" +
	"--b1\r\nContent-Type: application/pdf; name=\"mitsumori.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
	"%s" +
	"--b1--\r\n"

func TestBecky(t *testing.T) {
	tmp := t.TempDir()
	home := filepath.Join(tmp, "Users", "hanako")
	mb := filepath.Join(tmp, "Becky!", "hanako", "4f3a1c2b.mb")
	writeFile(t, filepath.Join(mb, "Mailbox.ini"), append(append([]byte("[Account]\r\nName="), sjis(t, "旧プロバイダ")...),
		"\r\nMailAddress=hanako@example.jp\r\nUserID=hanako\r\nMailServer=pop.example.ne.jp\r\nProtocol=0\r\nPOP3Port=110\r\nSMTPServer=smtp.example.ne.jp\r\n"...))
	// The mailbox's Folder.lst, in Shift_JIS, orders the folders; 取引先 is a
	// folder name as Windows keeps it (UTF-16, so UTF-8 here).
	writeFile(t, filepath.Join(mb, "Folder.lst"), append(append([]byte("!!!!Inbox\r\n!!!!Outbox\r\n"), sjis(t, "取引先")...), "\r\n!Trash\r\n"...))
	var inbox [][]byte
	var want [][]byte
	for _, fx := range corpus() {
		inbox = append(inbox, fx.Raw)
		want = append(want, beckyWant(fx.Raw))
	}
	// Attachments kept apart: one there, one gone.
	inbox = append(inbox,
		[]byte(strings.Replace(beckyIncluded, "%s", "X-Becky-Include: 0001\\mitsumori.pdf\r\n", 1)),
		[]byte(strings.Replace(beckyIncluded, "%s", "X-Becky-Include: 0002\\gone.pdf\r\n", 1)))
	writeFile(t, filepath.Join(mb, "!!!!Inbox", "#Attach", "0001", "mitsumori.pdf"), []byte("JVBERi0xLjQK"))
	writeFile(t, filepath.Join(mb, "!!!!Inbox", "Folder.bmf"), bmfBytes(inbox...))
	writeFile(t, filepath.Join(mb, "!!!!Outbox", "Folder.bmf"), bmfBytes([]byte("Subject: sent\r\n\r\n.\r\n..\r\n")))
	writeFile(t, filepath.Join(mb, "!!!!Outbox", "Folder.idx"), []byte("index"))
	torihiki := filepath.Join(mb, "取引先")
	writeFile(t, filepath.Join(torihiki, "Folder.bmf"), bmfBytes([]byte("Subject: a\r\n\r\nb\r\n")))
	// A sub-folder whose Folder.ini gives its name in Shift_JIS, and one
	// whose folder name a copy kept as Shift_JIS bytes.
	writeFile(t, filepath.Join(torihiki, "sub1", "Folder.ini"), append([]byte("[Folder]\r\nName="), sjis(t, "見積もり")...))
	writeFile(t, filepath.Join(torihiki, "sub1", "Folder.bmf"), bmfBytes([]byte("Subject: c\r\n\r\nd\r\n")))
	writeFile(t, filepath.Join(torihiki, string(sjis(t, "請求")), "Folder.bmf"), bmfBytes([]byte("Subject: e\r\n\r\nf\r\n")))
	writeFile(t, filepath.Join(mb, "!Trash", "Folder.bmf"), nil)
	before := treeState(t, tmp)

	f := Lookup(archive.SourceBecky)
	stores, err := f.Find(home, "windows")
	if err != nil || len(stores) != 1 {
		t.Fatalf("Find = %v, %v", stores, err)
	}
	s := stores[0]
	wantAcct := Account{Name: "旧プロバイダ", Address: "hanako@example.jp", User: "hanako", Server: "pop.example.ne.jp", Protocol: "pop3"}
	if s.Path != mb || s.Account != wantAcct {
		t.Errorf("store %s %+v, want %+v", s.Path, s.Account, wantAcct)
	}
	r, _ := f.Open(s)
	folders, _ := r.Folders(context.Background())
	var names []string
	for _, fo := range folders {
		names = append(names, fo.Name+"="+fo.Role)
	}
	wantNames := []string{"Inbox=inbox", "Sent=sent", "取引先=", "取引先/見積もり=", "取引先/請求=", "Trash=trash"}
	if !slices.Equal(names, wantNames) {
		t.Errorf("folders = %q, want %q", names, wantNames)
	}

	got := readAll(t, f, s)
	var inboxGot []readMsg
	for _, m := range got {
		if m.err != nil {
			t.Errorf("%s: %v", m.m.Origin, m.err)
		}
		if m.folder == "Inbox" {
			inboxGot = append(inboxGot, m)
		}
	}
	if len(inboxGot) != len(want)+2 {
		t.Fatalf("Inbox: %d messages, want %d", len(inboxGot), len(want)+2)
	}
	for i, w := range want {
		if !bytes.Equal(inboxGot[i].body, w) {
			t.Errorf("message %d:\n got %q\nwant %q", i, inboxGot[i].body, w)
		}
		if inboxGot[i].m.Partial != "" {
			t.Errorf("message %d partial: %s", i, inboxGot[i].m.Partial)
		}
	}
	// Becky! keeps no arrival time: the Date header's is given.
	dated := 0
	for _, m := range inboxGot {
		if bytes.Contains(m.body, []byte("\r\nDate: Mon, 10 Jun 2024 10:15:00 +0900\r\n")) {
			dated++
			if !m.m.Date.Equal(time.Date(2024, 6, 10, 1, 15, 0, 0, time.UTC)) {
				t.Errorf("%s: date %v, want the Date header's", m.m.Origin, m.m.Date)
			}
		}
	}
	if dated == 0 {
		t.Error("no dated message in the corpus?")
	}
	whole := inboxGot[len(want)]
	if wantBody := strings.Replace(beckyIncluded, "%s", "JVBERi0xLjQK\r\n", 1); string(whole.body) != wantBody {
		t.Errorf("included:\n got %q\nwant %q", whole.body, wantBody)
	}
	if !slices.Equal(whole.m.Flags, []string{`\Seen`, `\Answered`}) {
		t.Errorf("flags = %q", whole.m.Flags)
	}
	gone := inboxGot[len(want)+1]
	if !strings.Contains(gone.m.Partial, `0002\gone.pdf`) || !bytes.Contains(gone.body, []byte("X-Becky-Include: 0002\\gone.pdf\r\n")) {
		t.Errorf("missing attachment: Partial %q, body %q", gone.m.Partial, gone.body)
	}
	if sent := byBody(got, []byte("Subject: sent\r\n\r\n.\r\n..\r\n")); sent == nil || sent.folder != "Sent" {
		t.Errorf("dot-stuffed lines not given back")
	}
	checkUnchanged(t, tmp, before)
}

// TestBeckyBroken: a file cut short gives what is there, marked partial;
// an include that climbs out of #Attach is not followed.
func TestBeckyBroken(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "secret"), []byte("SECRET\r\n"))
	box := filepath.Join(dir, "box")
	writeFile(t, filepath.Join(box, "a.bmf"), []byte("Subject: 1\r\n\r\nX-Becky-Include: ..\\..\\secret\r\n.\r\nSubject: 2\r\n\r\ncut"))
	f := Lookup(archive.SourceBecky)
	s, err := f.Probe(box)
	if err != nil || s == nil {
		t.Fatalf("Probe = %v, %v", s, err)
	}
	got := readAll(t, f, s)
	if len(got) != 2 {
		t.Fatalf("%d messages", len(got))
	}
	if bytes.Contains(got[0].body, []byte("SECRET")) || got[0].m.Partial == "" {
		t.Errorf("include out of the store: body %q, Partial %q", got[0].body, got[0].m.Partial)
	}
	if string(got[1].body) != "Subject: 2\r\n\r\ncut" || !strings.Contains(got[1].m.Partial, "cut short") {
		t.Errorf("cut message: %q, Partial %q", got[1].body, got[1].m.Partial)
	}
}

// Becky!'s Mailbox.ini names the incoming server MailServer, and IMAP by
// Protocol=1 (as Thunderbird's Becky! import reads it, nsBeckySettings.cpp).
func TestBeckyAccountIMAP(t *testing.T) {
	mb := filepath.Join(t.TempDir(), "5a6b7c8d.mb")
	writeFile(t, filepath.Join(mb, "Mailbox.ini"), []byte("[Account]\r\nName=work\r\nMailAddress=taro@example.jp\r\n"+
		"UserID=taro\r\nMailServer=imap.example.jp\r\nProtocol=1\r\nIMAP4Port=993\r\nSSLIMAP=1\r\nSMTPServer=smtp.example.jp\r\n"))
	got := beckyAccount(mb)
	want := Account{Name: "work", Address: "taro@example.jp", User: "taro", Server: "imap.example.jp", Protocol: "imap"}
	if got != want {
		t.Errorf("account = %+v, want %+v", got, want)
	}
}
