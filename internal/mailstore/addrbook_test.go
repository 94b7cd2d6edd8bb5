package mailstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func sqliteFile(t *testing.T, path string, stmts ...string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func contactXML(formatted, given, family string, emails ...string) []byte {
	var b strings.Builder
	b.WriteString("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n")
	b.WriteString(`<c:contact c:Version="1" xmlns:c="http://schemas.microsoft.com/Contact" xmlns:MSP2P="http://schemas.microsoft.com/Contact/Extended/MSP2P">`)
	b.WriteString(`<c:CreationDate>2008-01-01T00:00:00Z</c:CreationDate><c:NameCollection><c:Name c:ElementID="x">`)
	if formatted != "" {
		b.WriteString("<c:FormattedName>" + formatted + "</c:FormattedName>")
	}
	b.WriteString("<c:GivenName>" + given + "</c:GivenName><c:FamilyName>" + family + "</c:FamilyName></c:Name></c:NameCollection>")
	b.WriteString("<c:EmailAddressCollection>")
	for _, e := range emails {
		b.WriteString(`<c:EmailAddress c:ElementID="y"><c:Type>SMTP</c:Type><c:Address>` + e + `</c:Address><c:LabelCollection><c:Label>Preferred</c:Label></c:LabelCollection></c:EmailAddress>`)
	}
	b.WriteString("</c:EmailAddressCollection></c:contact>")
	return []byte(b.String())
}

func TestAddressBooks(t *testing.T) {
	tmp := t.TempDir()
	home := filepath.Join(tmp, "Users", "hanako")
	abDir := filepath.Join(home, "Library", "Application Support", "AddressBook")
	appleSchema := []string{
		`CREATE TABLE ZABCDRECORD (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, ZFIRSTNAME VARCHAR, ZLASTNAME VARCHAR, ZORGANIZATION VARCHAR)`,
		`CREATE TABLE ZABCDEMAILADDRESS (Z_PK INTEGER PRIMARY KEY, ZOWNER INTEGER, ZADDRESS VARCHAR, ZORDERINGINDEX INTEGER)`,
	}
	sqliteFile(t, filepath.Join(abDir, "AddressBook-v22.abcddb"), append(appleSchema,
		`INSERT INTO ZABCDRECORD VALUES (1, 22, '太郎', '田中', NULL), (2, 22, 'John', 'Smith', NULL), (3, 22, NULL, NULL, '株式会社サンプル'), (4, 22, 'No', 'Mail', NULL)`,
		`INSERT INTO ZABCDEMAILADDRESS VALUES (1, 1, 'taro@example.co.jp', 1), (2, 1, 'taro.tanaka@example.jp', 0), (3, 2, 'john@example.com', 0), (4, 3, 'info@sample.co.jp', 0), (5, 2, 'JOHN@example.com', 1)`)...)
	sqliteFile(t, filepath.Join(abDir, "Sources", "5E6F7A8B-1111-2222-3333-444444444444", "AddressBook-v22.abcddb"), append(appleSchema,
		`INSERT INTO ZABCDRECORD VALUES (1, 22, 'Icloud', 'Friend', NULL)`,
		`INSERT INTO ZABCDEMAILADDRESS VALUES (1, 1, 'friend@icloud.example', 0)`)...)

	tbSchema := `CREATE TABLE properties (card TEXT, name TEXT, value TEXT)`
	profile := filepath.Join(home, "AppData", "Roaming", "Thunderbird", "Profiles", "x1y2z3.default-release")
	sqliteFile(t, filepath.Join(profile, "abook.sqlite"), tbSchema,
		`INSERT INTO properties VALUES ('c1', 'DisplayName', '鈴木 一郎'), ('c1', 'PrimaryEmail', 'ichiro@example.jp'), ('c1', 'SecondEmail', 'ichiro@home.example'),
		('c2', '_vCard', 'BEGIN:VCARD'||char(13,10)||'VERSION:4.0'||char(13,10)||'FN:佐藤 花子'||char(13,10)||'EMAIL;PREF=1:hanako@example.jp'||char(13,10)||'END:VCARD'||char(13,10)),
		('c3', 'FirstName', 'Only'), ('c3', 'LastName', 'Names')`)
	sqliteFile(t, filepath.Join(profile, "history.sqlite"), tbSchema,
		`INSERT INTO properties VALUES ('h1', 'PrimaryEmail', 'someone@example.org')`)

	contacts := filepath.Join(home, "Contacts")
	writeFile(t, filepath.Join(contacts, "田中 太郎.contact"), contactXML("田中 太郎", "太郎", "田中", "taro@example.co.jp", "taro2@example.co.jp"))
	writeFile(t, filepath.Join(contacts, "Group", "Jane.contact"), contactXML("", "Jane", "Doe", "jane@example.com"))
	writeFile(t, filepath.Join(contacts, "broken.contact"), []byte("<c:contact><c:EmailAddress><c:Address>x"))

	bab := filepath.Join(tmp, "Becky!", "hanako", "AddrBook", "Personal", "Address.bab")
	var babText []byte
	babText = append(babText, "BEGIN:VCARD\r\nVERSION:2.1\r\nN:"...)
	babText = append(babText, sjis(t, "山田;花子")...)
	babText = append(babText, "\r\nEMAIL;INTERNET:hanako.yamada@example.ne.jp\r\nEND:VCARD\r\n"...)
	babText = append(babText, "BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=SHIFT_JIS;ENCODING=QUOTED-PRINTABLE:=83=65=83=58=83=67\r\n"...)
	babText = append(babText, "EMAIL;PREF;INTERNET:test@example.jp\r\nEND:VCARD\r\n"...)
	writeFile(t, bab, babText)
	before := treeState(t, tmp)

	books := FindAddressBooks(home, "windows")
	var kinds []string
	for _, b := range books {
		kinds = append(kinds, b.Kind)
	}
	if want := []string{BookAppleContacts, BookAppleContacts, BookThunderbird, BookThunderbirdSeen, BookWindowsContacts, BookBecky}; !slices.Equal(kinds, want) {
		t.Fatalf("books = %q, want %q", kinds, want)
	}
	var got []string
	var skipped []string
	for _, b := range books {
		err := ReadAddressBook(context.Background(), b, func(c Contact) error {
			got = append(got, fmt.Sprintf("%s|%s|%s", c.Source, c.Name, strings.Join(c.Emails, ",")))
			return nil
		}, func(origin string, err error) { skipped = append(skipped, origin) })
		if err != nil {
			t.Errorf("%s: %v", b.Path, err)
		}
	}
	want := []string{
		"Apple Contacts|田中 太郎|taro.tanaka@example.jp,taro@example.co.jp",
		"Apple Contacts|John Smith|john@example.com",
		"Apple Contacts|株式会社サンプル|info@sample.co.jp",
		"Apple Contacts|Icloud Friend|friend@icloud.example",
		"Thunderbird|鈴木 一郎|ichiro@example.jp,ichiro@home.example",
		"Thunderbird|佐藤 花子|hanako@example.jp",
		"Thunderbird (collected addresses)||someone@example.org",
		"Windows Contacts|Jane Doe|jane@example.com",
		"Windows Contacts|田中 太郎|taro@example.co.jp,taro2@example.co.jp",
		"Becky!|山田 花子|hanako.yamada@example.ne.jp",
		"Becky!|テスト|test@example.jp",
	}
	if !slices.Equal(got, want) {
		t.Errorf("contacts:\n got %q\nwant %q", got, want)
	}
	if !slices.Equal(skipped, []string{"broken.contact"}) {
		t.Errorf("skipped %q, want the broken .contact", skipped)
	}
	checkUnchanged(t, tmp, before)

	if b := ProbeAddressBook(bab); b == nil || b.Kind != BookBecky {
		t.Errorf("ProbeAddressBook(.bab) = %+v", b)
	}
	bad := filepath.Join(tmp, "bad", "abook.sqlite")
	writeFile(t, bad, []byte("not sqlite at all"))
	if err := ReadAddressBook(context.Background(), *ProbeAddressBook(bad), func(Contact) error { return nil }, nil); err == nil ||
		!strings.Contains(err.Error(), "not an address book database") {
		t.Errorf("broken abook.sqlite: %v", err)
	}
}

// FuzzAddressBookFiles reads any bytes as a vCard file and as a .contact
// file: never a panic. Seeds are in testdata/fuzz/FuzzAddressBookFiles.
func FuzzAddressBookFiles(f *testing.F) {
	f.Add([]byte("BEGIN:VCARD\r\nFN;ENCODING=QUOTED-PRINTABLE:=41=\r\n=42\r\nEMAIL:a@b\r\nEND:VCARD\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range parseVCards(data) {
			for _, e := range c.Emails {
				if !strings.Contains(e, "@") {
					t.Fatalf("address without @: %q", e)
				}
			}
		}
		parseContactXML(data)
		parseCSVBook(context.Background(), data, "fuzz.csv", func(c Contact) error {
			if len(c.Emails) == 0 {
				t.Fatalf("contact without address from CSV")
			}
			return nil
		})
	})
}

