package addressbook_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/internal/mailtext"
)

// The fixture mailbox: the account me@old-isp.example.jp, which also sends
// as shop@hanako-flowers.example.jp (an alias only the sent folder tells).
const login = "me@old-isp.example.jp"

var jst = time.FixedZone("JST", 9*3600)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, jst) }

// hdr joins header lines with CRLF, as addr_fields stores them.
func hdr(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n") + "\r\n") }

func jis(tb testing.TB, s string) string {
	tb.Helper()
	b, err := japanese.ISO2022JP.NewEncoder().String(s)
	if err != nil {
		tb.Fatal(err)
	}
	return "=?ISO-2022-JP?B?" + base64.StdEncoding.EncodeToString([]byte(b)) + "?="
}

func sjis(tb testing.TB, s string) string {
	tb.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().String(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func fixtureMessages(tb testing.TB) []addressbook.Message {
	tb.Helper()
	return []addressbook.Message{
		// The sent folder: read first, as FromArchive does.
		{Folder: "Sent", Role: "sent", Date: day(2024, 3, 5), ID: "m1@hanako", AddrFields: hdr(
			"From: "+jis(tb, "山田 花子")+" <shop@hanako-flowers.example.jp>",
			"To: "+jis(tb, "鈴木 一郎 様")+" <ichiro.suzuki@client-a.example.jp>",
			`Cc: "Sato, Jiro" <jiro@client-b.example.com>`)},
		{Folder: "Sent", Role: "sent", Date: day(2023, 11, 20), ID: "m2@hanako", AddrFields: hdr(
			"From: me@old-isp.example.jp",
			"To: Ichiro.Suzuki@CLIENT-A.example.jp")},
		{Folder: "Sent", Role: "sent", Date: day(2022, 6, 1), ID: "m3@hanako", AddrFields: hdr(
			"From: Hanako <me@old-isp.example.jp>",
			`To: "Müller, Hans" <hans@beispiel.example.de>,`,
			" bob@lists.example.org",
			"Bcc: =?UTF-8?B?55Sw5Lit?= <tanaka@例え.jp>")},
		// INBOX.
		{Folder: "INBOX", Role: "inbox", Date: day(2024, 3, 6), ID: "m4@client-a", AddrFields: hdr(
			"From: "+jis(tb, "鈴木 一郎")+" <ichiro.suzuki@client-a.example.jp>",
			"To: shop@hanako-flowers.example.jp",
			`Cc: "Sato, Jiro" <jiro@client-b.example.com>, Kimura <kimura@client-a.example.jp>`)},
		{Folder: "INBOX", Role: "inbox", Date: day(2023, 1, 10), ID: "m5@client-b", AddrFields: hdr(
			"From: "+sjis(tb, "佐藤 次郎")+" <jiro@client-b.example.com>",
			"To: me@old-isp.example.jp")},
		{Folder: "INBOX", Role: "inbox", Date: day(2024, 2, 1), ID: "m6@shop", AddrFields: hdr(
			"From: Flower Shop News <news@shop.example.com>",
			"To: me@old-isp.example.jp",
			"List-Unsubscribe: <mailto:unsub@shop.example.com>")},
		{Folder: "INBOX", Role: "inbox", Date: day(2024, 2, 2), ID: "m7@bank", AddrFields: hdr(
			`From: "no-reply@bank.example.jp" <no-reply@bank.example.jp>`,
			"To: me@old-isp.example.jp")},
		{Folder: "INBOX", Role: "inbox", Date: day(2024, 2, 3), ID: "m8@list", AddrFields: hdr(
			"From: Alice <alice@example.org>",
			"To: gardeners@lists.example.org",
			"List-Id: Gardeners <gardeners.lists.example.org>")},
		{Folder: "INBOX", Role: "inbox", Date: day(2024, 2, 4), ID: "m9@list", AddrFields: hdr(
			"From: Bob <bob@lists.example.org>",
			"To: gardeners@lists.example.org",
			"List-Id: Gardeners <gardeners.lists.example.org>")},
		// The user writing from the alias, found outside the sent folder.
		{Folder: "INBOX", Role: "inbox", Date: day(2024, 1, 15), ID: "m10@hanako", AddrFields: hdr(
			"From: shop@hanako-flowers.example.jp",
			"To: Newcomer <new.client@client-c.example.net>")},
		// Gmail's All Mail: a copy of m1, counted once.
		{Folder: "[Gmail]/All Mail", Role: "all", Date: day(2024, 3, 5), ID: "m1@hanako", AddrFields: hdr(
			"From: "+jis(tb, "山田 花子")+" <shop@hanako-flowers.example.jp>",
			"To: "+jis(tb, "鈴木 一郎 様")+" <ichiro.suzuki@client-a.example.jp>",
			`Cc: "Sato, Jiro" <jiro@client-b.example.com>`)},
		{Folder: "Drafts", Role: "drafts", Date: day(2024, 3, 7), ID: "m12@hanako", AddrFields: hdr(
			"From: me@old-isp.example.jp",
			"To: Maybe <draft.only@example.net>")},
		{Folder: "Junk", Role: "junk", Date: day(2024, 3, 1), ID: "m13@spam", AddrFields: hdr(
			"From: Winner <prize@spam.example>",
			"To: me@old-isp.example.jp")},
		// A client whose mail came through a list once, but whom the user also wrote to (m3: bob).
		// And a broken header: the address must survive.
		{Folder: "取引先", Role: "", Date: day(2021, 5, 5), ID: "m14@broken", AddrFields: hdr(
			`From: "Broken <broken@client-d.example.jp>`,
			"To: me@old-isp.example.jp")},
	}
}

func fixtureSeq(msgs []addressbook.Message) func(func(addressbook.Message, error) bool) {
	return func(yield func(addressbook.Message, error) bool) {
		for _, m := range msgs {
			if !yield(m, nil) {
				return
			}
		}
	}
}

// fixtureBook is a hand-made book for the export goldens, independent of
// extraction: names that need splitting, escaping and folding, an address
// only, an internationalised domain, an automated sender, a formula.
func fixtureBook() *addressbook.Book {
	c := func(name, email string, sent, recv, seen int, first, last time.Time) *addressbook.Contact {
		_, key, _ := mailtext.NormalizeEmail(email)
		return &addressbook.Contact{Name: name, Emails: []string{email}, Key: key, SentTo: sent, ReceivedFrom: recv,
			Seen: seen, First: first, Last: last, Folders: []string{"INBOX"}}
	}
	auto := c("Flower Shop News", "news@shop.example.com", 0, 12, 0, day(2020, 1, 1), day(2024, 2, 1))
	auto.Automated, auto.AutomatedReason = true, "only in bulk mail (List-Unsubscribe)"
	return &addressbook.Book{
		Contacts: []*addressbook.Contact{
			c("山田 花子", "hanako@example.jp", 12, 30, 2, day(2019, 1, 2), day(2024, 3, 5)),
			c("Yamada, Taro", "taro@example.com", 5, 3, 0, day(2020, 4, 1), day(2023, 12, 24)),
			c("YAMADA Hanako", "h.yamada@example.com", 4, 0, 0, day(2021, 4, 1), day(2023, 1, 1)),
			c("Jean-Luc Picard (Starfleet Command, Sector 001)", "jean-luc.picard@starfleet.example.org", 3, 1, 1, day(2021, 1, 1), day(2022, 2, 2)),
			c("寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来末風来末食う寝る処に住む処やぶら小路の藪柑子", "jugemu@example.jp", 2, 2, 0, day(2018, 1, 1), day(2019, 1, 1)),
			c("株式会社テスト 営業部", "sales@test-corp.example.jp", 1, 4, 0, day(2022, 1, 1), day(2022, 9, 9)),
			c("髙橋 ～", "takahashi@example.jp", 1, 1, 0, day(2022, 1, 1), day(2022, 1, 2)),
			c(`O"Brien; Pat`, "pat@example.ie", 1, 0, 0, day(2020, 1, 1), day(2020, 1, 1)),
			c("=HYPERLINK(\"http://evil.example\")", "formula@example.com", 0, 1, 0, day(2020, 1, 1), day(2020, 1, 1)),
			c("Zoë 😀", "zoe@example.fr", 0, 2, 0, day(2020, 1, 1), day(2020, 1, 1)),
			c("", "info@例え.jp", 0, 1, 3, time.Time{}, time.Time{}),
			auto,
		},
		Newest: day(2024, 3, 7),
	}
}
