package mailstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"howett.net/plist"

	"github.com/mailark/mailark/internal/archive"
)

// emlxBytes is an .emlx file as Apple Mail writes it: the length line
// (padded, as Mail pads it), the message, the plist.
func emlxBytes(t testing.TB, msg []byte, flags int64, received time.Time) []byte {
	t.Helper()
	pl, err := plist.MarshalIndent(map[string]any{
		"date-received": received.Unix(),
		"date-sent":     received.Unix() - 60,
		"flags":         flags,
		"remote-id":     "12",
		"subject":       "ignored",
	}, plist.XMLFormat, "\t")
	if err != nil {
		t.Fatal(err)
	}
	return append(append([]byte(fmt.Sprintf("%-10d\n", len(msg))), msg...), pl...)
}

// The partial message: a text part, a base64 PDF (part 2), and a nested
// multipart whose second part (3.2) is a quoted-printable text file.
const (
	partialWhole = "From: hanako@example.jp\r\nSubject: partial\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSee attached.\r\n" +
		"--b1\r\nContent-Type: application/pdf; name=\"mitsumori.pdf\"\r\nContent-Disposition: attachment; filename=\"mitsumori.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + pdfB64 + "\r\n" +
		"--b1\r\nContent-Type: multipart/mixed; boundary=\"b2\"\r\n\r\n" +
		"--b2\r\nContent-Type: text/plain\r\n\r\ninner\r\n" +
		"--b2\r\nContent-Type: text/plain; charset=utf-8; name=\"memo.txt\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"caf=C3=A9 =3D ok\r\nline two" + "\r\n" +
		"--b2--\r\n" +
		"--b1--\r\n"
	partialStored = "From: hanako@example.jp\r\nSubject: partial\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSee attached.\r\n" +
		"--b1\r\nContent-Type: application/pdf; name=\"mitsumori.pdf\"\r\nContent-Disposition: attachment; filename=\"mitsumori.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\nX-Apple-Content-Length: 103\r\n\r\n" + "\r\n" +
		"--b1\r\nContent-Type: multipart/mixed; boundary=\"b2\"\r\n\r\n" +
		"--b2\r\nContent-Type: text/plain\r\n\r\ninner\r\n" +
		"--b2\r\nContent-Type: text/plain; charset=utf-8; name=\"memo.txt\"\r\nContent-Transfer-Encoding: quoted-printable\r\nX-Apple-Content-Length: 20\r\n\r\n" +
		"\r\n" +
		"--b2--\r\n" +
		"--b1--\r\n"
	pdfB64 = "JVBERi0xLjQKJeLjz9MKMSAwIG9iago8PC9UeXBlL0NhdGFsb2cvUGFnZXMgMiAwIFI+PgplbmRv" + "\r\n" +
		"YmoKJSBmaWxsZXIgZmlsbGVyIGZpbGxlciBmaWxsZXIK"
)

var pdfBytes = []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>\nendobj\n% filler filler filler filler\n")

