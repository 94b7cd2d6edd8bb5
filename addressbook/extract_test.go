package addressbook_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/mailark/mailark/addressbook"
)

func extractFixture(t *testing.T) *addressbook.Book {
	t.Helper()
	book, err := addressbook.Extract(context.Background(), fixtureSeq(fixtureMessages(t)), addressbook.Options{Self: []string{login}})
	if err != nil {
		t.Fatalf("Extract() error = %v", err)
	}
	return book
}

func find(b *addressbook.Book, key string) *addressbook.Contact {
	for _, c := range b.Contacts {
		if c.Key == key {
			return c
		}
	}
	return nil
}

func TestExtract(t *testing.T) {
	book := extractFixture(t)
	tests := []struct {
		key             string
		name            string
		emails          []string
		sent, recv      int
		seen            int
		automated       bool
		folders         []string
		first, lastDate string
	}{
		// Written to twice (m1 from the alias, m2 from the login; the All Mail copy
		// of m1 counts once), wrote once (m4). Their own From name wins over the
		// user's "鈴木 一郎 様", which is the same name once the honorific goes.
		{key: "ichiro.suzuki@client-a.example.jp", name: "鈴木 一郎",
			emails: []string{"ichiro.suzuki@client-a.example.jp", "Ichiro.Suzuki@client-a.example.jp"},
			sent:   2, recv: 1, folders: []string{"INBOX", "Sent", "[Gmail]/All Mail"}, first: "2023-11-20", lastDate: "2024-03-06"},
		// Cc'd by the user (m1), wrote in raw Shift_JIS (m5), Cc'd with the user (m4).
		{key: "jiro@client-b.example.com", name: "佐藤 次郎", emails: []string{"jiro@client-b.example.com"},
			sent: 1, recv: 1, seen: 1, folders: []string{"INBOX", "Sent", "[Gmail]/All Mail"}, first: "2023-01-10", lastDate: "2024-03-06"},
		{key: "hans@beispiel.example.de", name: "Müller, Hans", emails: []string{"hans@beispiel.example.de"},
			sent: 1, folders: []string{"Sent"}, first: "2022-06-01", lastDate: "2022-06-01"},
		{key: "tanaka@xn--r8jz45g.jp", name: "田中", emails: []string{"tanaka@例え.jp"},
			sent: 1, folders: []string{"Sent"}, first: "2022-06-01", lastDate: "2022-06-01"},
		// Written to from the alias outside the sent folder.
		{key: "new.client@client-c.example.net", name: "Newcomer", emails: []string{"new.client@client-c.example.net"},
			sent: 1, folders: []string{"INBOX"}, first: "2024-01-15", lastDate: "2024-01-15"},
		{key: "kimura@client-a.example.jp", name: "Kimura", emails: []string{"kimura@client-a.example.jp"},
			seen: 1, folders: []string{"INBOX"}, first: "2024-03-06", lastDate: "2024-03-06"},
		// Wrote via a list, but the user wrote to them: a person.
		{key: "bob@lists.example.org", name: "Bob", emails: []string{"bob@lists.example.org"},
			sent: 1, recv: 1, folders: []string{"INBOX", "Sent"}, first: "2022-06-01", lastDate: "2024-02-04"},
		// In drafts only: seen, not sent to.
		{key: "draft.only@example.net", name: "Maybe", emails: []string{"draft.only@example.net"},
			seen: 1, folders: []string{"Drafts"}, first: "2024-03-07", lastDate: "2024-03-07"},
		// A broken From: the address is kept.
		{key: "broken@client-d.example.jp", name: "Broken", emails: []string{"broken@client-d.example.jp"},
			recv: 1, folders: []string{"取引先"}, first: "2021-05-05", lastDate: "2021-05-05"},
		// Automated.
		{key: "news@shop.example.com", name: "Flower Shop News", emails: []string{"news@shop.example.com"},
			recv: 1, automated: true, folders: []string{"INBOX"}, first: "2024-02-01", lastDate: "2024-02-01"},
		{key: "no-reply@bank.example.jp", emails: []string{"no-reply@bank.example.jp"},
			recv: 1, automated: true, folders: []string{"INBOX"}, first: "2024-02-02", lastDate: "2024-02-02"},
		{key: "alice@example.org", name: "Alice", emails: []string{"alice@example.org"},
			recv: 1, automated: true, folders: []string{"INBOX"}, first: "2024-02-03", lastDate: "2024-02-03"},
		{key: "gardeners@lists.example.org", emails: []string{"gardeners@lists.example.org"},
			seen: 2, automated: true, folders: []string{"INBOX"}, first: "2024-02-03", lastDate: "2024-02-04"},
		{key: "prize@spam.example", name: "Winner", emails: []string{"prize@spam.example"},
			recv: 1, automated: true, folders: []string{"Junk"}, first: "2024-03-01", lastDate: "2024-03-01"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			c := find(book, tt.key)
			if c == nil {
				t.Fatalf("contact %s missing; book: %v", tt.key, keys(book))
			}
			if c.Name != tt.name {
				t.Errorf("Name = %q, want %q (names %+v)", c.Name, tt.name, c.Names)
			}
			if !slices.Equal(c.Emails, tt.emails) {
				t.Errorf("Emails = %q, want %q", c.Emails, tt.emails)
			}
			if c.SentTo != tt.sent || c.ReceivedFrom != tt.recv || c.Seen != tt.seen {
				t.Errorf("SentTo, ReceivedFrom, Seen = %d, %d, %d, want %d, %d, %d", c.SentTo, c.ReceivedFrom, c.Seen, tt.sent, tt.recv, tt.seen)
			}
			if c.Automated != tt.automated || c.Automated != (c.AutomatedReason != "") {
				t.Errorf("Automated = %v (%q), want %v", c.Automated, c.AutomatedReason, tt.automated)
			}
			if !slices.Equal(c.Folders, tt.folders) {
				t.Errorf("Folders = %q, want %q", c.Folders, tt.folders)
			}
			if f, l := c.First.Format("2006-01-02"), c.Last.Format("2006-01-02"); f != tt.first || l != tt.lastDate {
				t.Errorf("First, Last = %s, %s, want %s, %s", f, l, tt.first, tt.lastDate)
			}
		})
	}
	t.Run("self left out", func(t *testing.T) {
		for _, k := range []string{login, "shop@hanako-flowers.example.jp"} {
			if c := find(book, k); c != nil {
				t.Errorf("own address %s is a contact: %+v", k, c)
			}
		}
		var self []string
		for _, s := range book.Self {
			self = append(self, s.Email)
		}
		if want := []string{"me@old-isp.example.jp", "shop@hanako-flowers.example.jp"}; !slices.Equal(self, want) {
			t.Errorf("Self = %q, want %q", self, want)
		}
	})
	t.Run("nothing else", func(t *testing.T) {
		if len(book.Contacts) != len(tests) {
			t.Errorf("got %d contacts, want %d: %v", len(book.Contacts), len(tests), keys(book))
		}
	})
	t.Run("stats", func(t *testing.T) {
		want := addressbook.Stats{Messages: 14, Duplicates: 1, Sent: 4, Repaired: 1}
		if book.Stats != want {
			t.Errorf("Stats = %+v, want %+v", book.Stats, want)
		}
	})
	t.Run("rank order", func(t *testing.T) {
		got := keys(book)
		// People first. bob (wrote to 1, from 1: 110) before new.client (wrote
		// to 1: 100); hans and tanaka tie (100, same day) and go by address.
		// Automated last, by recency among equal counts.
		want := []string{
			"ichiro.suzuki@client-a.example.jp", "jiro@client-b.example.com", "bob@lists.example.org",
			"new.client@client-c.example.net", "hans@beispiel.example.de", "tanaka@xn--r8jz45g.jp", "broken@client-d.example.jp",
			"draft.only@example.net", "kimura@client-a.example.jp",
			"prize@spam.example", "alice@example.org", "no-reply@bank.example.jp", "news@shop.example.com", "gardeners@lists.example.org",
		}
		if !slices.Equal(got, want) {
			t.Errorf("order = %q\nwant    %q", got, want)
		}
	})
}

