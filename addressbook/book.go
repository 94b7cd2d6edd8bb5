package addressbook

import (
	"sort"
	"strings"
	"time"
)

// Book is the address book: every address found, ranked.
type Book struct {
	// Contacts, people first, each group by descending Score, ties by Key
	// (see rank.go). Automated senders are included and marked.
	Contacts []*Contact
	// Self lists the addresses recognised as the user's own, which are left
	// out of Contacts: shown so a wrong guess can be noticed.
	Self  []SelfAddress
	Stats Stats
	// Newest is the date of the newest message: recency is measured from
	// it, not from the clock, so the same archive always ranks the same.
	Newest time.Time
}

// Stats counts what extraction read.
type Stats struct {
	Messages   int64 // messages read
	Duplicates int64 // copies of a message already read (same ID): folders noted, nothing counted
	Sent       int64 // messages the user sent
	Repaired   int64 // header values that were malformed and read leniently
}

// SelfAddress is one of the user's own addresses.
type SelfAddress struct {
	Email string
	Given bool // from Options.Self (the login), not learned from the sent folder
	Sent  int  // messages sent from it
}

// Contact is one person (one address, all its spellings merged).
type Contact struct {
	Name   string      // chosen display name; "" when none was ever given
	Names  []NameCount // every name seen for the address, most used first
	Emails []string    // every spelling seen; the first is the primary
	Key    string      // comparison key of the address (see NormalizeEmail)

	SentTo       int // messages the user sent to the address (To, Cc, Bcc)
	ReceivedFrom int // messages from it (From, Sender, Reply-To) to the user
	Seen         int // other messages it was in: copied with the user, drafts, named in a header

	First, Last time.Time // dates of the first and last message it was in (zero if none had one)
	Folders     []string  // folders it was seen in, sorted

	Automated       bool
	AutomatedReason string // e.g. "no-reply address", "only in mailing list (List-Id)"

	// SavedIn lists the user's address books that hold it ("Apple
	// Contacts"), sorted; empty when only the mail knows it.
	SavedIn []string

	Score int64 // ranking score, see rank.go
}

// NameCount is one display name and how often it was seen.
type NameCount struct {
	Name    string
	Count   int
	OwnFrom int // how often the person used it in their own From
}

// Email returns the primary address.
func (c *Contact) Email() string { return c.Emails[0] }

// DisplayName returns the name, or the address when there is no name.
func (c *Contact) DisplayName() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Email()
}

// Select returns the contacts to export: people, plus automated senders when
// includeAutomated is set, in rank order.
func (b *Book) Select(includeAutomated bool) []*Contact {
	out := make([]*Contact, 0, len(b.Contacts))
	for _, c := range b.Contacts {
		if includeAutomated || !c.Automated {
			out = append(out, c)
		}
	}
	return out
}

// Match reports whether the contact's names or addresses contain q, ignoring case.
func (c *Contact) Match(q string) bool {
	if q == "" {
		return true
	}
	q = strings.ToLower(q)
	for _, e := range c.Emails {
		if strings.Contains(strings.ToLower(e), q) {
			return true
		}
	}
	if strings.Contains(c.Key, q) || strings.Contains(strings.ToLower(c.Name), q) {
		return true
	}
	for _, n := range c.Names {
		if strings.Contains(strings.ToLower(n.Name), q) {
			return true
		}
	}
	return false
}

// Book returns the address book of everything added so far. It may be
// called more than once.
func (b *Builder) Book() *Book {
	b.opts.Progress(b.stats.Messages, b.opts.Total)
	b.SettleSelf()
	book := &Book{Stats: b.stats, Newest: b.newest}
	for _, c := range b.contacts {
		if b.self[c.key] != nil {
			continue
		}
		book.Contacts = append(book.Contacts, b.contact(c))
	}
	rank(book.Contacts, b.newest)
	for _, s := range b.self {
		book.Self = append(book.Self, SelfAddress{Email: s.email, Given: s.given, Sent: max(s.sent, s.inSent)})
	}
	sort.Slice(book.Self, func(i, j int) bool { return book.Self[i].Email < book.Self[j].Email })
	return book
}

func (b *Builder) contact(c *acc) *Contact {
	out := &Contact{
		Key:          c.key,
		SentTo:       c.sent,
		ReceivedFrom: c.recv,
		Seen:         c.msgs - c.strong,
		First:        c.first,
		Last:         c.last,
	}
	vs := append([]variantAcc(nil), c.variants...)
	sort.Slice(vs, func(i, j int) bool {
		if vs[i].from != vs[j].from {
			return vs[i].from > vs[j].from
		}
		if vs[i].n != vs[j].n {
			return vs[i].n > vs[j].n
		}
		return vs[i].email < vs[j].email
	})
	for _, v := range vs {
		out.Emails = append(out.Emails, v.email)
	}
	if len(out.Emails) == 0 { // only ever seen in duplicates: cannot happen, but never empty
		out.Emails = []string{c.key}
	}
	ns := append([]nameAcc(nil), c.names...)
	sort.Slice(ns, func(i, j int) bool {
		if ns[i].n != ns[j].n {
			return ns[i].n > ns[j].n
		}
		return ns[i].name < ns[j].name
	})
	for _, n := range ns {
		out.Names = append(out.Names, NameCount{Name: n.name, Count: n.n, OwnFrom: n.from})
	}
	out.Name = chooseName(c.names)
	if c.savedName != "" {
		out.Name = c.savedName // the name the user gave them
		if !hasName(out.Names, c.savedName) {
			out.Names = append(out.Names, NameCount{Name: c.savedName})
		}
	}
	out.SavedIn = append([]string(nil), c.saved...)
	sort.Strings(out.SavedIn)
	for _, f := range c.folders {
		out.Folders = append(out.Folders, b.folders[f])
	}
	sort.Strings(out.Folders)
	out.Automated, out.AutomatedReason = automated(c)
	return out
}

func hasName(ns []NameCount, name string) bool {
	for _, n := range ns {
		if n.Name == name {
			return true
		}
	}
	return false
}

// chooseName picks the name the person uses in their own From (most used
// there), else the most used name; ties go to the most recent, then to the
// first in byte order.
func chooseName(names []nameAcc) string {
	best := -1
	better := func(a, b nameAcc) bool {
		if (a.from > 0) != (b.from > 0) {
			return a.from > 0
		}
		if a.from != b.from {
			return a.from > b.from
		}
		if a.n != b.n {
			return a.n > b.n
		}
		if !a.last.Equal(b.last) {
			return a.last.After(b.last)
		}
		return a.name < b.name
	}
	for i := range names {
		if best < 0 || better(names[i], names[best]) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	return names[best].name
}

// automated decides whether an address is a machine's. A person the user
// has sent mail to is never automated because of the messages they were in;
// only an address that cannot be written to (no-reply, bounces) stays
// automated.
func automated(c *acc) (bool, string) {
	if reason, hard := addressAutomation(c.key); reason != "" && (hard || (c.sent == 0 && len(c.saved) == 0)) {
		return true, reason
	}
	if c.sent > 0 || c.human > 0 || len(c.saved) > 0 {
		return false, ""
	}
	switch {
	case c.auto > 0:
		return true, "only in " + c.autoReason
	case c.junk > 0:
		return true, "only in the junk folder"
	}
	return false, ""
}