// appleV10 builds a V10 Apple Mail tree under home: one IMAP account
// (described in Accounts4.sqlite) whose INBOX holds the corpus, a
// sub-mailbox, and a partial message with its attachments, one partial
// message whose attachment is gone.
func appleV10(t *testing.T, home string) (acct string, want map[string][]byte) {
	t.Helper()
	acct = "1A2B3C4D-0000-4000-8000-ABCDEF012345"
	mail := filepath.Join(home, "Library", "Mail", "V10")
	inbox := filepath.Join(mail, acct, "INBOX.mbox", "9F9F9F9F-1111-4111-8111-111111111111", "Data")
	want = map[string][]byte{}
	received := time.Date(2011, 3, 4, 5, 6, 7, 0, time.UTC)
	for i, fx := range corpus() {
		num := 100 + i
		// Apple spreads numbers over Data/<digits>/Messages folders.
		dir := filepath.Join(inbox, fmt.Sprint(num/1000%10), "Messages")
		if num < 1000 {
			dir = filepath.Join(inbox, "Messages")
		}
		flags := int64(1) // read
		if i%3 == 1 {
			flags |= 1<<2 | 1<<4 // answered, flagged
		}
		writeFile(t, filepath.Join(dir, fmt.Sprintf("%d.emlx", num)), emlxBytes(t, fx.Raw, flags, received.Add(time.Duration(i)*time.Hour)))
		want[fmt.Sprint(num)] = fx.Raw
	}
	// A partial message with both attachments on disk.
	msgs := filepath.Join(inbox, "Messages")
	writeFile(t, filepath.Join(msgs, "5000.partial.emlx"), emlxBytes(t, []byte(partialStored), 1<<6, received))
	writeFile(t, filepath.Join(inbox, "Attachments", "5000", "2", "mitsumori.pdf"), pdfBytes)
	writeFile(t, filepath.Join(inbox, "Attachments", "5000", "3.2", "memo.txt"), []byte("café = ok\nline two"))
	want["5000"] = []byte(partialWhole)
	// A partial message whose PDF is gone: the rest is kept as stored.
	writeFile(t, filepath.Join(msgs, "5001.partial.emlx"), emlxBytes(t, []byte(partialStored), 0, received))
	writeFile(t, filepath.Join(inbox, "Attachments", "5001", "3.2", "memo.txt"), []byte("café = ok\nline two"))
	// Sent and a Japanese-named sub-mailbox of INBOX (decomposed, as HFS+ writes it).
	sent := filepath.Join(mail, acct, "Sent Messages.mbox", "Messages")
	writeFile(t, filepath.Join(sent, "7.emlx"), emlxBytes(t, []byte("Subject: sent\r\n\r\nbody\r\n"), 1, received))
	want["7"] = []byte("Subject: sent\r\n\r\nbody\r\n")
	sub := filepath.Join(mail, acct, "INBOX.mbox", "\u30c8\u3099\u30ea\u30fc\u30e0.mbox", "Messages") // ドリーム, decomposed
	writeFile(t, filepath.Join(sub, "8.emlx"), emlxBytes(t, []byte("Subject: sub\n\nbody\n"), 0, received))
	want["8"] = []byte("Subject: sub\n\nbody\n")

	// macOS's Internet Accounts database.
	dbPath := filepath.Join(home, "Library", "Accounts", "Accounts4.sqlite")
	os.MkdirAll(filepath.Dir(dbPath), 0o755)
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := plist.Marshal("imap.example.jp", plist.BinaryFormat)
	for _, q := range []string{
		`CREATE TABLE ZACCOUNTTYPE (Z_PK INTEGER PRIMARY KEY, ZIDENTIFIER VARCHAR, ZACCOUNTTYPEDESCRIPTION VARCHAR)`,
		`CREATE TABLE ZACCOUNT (Z_PK INTEGER PRIMARY KEY, ZACCOUNTTYPE INTEGER, ZIDENTIFIER VARCHAR, ZUSERNAME VARCHAR, ZACCOUNTDESCRIPTION VARCHAR)`,
		`CREATE TABLE ZACCOUNTPROPERTY (Z_PK INTEGER PRIMARY KEY, ZOWNER INTEGER, ZKEY VARCHAR, ZVALUE BLOB)`,
		`INSERT INTO ZACCOUNTTYPE VALUES (1, 'com.apple.account.IMAP', 'IMAP'), (2, 'com.apple.account.SMTP', 'SMTP')`,
		`INSERT INTO ZACCOUNT VALUES (1, 1, '` + acct + `', 'hanako@example.jp', 'Old ISP')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO ZACCOUNTPROPERTY VALUES (1, 1, 'Hostname', ?)`, host); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return acct, want
}

