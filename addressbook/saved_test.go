package addressbook_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mailark/mailark/addressbook"
)

// The user's own address books join the mail's: a saved contact with no
// mail at all is in the book with its source and ranks as known, a
// correspondent keeps the name the user gave them, the user's own address
// saved in the book stays out, and a saved address is never "automated"
// for having been only in list mail.
func TestSavedContactsJoinTheBook(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Windows Contacts, in its default place for a Windows home.
	write(filepath.Join(home, "Contacts", "Sato.contact"), `<?xml version="1.0" encoding="UTF-8"?>
<c:contact c:Version="1" xmlns:c="http://schemas.microsoft.com/Contact"><c:NameCollection><c:Name>`+
		`<c:FormattedName>佐藤 花子</c:FormattedName></c:Name></c:NameCollection><c:EmailAddressCollection>`+
		`<c:EmailAddress><c:Address>hanako.sato@example.jp</c:Address></c:EmailAddress></c:EmailAddressCollection></c:contact>`)
	// A vCard export given by path.
	vcf := filepath.Join(t.TempDir(), "export.vcf")
	write(vcf, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kenji Ito (client)\r\nEMAIL:ken@client.example\r\nEND:VCARD\r\n"+
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Me\r\nEMAIL:me@old.example\r\nEND:VCARD\r\n"+
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Shop News\r\nEMAIL:news@shop.example\r\nEND:VCARD\r\n")

	saved, problems := addressbook.FindSaved(ctx, home, "windows", []string{vcf, filepath.Join(home, "nothing-here")})
	if len(problems) != 1 || !strings.Contains(problems[0], "nothing-here") {
		t.Errorf("problems = %q, want one naming the path that is no address book", problems)
	}
	msgs := []addressbook.Message{
		{Role: "inbox", Folder: "INBOX", Date: day(2024, 1, 1), AddrFields: hdr("From: Ken <ken@client.example>", "To: me@old.example")},
		{Role: "inbox", Folder: "INBOX", Date: day(2024, 2, 1), AddrFields: hdr("From: Copied <copied@example.com>", "To: me@old.example", "Cc: someone@example.org")},
		{Role: "inbox", Folder: "INBOX", Date: day(2024, 3, 1), AddrFields: hdr("From: news@shop.example", "To: me@old.example", "List-Id: <news.shop.example>")},
	}
	book, err := addressbook.Extract(ctx, fixtureSeq(msgs), addressbook.Options{Self: []string{"me@old.example"}, Saved: saved})
	if err != nil {
		t.Fatal(err)
	}
	sato := find(book, "hanako.sato@example.jp")
	if sato == nil || sato.Name != "佐藤 花子" || !slices.Equal(sato.SavedIn, []string{"Windows Contacts"}) {
		t.Fatalf("saved contact with no mail = %+v, want 佐藤 花子 from Windows Contacts", sato)
	}
	if copied := find(book, "someone@example.org"); copied == nil || sato.Score <= copied.Score {
		t.Errorf("a saved contact (score %d) must rank above one only copied once (%+v)", sato.Score, copied)
	}
	ken := find(book, "ken@client.example")
	if ken == nil || ken.Name != "Kenji Ito (client)" || ken.ReceivedFrom != 1 || !slices.Equal(ken.SavedIn, []string{"vCard"}) {
		t.Errorf("correspondent in the address book = %+v, want the saved name, his mail counted, SavedIn vCard", ken)
	}
	if !strings.Contains(addressbook.DefaultNote(ken), "In your address book (vCard)") {
		t.Errorf("note %q does not say where the contact was saved", addressbook.DefaultNote(ken))
	}
	if me := find(book, "me@old.example"); me != nil {
		t.Errorf("the user's own address, saved in the book, is a contact: %+v", me)
	}
	if news := find(book, "news@shop.example"); news == nil || news.Automated {
		t.Errorf("a saved address only seen in list mail = %+v, want a contact not marked automated", news)
	}
}
