package mailstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mailark/mailark/internal/mailerr"
)

// Address books kept by mail apps on this computer: Apple Contacts
// (AddressBook-v22.abcddb, SQLite), Thunderbird (abook*.sqlite and the
// collected addresses of history.sqlite), Windows Contacts (.contact XML
// files) and Becky! (.bab files of vCards in the AddrBook folder). They
// are read like the mail stores: read-only (SQLite files opened immutable),
// one bad file an error of its own, never a panic.
//
// The address book (package addressbook) merges these with what it
// learns from the archive, showing where each contact came from.

// Address book kinds (AddressBook.Kind).
const (
	BookAppleContacts   = "apple-contacts"
	BookThunderbird     = "thunderbird"
	BookThunderbirdSeen = "thunderbird-collected" // history.sqlite: addresses Thunderbird collected from mail sent
	BookWindowsContacts = "windows-contacts"
	BookBecky           = "becky"
	BookVCard           = "vcard" // .vcf files, as Windows Live Mail, Outlook Express and others export them
	BookCSV             = "csv"   // a CSV export (Windows Live Mail, Outlook Express)
)

// AddressBook is one address book found on disk.
type AddressBook struct {
	Kind string
	App  string // "Apple Contacts", "Thunderbird"…
	Path string // the file or folder, absolute
}

// Contact is one entry of an address book.
type Contact struct {
	Name   string   // as the app shows it; "" if it has none
	Emails []string // in the app's order, as written
	Source string   // the app: "Apple Contacts", "Thunderbird", "Windows Contacts", "Becky!"
	Origin string   // the file it was read from, relative to the book's Path ("" for a one-file book)
}

// FindAddressBooks returns the address books in the apps' default places
// under home for the OS goos, as Format.Find does for mail.
func FindAddressBooks(home, goos string) []AddressBook {
	var out []AddressBook
	add := func(kind, app, path string) {
		if abs, err := filepath.Abs(path); err == nil {
			out = append(out, AddressBook{Kind: kind, App: app, Path: abs})
		}
	}
	// Apple Contacts: the local book and one per account under Sources/.
	ab := filepath.Join(home, "Library", "Application Support", "AddressBook")
	if isFile(filepath.Join(ab, "AddressBook-v22.abcddb")) {
		add(BookAppleContacts, "Apple Contacts", filepath.Join(ab, "AddressBook-v22.abcddb"))
	}
	srcs, _ := filepath.Glob(filepath.Join(ab, "Sources", "*", "AddressBook-v22.abcddb"))
	for _, s := range srcs {
		add(BookAppleContacts, "Apple Contacts", s)
	}
	// Thunderbird: every profile's abook*.sqlite and history.sqlite.
	for _, profiles := range []string{
		filepath.Join(home, ".thunderbird"),
		filepath.Join(home, "snap", "thunderbird", "common", ".thunderbird"),
		filepath.Join(home, ".var", "app", "org.mozilla.Thunderbird", ".thunderbird"),
		filepath.Join(home, "AppData", "Roaming", "Thunderbird", "Profiles"),
		filepath.Join(home, "Application Data", "Thunderbird", "Profiles"),
		filepath.Join(home, "Library", "Thunderbird", "Profiles"),
	} {
		books, _ := filepath.Glob(filepath.Join(profiles, "*", "abook*.sqlite"))
		sort.Strings(books)
		for _, b := range books {
			add(BookThunderbird, "Thunderbird", b)
		}
		hist, _ := filepath.Glob(filepath.Join(profiles, "*", "history.sqlite"))
		for _, h := range hist {
			add(BookThunderbirdSeen, "Thunderbird", h)
		}
	}
	// Windows Contacts.
	if goos == "windows" && isDir(filepath.Join(home, "Contacts")) {
		add(BookWindowsContacts, "Windows Contacts", filepath.Join(home, "Contacts"))
	}
	// Becky!: <user folder>/AddrBook.
	for _, root := range beckyDataRoots(home, goos) {
		for _, p := range []string{filepath.Join(root, "AddrBook")} {
			if isDir(p) {
				add(BookBecky, "Becky!", p)
			}
		}
		users, _ := filepath.Glob(filepath.Join(root, "*", "AddrBook"))
		for _, p := range users {
			if isDir(p) {
				add(BookBecky, "Becky!", p)
			}
		}
	}
	return out
}