func TestAppleMailV10(t *testing.T) {
	home := t.TempDir()
	acct, want := appleV10(t, home)
	before := treeState(t, home)
	f := Lookup(archive.SourceAppleMail)
	stores, err := f.Find(home, "darwin")
	if err != nil || len(stores) != 1 {
		t.Fatalf("Find = %v, %v; want one store", stores, err)
	}
	s := stores[0]
	if s.Path != filepath.Join(home, "Library", "Mail", "V10", acct) || s.Bytes == 0 {
		t.Errorf("store = %+v", s)
	}
	wantAcct := Account{Name: "Old ISP", Address: "hanako@example.jp", User: "hanako@example.jp", Server: "imap.example.jp", Protocol: "imap"}
	if s.Account != wantAcct {
		t.Errorf("account = %+v, want %+v", s.Account, wantAcct)
	}

	r, _ := f.Open(s)
	folders, err := r.Folders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fo := range folders {
		names = append(names, fo.Name+"="+fo.Role)
	}
	if wantNames := []string{"INBOX=inbox", "INBOX/ドリーム=", "Sent Messages=sent"}; !slices.Equal(names, wantNames) {
		t.Errorf("folders = %q, want %q", names, wantNames)
	}

	got := readAll(t, f, s)
	seen := map[string]bool{}
	for _, m := range got {
		seen[m.m.Key] = true
		if m.m.Key == "5001" {
			continue
		}
		w, ok := want[m.m.Key]
		if !ok {
			t.Errorf("unexpected message %q (%s)", m.m.Key, m.m.Origin)
			continue
		}
		if m.err != nil {
			t.Errorf("message %s: %v", m.m.Key, m.err)
			continue
		}
		if !bytes.Equal(m.body, w) {
			t.Errorf("message %s (%s):\n got %q\nwant %q", m.m.Key, m.m.Origin, m.body, w)
		}
		if m.m.Partial != "" {
			t.Errorf("message %s marked partial: %s", m.m.Key, m.m.Partial)
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("message %s not read", k)
		}
	}
	// Flags and dates from the plist.
	for _, m := range got {
		switch m.m.Key {
		case "101":
			if !slices.Equal(m.m.Flags, []string{`\Seen`, `\Answered`, `\Flagged`}) {
				t.Errorf("101 flags = %q", m.m.Flags)
			}
			if wantDate := time.Date(2011, 3, 4, 6, 6, 7, 0, time.UTC); !m.m.Date.Equal(wantDate) {
				t.Errorf("101 date = %v, want %v", m.m.Date, wantDate)
			}
		case "5000":
			if !slices.Equal(m.m.Flags, []string{`\Draft`}) {
				t.Errorf("5000 flags = %q", m.m.Flags)
			}
		case "5001":
			if m.err != nil {
				t.Fatalf("5001: %v", m.err)
			}
			if !strings.Contains(m.m.Partial, "part 2 (mitsumori.pdf)") {
				t.Errorf("5001 Partial = %q, want it to name part 2", m.m.Partial)
			}
			// The PDF stays as stored; memo.txt is put back.
			wantBody := strings.Replace(partialStored, "Content-Transfer-Encoding: quoted-printable\r\nX-Apple-Content-Length: 20\r\n\r\n\r\n",
				"Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =3D ok\r\nline two\r\n", 1)
			if string(m.body) != wantBody {
				t.Errorf("5001 body:\n got %q\nwant %q", m.body, wantBody)
			}
		}
	}
	checkUnchanged(t, home, before)
}