func keys(b *addressbook.Book) []string {
	var out []string
	for _, c := range b.Contacts {
		out = append(out, c.Key)
	}
	return out
}

// TestExtractOrderIndependent checks that names, counts and the order do not
// depend on the order messages arrive in, once the sent folder comes first.
func TestExtractOrderIndependent(t *testing.T) {
	msgs := fixtureMessages(t)
	want := extractFixture(t)
	rev := slices.Clone(msgs[3:])
	slices.Reverse(rev)
	rev = append(slices.Clone(msgs[:3]), rev...)
	got, err := addressbook.Extract(context.Background(), fixtureSeq(rev), addressbook.Options{Self: []string{login}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keys(got), keys(want)) {
		t.Fatalf("order = %q, want %q", keys(got), keys(want))
	}
	for i, c := range got.Contacts {
		w := want.Contacts[i]
		if c.Name != w.Name || c.SentTo != w.SentTo || c.ReceivedFrom != w.ReceivedFrom || c.Seen != w.Seen || c.Score != w.Score {
			t.Errorf("%s: reversed %+v, want %+v", c.Key, c, w)
		}
	}
}

func TestExtractNames(t *testing.T) {
	msg := func(role, from, to string) addressbook.Message {
		return addressbook.Message{Role: role, Folder: role, Date: day(2024, 1, 1), AddrFields: hdr("From: "+from, "To: "+to)}
	}
	tests := []struct {
		name string
		msgs []addressbook.Message
		want string
	}{
		{"own From beats frequency", []addressbook.Message{
			msg("sent", login, "Ichi <i@example.com>"),
			msg("sent", login, "Ichi <i@example.com>"),
			msg("inbox", "Ichiro Suzuki <i@example.com>", login),
		}, "Ichiro Suzuki"},
		{"most frequent otherwise", []addressbook.Message{
			msg("sent", login, "Ichi <i@example.com>"),
			msg("sent", login, "Ichi <i@example.com>"),
			msg("sent", login, "Suzuki <i@example.com>"),
		}, "Ichi"},
		{"honorifics merge", []addressbook.Message{
			msg("sent", login, "=?UTF-8?B?6Yi05pyoIOS4gOmDjiDmp5g=?= <i@example.com>"),
			msg("sent", login, "=?UTF-8?B?6Yi05pyoIOS4gOmDjuOBleOCkw==?= <i@example.com>"),
			msg("sent", login, "Ichi <i@example.com>"),
		}, "鈴木 一郎"},
		{"no name", []addressbook.Message{msg("sent", login, "i@example.com")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			book, err := addressbook.Extract(context.Background(), fixtureSeq(tt.msgs), addressbook.Options{Self: []string{login}})
			if err != nil {
				t.Fatal(err)
			}
			c := find(book, "i@example.com")
			if c == nil || c.Name != tt.want {
				t.Errorf("Name = %+v, want %q", c, tt.want)
			}
		})
	}
}

func TestExtractSenderOnBehalf(t *testing.T) {
	// In the sent folder, Sender is the user and From the boss: the boss is
	// not taken for one of the user's own addresses.
	msgs := []addressbook.Message{{Role: "sent", Folder: "Sent", AddrFields: hdr(
		"From: Boss <boss@example.com>", "Sender: "+login, "To: Client <client@example.com>")}}
	book, err := addressbook.Extract(context.Background(), fixtureSeq(msgs), addressbook.Options{Self: []string{login}})
	if err != nil {
		t.Fatal(err)
	}
	if c := find(book, "boss@example.com"); c == nil || c.Automated {
		t.Errorf("boss = %+v, want a contact", c)
	}
	if c := find(book, "client@example.com"); c == nil || c.SentTo != 1 {
		t.Errorf("client = %+v, want SentTo 1", c)
	}
}

func TestExtractCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	msgs := make([]addressbook.Message, 1000)
	for i := range msgs {
		msgs[i] = addressbook.Message{Role: "inbox", AddrFields: hdr("From: a@example.com")}
	}
	book, err := addressbook.Extract(ctx, fixtureSeq(msgs), addressbook.Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Extract() error = %v, want context.Canceled", err)
	}
	if book == nil || book.Stats.Messages == 0 || book.Stats.Messages == 1000 {
		t.Errorf("Extract() read %v messages, want a partial book", book.Stats.Messages)
	}
}

