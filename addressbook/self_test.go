package addressbook_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mailark/mailark/addressbook"
)

func msg(folder, role, id, fields string, day int) addressbook.Message {
	d := time.Date(2024, 1, day, 10, 0, 0, 0, time.UTC)
	return addressbook.Message{Folder: folder, Role: role, ID: id, Date: d, InternalDate: d, AddrFields: []byte(fields)}
}

func selfKeys(b *addressbook.Book) map[string]bool {
	out := map[string]bool{}
	for _, s := range b.Self {
		out[s.Email] = true
	}
	return out
}

// One stray message from a client filed in Sent does not make the client
// the user's own address: the user's addresses are those that sent a good
// share of the sent folder, and NotSelf undoes a wrong guess.
func TestStraySentMessageIsNotSelf(t *testing.T) {
	var msgs []addressbook.Message
	// The client's stray message, first in the sent folder.
	msgs = append(msgs, msg("Sent", "sent", "<stray@c>", "From: Client <client@example.com>\r\nTo: hanako@old-isp.example\r\n", 1))
	for i := range 20 {
		from := "Hanako <hanako@old-isp.example>"
		if i%4 == 0 {
			from = "Hanako Shop <shop@hanako.example>" // an alias: 5 of 21
		}
		msgs = append(msgs, msg("Sent", "sent", fmt.Sprintf("<s%d@h>", i), "From: "+from+"\r\nTo: Friend <friend@example.org>\r\n", 2+i))
	}
	for i := range 3 {
		msgs = append(msgs, msg("INBOX", "inbox", fmt.Sprintf("<c%d@c>", i), "From: Client <client@example.com>\r\nTo: hanako@old-isp.example\r\n", 25+i))
	}
	extract := func(opts addressbook.Options) *addressbook.Book {
		t.Helper()
		b, err := addressbook.Extract(context.Background(), fixtureSeq(msgs), opts)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	book := extract(addressbook.Options{Self: []string{"hanako@old-isp.example"}})
	self := selfKeys(book)
	if self["client@example.com"] || !self["shop@hanako.example"] || !self["hanako@old-isp.example"] {
		t.Errorf("Self = %v, want the login and the alias, not the client", self)
	}
	c := find(book, "client@example.com")
	if c == nil || c.ReceivedFrom != 3 || c.Name != "Client" {
		t.Fatalf("client = %+v, want a contact who wrote 3 times", c)
	}
	if find(book, "shop@hanako.example") != nil {
		t.Errorf("the alias is listed as a contact")
	}

	// NotSelf undoes a guess: the alias becomes a contact, counts and all.
	book = extract(addressbook.Options{Self: []string{"hanako@old-isp.example"}, NotSelf: []string{"Shop@Hanako.example"}})
	if selfKeys(book)["shop@hanako.example"] {
		t.Errorf("NotSelf: the alias is still the user's own")
	}
	if s := find(book, "shop@hanako.example"); s == nil || s.Name != "Hanako Shop" {
		t.Errorf("NotSelf: alias contact = %+v, want Hanako Shop", s)
	}
}

// A message that shares its Message-ID with another folder's message, but
// not its people, is not a copy: its people are contacts, names and counts
// and all. A real copy still counts once.
func TestSharedMessageIDKeepsPeople(t *testing.T) {
	msgs := []addressbook.Message{
		msg("INBOX", "inbox", "<same@x>", "From: Alice Able <alice@example.org>\r\nTo: hanako@old-isp.example\r\n", 1),
		msg("Clients", "", "<same@x>", "From: Bob Baker <bob@example.net>\r\nTo: hanako@old-isp.example\r\n", 2),
		msg("All Mail", "all", "<same@x>", "From: Alice Able <alice@example.org>\r\nTo: hanako@old-isp.example\r\n", 1),
	}
	book, err := addressbook.Extract(context.Background(), fixtureSeq(msgs), addressbook.Options{Self: []string{"hanako@old-isp.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if b := find(book, "bob@example.net"); b == nil || b.Name != "Bob Baker" || b.ReceivedFrom != 1 {
		t.Errorf("bob = %+v, want Bob Baker, received 1", b)
	}
	if a := find(book, "alice@example.org"); a == nil || a.ReceivedFrom != 1 || len(a.Folders) != 2 {
		t.Errorf("alice = %+v, want received once, in two folders", a)
	}
}