// TestAppleMailV2 reads a V2 tree: folders named POP-user@host, accounts
// in MailData/Accounts.plist, messages in <mailbox>.mbox/Messages.
func TestAppleMailV2(t *testing.T) {
	home := t.TempDir()
	v2 := filepath.Join(home, "Library", "Mail", "V2")
	pop := filepath.Join(v2, "POP-taro@pop.example.ne.jp")
	msg := []byte("Subject: old\r\n\r\n2004\r\n")
	writeFile(t, filepath.Join(pop, "INBOX.mbox", "Messages", "1.emlx"), emlxBytes(t, msg, 1|1<<1, time.Unix(1100000000, 0)))
	writeFile(t, filepath.Join(v2, "IMAP-x@y.example@imap.example.com", "INBOX.mbox", "Messages", "2.emlx"), emlxBytes(t, msg, 0, time.Unix(1, 0)))
	pl, _ := plist.Marshal(map[string]any{"MailAccounts": []map[string]any{{
		"AccountType": "POPAccount", "AccountName": "So-net", "AccountPath": "~/Library/Mail/V2/POP-taro@pop.example.ne.jp",
		"EmailAddresses": []string{"taro@example.ne.jp"}, "Hostname": "pop.example.ne.jp", "Username": "taro",
	}}}, plist.XMLFormat)
	writeFile(t, filepath.Join(v2, "MailData", "Accounts.plist"), pl)

	f := Lookup(archive.SourceAppleMail)
	stores, err := f.Find(home, "darwin")
	if err != nil || len(stores) != 2 {
		t.Fatalf("Find = %v, %v", stores, err)
	}
	want := []Account{
		{Name: "IMAP-x@y.example@imap.example.com", Address: "x@y.example", User: "x@y.example", Server: "imap.example.com", Protocol: "imap"},
		{Name: "So-net", Address: "taro@example.ne.jp", User: "taro", Server: "pop.example.ne.jp", Protocol: "pop3"},
	}
	for i, s := range stores {
		if s.Account != want[i] {
			t.Errorf("store %d account = %+v, want %+v", i, s.Account, want[i])
		}
	}
	got := readAll(t, f, stores[1])
	if len(got) != 1 || !bytes.Equal(got[0].body, msg) || !slices.Equal(got[0].m.Flags, []string{`\Seen`, `\Deleted`}) ||
		!got[0].m.Date.Equal(time.Unix(1100000000, 0)) || got[0].m.Key != "1" {
		t.Errorf("read %+v", got)
	}
	// Probe on the V2 folder: both accounts' mailboxes, under their folder names.
	s, err := f.Probe(v2)
	if err != nil || s == nil {
		t.Fatalf("Probe(V2) = %v, %v", s, err)
	}
	if got := readAll(t, f, s); len(got) != 2 || got[0].folder != "IMAP-x@y.example@imap.example.com/INBOX" {
		t.Errorf("Probe(V2) read %d messages, first in %q", len(got), got[0].folder)
	}
	if s, _ := f.Probe(t.TempDir()); s != nil {
		t.Errorf("Probe(empty folder) = %+v", s)
	}
}