// ProbeAddressBook recognises an address book file or folder given by
// the user; nil when it is none.
func ProbeAddressBook(path string) *AddressBook {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil
	}
	name := strings.ToLower(filepath.Base(abs))
	switch {
	case isFile(abs) && strings.HasSuffix(name, ".abcddb"):
		return &AddressBook{Kind: BookAppleContacts, App: "Apple Contacts", Path: abs}
	case isFile(abs) && name == "history.sqlite":
		return &AddressBook{Kind: BookThunderbirdSeen, App: "Thunderbird", Path: abs}
	case isFile(abs) && strings.HasPrefix(name, "abook") && strings.HasSuffix(name, ".sqlite"):
		return &AddressBook{Kind: BookThunderbird, App: "Thunderbird", Path: abs}
	case isFile(abs) && (strings.HasSuffix(name, ".contact") || strings.HasSuffix(name, ".bab")),
		isDir(abs) && hasFileWithSuffix(abs, ".contact"):
		if strings.HasSuffix(name, ".bab") {
			return &AddressBook{Kind: BookBecky, App: "Becky!", Path: abs}
		}
		return &AddressBook{Kind: BookWindowsContacts, App: "Windows Contacts", Path: abs}
	case isDir(abs) && hasFileWithSuffix(abs, ".bab"):
		return &AddressBook{Kind: BookBecky, App: "Becky!", Path: abs}
	case isFile(abs) && strings.HasSuffix(name, ".vcf"), isDir(abs) && hasFileWithSuffix(abs, ".vcf"):
		return &AddressBook{Kind: BookVCard, App: "vCard", Path: abs}
	case isFile(abs) && strings.HasSuffix(name, ".csv"):
		return &AddressBook{Kind: BookCSV, App: "CSV", Path: abs}
	}
	return nil
}

// hasFileWithSuffix reports whether a file ending in suffix is anywhere
// under dir.
func hasFileWithSuffix(dir, suffix string) bool {
	found := false
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && hasSuffixFold(d.Name(), suffix) {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

// ReadAddressBook calls fn for each contact with at least one address.
// An error from fn stops it and is returned. A file of a folder book
// that cannot be read is reported through skip (with why) and the rest
// is read; a one-file book that cannot be read is the error.
func ReadAddressBook(ctx context.Context, b AddressBook, fn func(Contact) error, skip func(origin string, err error)) error {
	if skip == nil {
		skip = func(string, error) {}
	}
	switch b.Kind {
	case BookAppleContacts:
		return readAppleContacts(ctx, b.Path, fn)
	case BookThunderbird:
		return readThunderbirdBook(ctx, b.Path, fn)
	case BookThunderbirdSeen:
		return readThunderbirdHistory(ctx, b.Path, fn)
	case BookWindowsContacts:
		return readWindowsContacts(ctx, b.Path, fn, skip)
	case BookBecky:
		return readBeckyBook(ctx, b.Path, fn, skip)
	case BookVCard:
		return readVCardBook(ctx, b.Path, fn, skip)
	case BookCSV:
		return readCSVBook(ctx, b.Path, fn)
	}
	return mailerr.New(mailerr.BadInput, "read", b.Path, errors.New("is not an address book Mailark knows"))
}

// cleanEmails trims, drops empties and repeats (case-insensitively), and
// keeps the order.
func cleanEmails(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range in {
		e = strings.TrimSpace(e)
		e = strings.TrimPrefix(strings.TrimPrefix(e, "mailto:"), "MAILTO:")
		k := strings.ToLower(e)
		if e == "" || seen[k] || !strings.Contains(e, "@") {
			continue
		}
		seen[k] = true
		out = append(out, e)
	}
	return out
}

// personName joins given and family names: family first for CJK names,
// as Japanese address books show them.
func personName(given, family string) string {
	given, family = strings.TrimSpace(given), strings.TrimSpace(family)
	switch {
	case given == "":
		return family
	case family == "":
		return given
	case isCJK(given) || isCJK(family):
		return family + " " + given
	}
	return given + " " + family
}

func isCJK(s string) bool {
	for _, r := range s {
		if r >= 0x2E80 {
			return true
		}
	}
	return false
}