func TestExtractSourceError(t *testing.T) {
	boom := errors.New("disk on fire")
	seq := func(yield func(addressbook.Message, error) bool) {
		if yield(addressbook.Message{AddrFields: hdr("From: a@example.com")}, nil) {
			yield(addressbook.Message{}, boom)
		}
	}
	book, err := addressbook.Extract(context.Background(), seq, addressbook.Options{})
	if !errors.Is(err, boom) {
		t.Errorf("Extract() error = %v, want %v", err, boom)
	}
	if len(book.Contacts) != 1 {
		t.Errorf("Extract() contacts = %d, want the 1 read before the error", len(book.Contacts))
	}
}

func TestExtractProgress(t *testing.T) {
	msgs := make([]addressbook.Message, 3000)
	for i := range msgs {
		msgs[i] = addressbook.Message{AddrFields: hdr("From: a@example.com")}
	}
	var calls [][2]int64
	_, err := addressbook.Extract(context.Background(), fixtureSeq(msgs), addressbook.Options{
		Total:    3000,
		Progress: func(done, total int64) { calls = append(calls, [2]int64{done, total}) },
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int64{{1024, 3000}, {2048, 3000}, {3000, 3000}}
	if !slices.Equal(calls, want) {
		t.Errorf("Progress calls = %v, want %v", calls, want)
	}
}

func TestExtractAutomated(t *testing.T) {
	tests := []struct {
		name      string
		fields    string // raw addr_fields of one received message, LF or CRLF
		sentTo    bool   // the user also wrote to the sender once
		automated bool
		reason    string
	}{
		{"person", "From: A <a@example.com>\r\nTo: " + login + "\r\n", false, false, ""},
		{"list-id", "From: A <a@example.com>\r\nList-Id: <x.example.com>\r\n", false, true, "only in mailing list (List-Id)"},
		{"list-id but written to", "From: A <a@example.com>\r\nList-Id: <x.example.com>\r\n", true, false, ""},
		{"list-unsubscribe", "From: a@example.com\r\nList-Unsubscribe: <https://x.example/u>\r\n", false, true, "only in bulk mail (List-Unsubscribe)"},
		{"precedence bulk", "From: a@example.com\r\nPrecedence: Bulk\r\n", false, true, "only in bulk mail (Precedence: bulk)"},
		{"precedence first-class", "From: a@example.com\r\nPrecedence: first-class\r\n", false, false, ""},
		{"auto-submitted", "From: a@example.com\r\nAuto-Submitted: auto-replied\r\n", false, true, "only in sent automatically (Auto-Submitted)"},
		{"auto-submitted no", "From: a@example.com\r\nAuto-Submitted: no\r\n", false, false, ""},
		{"x-auto-response-suppress alone", "From: a@example.com\r\nX-Auto-Response-Suppress: All\r\n", false, false, ""},
		{"lf and lower case", "from: a@example.com\nlist-id: <x.example.com>\n", false, true, "only in mailing list (List-Id)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := []addressbook.Message{{Role: "inbox", Folder: "INBOX", AddrFields: []byte(tt.fields)}}
			if tt.sentTo {
				msgs = append(msgs, addressbook.Message{Role: "sent", Folder: "Sent", AddrFields: hdr("From: "+login, "To: a@example.com")})
			}
			book, err := addressbook.Extract(context.Background(), fixtureSeq(msgs), addressbook.Options{Self: []string{login}})
			if err != nil {
				t.Fatal(err)
			}
			c := find(book, "a@example.com")
			if c == nil {
				t.Fatal("contact missing")
			}
			if c.Automated != tt.automated || c.AutomatedReason != tt.reason {
				t.Errorf("Automated = %v, %q, want %v, %q", c.Automated, c.AutomatedReason, tt.automated, tt.reason)
			}
		})
	}
}

func TestAddressAutomation(t *testing.T) {
	tests := []struct {
		email     string
		sentTo    bool
		automated bool
	}{
		{"noreply@example.com", false, true},
		{"no-reply@example.com", true, true}, // cannot be written to: stays automated
		{"do_not_reply@example.com", false, true},
		{"DoNotReply+x@example.com", false, true},
		{"MAILER-DAEMON@example.com", false, true},
		{"bounces+123=me=example.com@lists.example.com", false, true},
		{"gardeners-bounces@lists.example.org", false, true},
		{"bounce-42@mail.example.com", false, true},
		{"postmaster@example.com", false, true},
		{"postmaster@example.com", true, false}, // written to: a person reads it
		{"gardeners-request@lists.example.org", false, true},
		{"noreen@example.com", false, false},
		{"bouncer@example.com", false, false},
		{"replyto@example.com", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			msgs := []addressbook.Message{{Role: "inbox", Folder: "INBOX", AddrFields: hdr("From: " + tt.email)}}
			if tt.sentTo {
				msgs = append(msgs, addressbook.Message{Role: "sent", Folder: "Sent", AddrFields: hdr("From: "+login, "To: "+tt.email)})
			}
			book, err := addressbook.Extract(context.Background(), fixtureSeq(msgs), addressbook.Options{Self: []string{login}})
			if err != nil {
				t.Fatal(err)
			}
			if len(book.Contacts) != 1 || book.Contacts[0].Automated != tt.automated {
				t.Errorf("contacts = %+v, want one with Automated %v", book.Contacts, tt.automated)
			}
		})
	}
}