// TestAppleMailBroken: each broken file is that message's error alone,
// with what is wrong; the others are read.
func TestAppleMailBroken(t *testing.T) {
	root := t.TempDir()
	msgs := filepath.Join(root, "INBOX.mbox", "Messages")
	good := []byte("Subject: good\r\n\r\nok\r\n")
	writeFile(t, filepath.Join(msgs, "1.emlx"), emlxBytes(t, good, 1, time.Unix(5, 0)))
	writeFile(t, filepath.Join(msgs, "2.emlx"), []byte("4294967296\nSubject: short\r\n\r\n"))
	writeFile(t, filepath.Join(msgs, "3.emlx"), []byte("Subject: no count line\r\n\r\n"))
	writeFile(t, filepath.Join(msgs, "4.emlx"), append([]byte(fmt.Sprintf("%d\n", len(good))), append(good, "<?xml junk <plist><dict><key>flags"...)...))
	outside := filepath.Join(t.TempDir(), "secret.emlx")
	writeFile(t, outside, emlxBytes(t, []byte("Subject: outside\r\n\r\n"), 0, time.Unix(1, 0)))
	if err := os.Symlink(outside, filepath.Join(msgs, "5.emlx")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(msgs, "6.partial.emlx"), emlxBytes(t, []byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x\r\n--x\r\nX-Apple-Content-Length: 5\r\n--x--"), 0, time.Unix(1, 0)))

	f := Lookup(archive.SourceAppleMail)
	s, err := f.Probe(root)
	if err != nil || s == nil {
		t.Fatalf("Probe = %v, %v", s, err)
	}
	got := readAll(t, f, s)
	if len(got) != 6 {
		t.Fatalf("read %d messages, want 6", len(got))
	}
	wantErr := map[string]string{"2": "says the message is 4294967296 bytes", "3": "first line is not a byte count", "5": "symbolic link"}
	for _, m := range got {
		if w, ok := wantErr[m.m.Key]; ok {
			if m.err == nil || !strings.Contains(m.err.Error(), w) {
				t.Errorf("message %s: error %v, want one saying %q", m.m.Key, m.err, w)
			}
			continue
		}
		if m.err != nil {
			t.Errorf("message %s: %v", m.m.Key, m.err)
		}
	}
	if !bytes.Equal(got[0].body, good) || !bytes.Equal(got[3].body, good) || got[3].m.Flags != nil {
		t.Errorf("good messages: %q, %q (flags %q)", got[0].body, got[3].body, got[3].m.Flags)
	}
	if got[5].m.Partial == "" {
		t.Errorf("message 6 (an attachment never stored) not marked partial")
	}
	// An invalid plist costs the flags, and says so.
	if w := got[3].m.Warning; !strings.Contains(w, "property list is not valid") || !strings.Contains(w, "flags") || got[0].m.Warning != "" {
		t.Errorf("warnings: message 4 %q, message 1 %q", w, got[0].m.Warning)
	}
}

// TestAppleMailChanged: a message added while the folder is read stops
// the folder with ErrChanged.
func TestAppleMailChanged(t *testing.T) {
	root := t.TempDir()
	msgs := filepath.Join(root, "INBOX.mbox", "Messages")
	writeFile(t, filepath.Join(msgs, "1.emlx"), emlxBytes(t, []byte("Subject: a\n\n"), 0, time.Unix(5, 0)))
	f := Lookup(archive.SourceAppleMail)
	s, _ := f.Probe(root)
	r, _ := f.Open(s)
	folders, _ := r.Folders(context.Background())
	err := r.Messages(context.Background(), folders[0], func(m *Message) error {
		writeFile(t, filepath.Join(msgs, "2.emlx"), emlxBytes(t, []byte("Subject: b\n\n"), 0, time.Unix(5, 0)))
		return nil
	})
	if !errors.Is(err, ErrChanged) {
		t.Errorf("Messages = %v, want ErrChanged", err)
	}
}

// TestAppleMailExportedBundle reads Mail's "Export Mailbox…" output.
func TestAppleMailExportedBundle(t *testing.T) {
	root := filepath.Join(t.TempDir(), "Archive.mbox")
	writeFile(t, filepath.Join(root, "mbox"), []byte("From a@example.com Mon Jun 10 10:15:00 2024\nSubject: one\n\n>From here\n\nFrom b@example.com Mon Jun 10 10:16:00 2024\nSubject: two\n\nbody\n\n"))
	writeFile(t, filepath.Join(root, "table_of_contents"), []byte{0, 1, 2})
	f := Lookup(archive.SourceAppleMail)
	s, err := f.Probe(root)
	if err != nil || s == nil {
		t.Fatalf("Probe = %v, %v", s, err)
	}
	got := readAll(t, f, s)
	if len(got) != 2 || got[0].folder != "Archive" || string(got[0].body) != "Subject: one\n\nFrom here\n" || string(got[1].body) != "Subject: two\n\nbody\n" {
		for _, g := range got {
			t.Logf("%s %q %v", g.folder, g.body, g.err)
		}
		t.Errorf("bundle read wrong")
	}
}

var _ = io.EOF

// TestAppleMailProbeAll: a Library/Mail or V<n> folder given by the user
// gives one store per account, with its account, as Find does.
func TestAppleMailProbeAll(t *testing.T) {
	home := t.TempDir()
	appleV10(t, home)
	f := appleFormat{}
	for _, p := range []string{filepath.Join(home, "Library", "Mail"), filepath.Join(home, "Library", "Mail", "V10")} {
		stores, err := f.ProbeAll(p)
		if err != nil || len(stores) != 1 || stores[0].Account.Server != "imap.example.jp" {
			t.Errorf("ProbeAll(%s) = %v, %v", p, stores, err)
		}
	}
	acct := filepath.Join(home, "Library", "Mail", "V10", "1A2B3C4D-0000-4000-8000-ABCDEF012345")
	if stores, _ := f.ProbeAll(acct); len(stores) != 1 || stores[0].Path != acct || stores[0].Account.Name != "Old ISP" {
		t.Errorf("ProbeAll(account) = %v", stores)
	}
}