// TestAddressBookExports reads a vCard export and a Japanese Windows Live
// Mail CSV export (Shift_JIS).
func TestAddressBookExports(t *testing.T) {
	dir := t.TempDir()
	vcf := filepath.Join(dir, "contacts.vcf")
	writeFile(t, vcf, []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jane Doe\r\nEMAIL;TYPE=INTERNET:jane@example.com\r\nEND:VCARD\r\n"))
	csvPath := filepath.Join(dir, "export.csv")
	writeFile(t, csvPath, sjis(t, "姓,名,表示名,電子メール アドレス,自宅の電話\r\n田中,太郎,,taro@example.co.jp,03-0000-0000\r\n\"山田\",\"花子\",\"山田 花子\",\"hanako@example.jp\",\r\nnone,,,,\r\n"))
	var got []string
	for _, p := range []string{vcf, csvPath} {
		b := ProbeAddressBook(p)
		if b == nil {
			t.Fatalf("ProbeAddressBook(%s) = nil", p)
		}
		if err := ReadAddressBook(context.Background(), *b, func(c Contact) error {
			got = append(got, c.Source+"|"+c.Name+"|"+strings.Join(c.Emails, ","))
			return nil
		}, nil); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"vCard|Jane Doe|jane@example.com", "CSV|田中 太郎|taro@example.co.jp", "CSV|山田 花子|hanako@example.jp"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
