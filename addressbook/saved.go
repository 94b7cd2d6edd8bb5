package addressbook

import (
	"context"
	"fmt"
	"sort"

	"github.com/mailark/mailark/internal/mailstore"
	"github.com/mailark/mailark/internal/mailtext"
)

// Saved contacts: the people the user kept in a mail app's own address book
// (Apple Contacts, Thunderbird, Windows Contacts, Becky!, a vCard or CSV
// export). They join the address book with their source shown
// (Contact.SavedIn), keep the name the user gave them, rank as known even with
// little or no mail (weightSaved in rank.go), and are never taken for an
// automated sender unless the address itself cannot receive mail.

// Saved is one contact of a mail app's address book.
type Saved struct {
	Name   string
	Emails []string
	Source string // the app, as users know it: "Apple Contacts"
}

// addSaved merges one saved contact into the builder.
func (b *Builder) addSaved(s Saved) {
	name := personName(s.Name, "")
	for _, e := range s.Emails {
		disp, key, ok := mailtext.NormalizeEmail(e)
		if !ok {
			continue
		}
		c := b.contacts[key]
		if c == nil {
			c = &acc{key: key}
			b.contacts[key] = c
		}
		if !c.hasVariant(disp) {
			c.variants = append(c.variants, variantAcc{email: disp})
		}
		if s.Source != "" && !containsString(c.saved, s.Source) {
			c.saved = append(c.saved, s.Source)
		}
		if name != "" && c.savedName == "" {
			c.savedName = name
		}
	}
}

func (c *acc) hasVariant(email string) bool {
	for _, v := range c.variants {
		if v.email == email {
			return true
		}
	}
	return false
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FindSaved reads the address books of the mail apps in their default
// places under home for the OS goos (none when home is ""), and those at
// paths. A book or file that
// cannot be read is named in problems (one line each) and the rest is
// read: an unreadable address book never hides the others, nor the mail.
func FindSaved(ctx context.Context, home, goos string, paths []string) (saved []Saved, problems []string) {
	var books []mailstore.AddressBook
	if home != "" {
		books = mailstore.FindAddressBooks(home, goos)
	}
	for _, p := range paths {
		if b := mailstore.ProbeAddressBook(p); b != nil {
			books = append(books, *b)
		} else {
			problems = append(problems, fmt.Sprintf("%s: not an address book Mailark can read", p))
		}
	}
	for _, book := range books {
		err := mailstore.ReadAddressBook(ctx, book, func(c mailstore.Contact) error {
			src := c.Source
			if src == "" {
				src = book.App
			}
			saved = append(saved, Saved{Name: c.Name, Emails: c.Emails, Source: src})
			return nil
		}, func(origin string, err error) {
			problems = append(problems, fmt.Sprintf("%s (%s): %v", book.Path, origin, err))
		})
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", book.Path, err))
		}
	}
	sort.Strings(problems)
	return saved, problems
}
