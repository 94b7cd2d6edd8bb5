package mailstore

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/mailark/mailark/internal/archive"
)

// Apple Mail keeps its mail in ~/Library/Mail/V<n>/ (V2 from Mac OS X
// 10.7 to V10 today), one folder per account: "POP-user@host",
// "IMAP-user@host" in V2, the account's UUID from V3 on, and "Mailboxes"
// for the local folders ("On My Mac"). In an account folder each mailbox
// is a folder "<name>.mbox" (or "<name>.imapmbox"), holding its
// sub-mailboxes and its messages: in Messages/ (V2) or in
// <UUID>/Data/<digits>/Messages/ (V3 on), one .emlx or .partial.emlx file
// per message named by its number, with the attachments of partial ones
// in Attachments/<number>/<part>/ beside Messages/. Accounts are described
// in V2/MailData/Accounts.plist (V2) or in ~/Library/Accounts/
// Accounts4.sqlite (macOS's Internet Accounts, V3 on).
//
// Mail's "Export Mailbox…" writes "<name>.mbox" folders holding an mbox
// file "mbox" and a "table_of_contents"; they are read too (Probe).

type appleFormat struct{}

func init() { Register(appleFormat{}) }

func (appleFormat) Kind() string { return archive.SourceAppleMail }
func (appleFormat) App() string  { return "Apple Mail" }

var appleVersionDir = regexp.MustCompile(`^V[0-9]+$`)

// Find lists each account folder of each V<n> folder of ~/Library/Mail.
// Apple Mail runs only on macOS, but a copy of a Mac's home folder can be
// read anywhere, so goos is not checked.
func (f appleFormat) Find(home, goos string) ([]*Store, error) {
	mail := filepath.Join(home, "Library", "Mail")
	ents, err := os.ReadDir(mail)
	if err != nil {
		return nil, nil
	}
	accounts := appleAccounts(home, mail)
	var out []*Store
	for _, v := range ents {
		if v.IsDir() && appleVersionDir.MatchString(v.Name()) {
			out = append(out, appleAccountStores(filepath.Join(mail, v.Name()), accounts)...)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// appleAccountStores returns a store per account folder of the V<n>
// folder vdir.
func appleAccountStores(vdir string, accounts appleAccountIndex) []*Store {
	accts, err := os.ReadDir(vdir)
	if err != nil {
		return nil
	}
	var out []*Store
	for _, a := range accts {
		if !a.IsDir() || a.Name() == "MailData" || strings.HasPrefix(a.Name(), ".") {
			continue
		}
		dir := filepath.Join(vdir, a.Name())
		if !hasMailboxes(dir) {
			continue
		}
		out = append(out, &Store{
			Kind:    archive.SourceAppleMail,
			App:     "Apple Mail",
			Path:    dir,
			Account: accounts.lookup(dir, a.Name()),
			Bytes:   treeBytes(dir, isEmlxName),
		})
	}
	return out
}

// ProbeAll gives one store per account for a V<n> folder or a
// Library/Mail folder (as Find does), and Probe's one store otherwise.
func (f appleFormat) ProbeAll(path string) ([]*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil
	}
	home := appleHomeOf(filepath.Join(abs, "x"))
	var accounts appleAccountIndex
	if home != "" {
		accounts = appleAccounts(home, filepath.Join(home, "Library", "Mail"))
	} else {
		accounts = appleAccountIndex{byDir: map[string]Account{}}
	}
	switch {
	case appleVersionDir.MatchString(filepath.Base(abs)) && appleHasAccounts(abs):
		return appleAccountStores(abs, accounts), nil
	case filepath.Base(abs) == "Mail" && isDir(abs):
		ents, _ := os.ReadDir(abs)
		var out []*Store
		for _, v := range ents {
			if v.IsDir() && appleVersionDir.MatchString(v.Name()) {
				out = append(out, appleAccountStores(filepath.Join(abs, v.Name()), accounts)...)
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	return probeList(f, abs)
}

// hasMailboxes reports whether dir holds a .mbox or .imapmbox folder.
func hasMailboxes(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if e.IsDir() && isMailboxName(e.Name()) {
			return true
		}
	}
	return false
}

func isMailboxName(name string) bool {
	return hasSuffixFold(name, ".mbox") || hasSuffixFold(name, ".imapmbox")
}

func isEmlxName(name string) bool { return hasSuffixFold(name, ".emlx") }

// Probe recognises an account folder (holding .mbox folders), a V<n>
// folder, one mailbox folder, or an exported .mbox bundle.
func (f appleFormat) Probe(path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil
	}
	if !isDir(abs) {
		return nil, nil
	}
	s := &Store{Kind: archive.SourceAppleMail, App: "Apple Mail", Path: abs}
	switch {
	case isMailboxName(filepath.Base(abs)) && (isFile(filepath.Join(abs, "mbox")) || appleHasMessages(abs)):
	case hasMailboxes(abs):
	case appleVersionDir.MatchString(filepath.Base(abs)) && appleHasAccounts(abs):
	default:
		return nil, nil
	}
	home := appleHomeOf(abs)
	if home != "" {
		s.Account = appleAccounts(home, filepath.Join(home, "Library", "Mail")).lookup(abs, filepath.Base(abs))
	} else {
		s.Account = appleAccountFromDirName(filepath.Base(abs))
	}
	s.Bytes = treeBytes(abs, func(n string) bool { return isEmlxName(n) || n == "mbox" })
	return s, nil
}

func appleHasAccounts(dir string) bool {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() && hasMailboxes(filepath.Join(dir, e.Name())) {
			return true
		}
	}
	return false
}

// appleHasMessages reports whether the mailbox folder dir has a Messages
// folder, directly (V2) or under <UUID>/Data (V3 on).
func appleHasMessages(dir string) bool {
	if isDir(filepath.Join(dir, "Messages")) {
		return true
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() && isDir(filepath.Join(dir, e.Name(), "Data")) {
			return true
		}
	}
	return false
}

// appleHomeOf returns the home folder of a path inside
// <home>/Library/Mail, or "".
func appleHomeOf(path string) string {
	for p := path; ; {
		parent := filepath.Dir(p)
		if parent == p {
			return ""
		}
		if filepath.Base(p) == "Mail" && filepath.Base(parent) == "Library" {
			return filepath.Dir(parent)
		}
		p = parent
	}
}

func (f appleFormat) Open(s *Store) (Reader, error) {
	return openAppleReader(s.Path)
}
