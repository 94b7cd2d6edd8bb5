package mailstore

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/unicode"

	"github.com/mailark/mailark/internal/archive"
)

func oeaccount(t testing.TB, fields string) []byte {
	t.Helper()
	x := "<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<MessageAccount>\r\n" + fields + "</MessageAccount>\r\n"
	b, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(x))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWindowsLiveMail(t *testing.T) {
	home := t.TempDir()
	wlm := filepath.Join(home, "AppData", "Local", "Microsoft", "Windows Live Mail")
	acct := filepath.Join(wlm, "pop.example.ne.jp")
	writeFile(t, filepath.Join(acct, "account{6A1B2C3D-0000-4000-8000-123456789ABC}.oeaccount"), oeaccount(t,
		`<Account_Name type="SZ">旧プロバイダ</Account_Name>`+"\r\n"+
			`<POP3_Server type="SZ">pop.example.ne.jp</POP3_Server>`+"\r\n"+
			`<POP3_User_Name type="SZ">hanako</POP3_User_Name>`+"\r\n"+
			`<SMTP_Email_Address type="SZ">hanako@example.ne.jp</SMTP_Email_Address>`+"\r\n"))
	want := map[string][]byte{}
	for i, fx := range corpus() {
		p := filepath.Join(acct, "受信トレイ", fmt.Sprintf("%08X.eml", i))
		writeFile(t, p, fx.Raw)
		want[relPath(acct, p)] = fx.Raw
	}
	writeFile(t, filepath.Join(acct, "受信トレイ", "取引先", "x.eml"), []byte("Subject: sub\r\n\r\n"))
	want["受信トレイ/取引先/x.eml"] = []byte("Subject: sub\r\n\r\n")
	writeFile(t, filepath.Join(wlm, "Storage Folders", "Inbox", "y.eml"), []byte("Subject: local\r\n\r\n"))
	writeFile(t, filepath.Join(wlm, "Backup", "new", "Mail.MSMessageStore"), []byte("db"))
	// Windows Mail (Vista): a POP3 account's .oeaccount is always in Local
	// Folders (Microsoft's "New Handling for Account Data"); an IMAP
	// account has a folder of its own.
	wm := filepath.Join(home, "AppData", "Local", "Microsoft", "Windows Mail")
	writeFile(t, filepath.Join(wm, "Local Folders", "Inbox", "z.eml"), []byte("Subject: vista\r\n\r\n"))
	writeFile(t, filepath.Join(wm, "Local Folders", "account{11111111-2222-3333-4444-555555555555}.oeaccount"), oeaccount(t,
		`<Account_Name type="SZ">pop.example.com</Account_Name><POP3_Server type="SZ">pop.example.com</POP3_Server>`+
			`<POP3_User_Name type="SZ">taro</POP3_User_Name><SMTP_Email_Address type="SZ">taro@example.com</SMTP_Email_Address>`))
	before := treeState(t, home)

	f := Lookup(archive.SourceWindowsLiveMail)
	stores, err := f.Find(home, "windows")
	if err != nil || len(stores) != 3 {
		t.Fatalf("Find = %v, %v", stores, err)
	}
	byPath := map[string]*Store{}
	for _, s := range stores {
		byPath[s.Path] = s
	}
	s := byPath[acct]
	if s == nil || s.Account != (Account{Name: "旧プロバイダ", Address: "hanako@example.ne.jp", User: "hanako", Server: "pop.example.ne.jp", Protocol: "pop3"}) {
		t.Fatalf("account store = %+v", s)
	}
	if v := byPath[filepath.Join(wm, "Local Folders")]; v == nil || v.App != "Windows Mail" || v.Account.Protocol != "pop3" || v.Account.User != "taro" {
		t.Errorf("Windows Mail store = %+v", v)
	}
	got := readAll(t, f, s)
	if len(got) != len(want) {
		t.Errorf("read %d messages, want %d", len(got), len(want))
	}
	for _, m := range got {
		if m.err != nil || !bytes.Equal(m.body, want[m.m.Origin]) {
			t.Errorf("%s: %v %q", m.m.Origin, m.err, m.body)
		}
		if strings.Contains(string(m.body), "Date: Mon, 10 Jun 2024 10:15:00 +0900") && !m.m.Date.Equal(time.Date(2024, 6, 10, 1, 15, 0, 0, time.UTC)) {
			t.Errorf("%s: date %v, want the Date header's", m.m.Origin, m.m.Date)
		}
		if m.m.Origin == "受信トレイ/取引先/x.eml" && m.folder != "受信トレイ/取引先" {
			t.Errorf("sub-folder message in %q", m.folder)
		}
	}
	checkUnchanged(t, home, before)

	// A link out of the store is that message's error.
	outside := filepath.Join(t.TempDir(), "secret.eml")
	writeFile(t, outside, []byte("secret"))
	if err := os.Symlink(outside, filepath.Join(acct, "受信トレイ", "link.eml")); err != nil {
		t.Fatal(err)
	}
	for _, m := range readAll(t, f, s) {
		if strings.HasSuffix(m.m.Origin, "link.eml") && (m.err == nil || !strings.Contains(m.err.Error(), "symbolic link")) {
			t.Errorf("link.eml: %v", m.err)
		}
	}
}
