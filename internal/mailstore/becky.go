package mailstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
)

// Becky! Internet Mail (RimArts, Windows; common in Japan) keeps its data
// in a data folder (C:\Becky!\<user>\ by default, Documents\Becky on
// later Windows, or wherever the user chose), which holds one folder per
// mailbox (an account), named like "4f3a1c2b.mb". A mailbox folder has
// Mailbox.ini (the account: [Account] Name=, MailAddress=, UserID=,
// POP3Server=…), and one folder per mail folder: "!!!!Inbox",
// "!!!!Outbox" (sent), "!!!!Unsent", "!Trash", and the user's own, nested,
// each listed in order in its parent's Folder.lst. Those files are in the
// Windows code page (Shift_JIS for Japanese users). A mail folder holds
// its messages in .bmf files: one message after another, each its header,
// an empty line and its body, ended by a line holding only "."; a body
// line that starts with "." has another "." before it (dot-stuffing, as
// in SMTP). An attachment kept apart is a line "X-Becky-Include: <path>"
// naming a file under the folder's #Attach folder. An "X-Becky-Status:"
// header holds flags in hex (1 read, 2 forwarded, 4 replied).

type beckyFormat struct{}

func init() { Register(beckyFormat{}) }

func (beckyFormat) Kind() string { return archive.SourceBecky }
func (beckyFormat) App() string  { return "Becky! Internet Mail" }

// beckyDataRoots are the places Becky!'s data folder is found, under a
// Windows home folder (C:\Users\<name>): Documents\Becky, AppData's
// RimArts\B2, C:\Becky! on the same drive; under a Linux home, the same
// inside Wine's drive_c.
func beckyDataRoots(home, goos string) []string {
	var roots []string
	winHome := func(h, drive string) {
		roots = append(roots,
			filepath.Join(h, "Documents", "Becky"),
			filepath.Join(h, "My Documents", "Becky"),
			filepath.Join(h, "AppData", "Roaming", "RimArts", "B2"),
			filepath.Join(drive, "Becky!"),
			filepath.Join(drive, "Program Files", "RimArts", "B2"),
			filepath.Join(drive, "Program Files (x86)", "RimArts", "B2"),
		)
	}
	switch goos {
	case "windows":
		winHome(home, filepath.Dir(filepath.Dir(home)))
	default:
		wine := filepath.Join(home, ".wine", "drive_c")
		user := filepath.Base(home)
		winHome(filepath.Join(wine, "users", user), wine)
	}
	return roots
}

func (f beckyFormat) Find(home, goos string) ([]*Store, error) {
	var out []*Store
	seen := map[string]bool{}
	for _, root := range beckyDataRoots(home, goos) {
		for _, mb := range beckyMailboxes(root) {
			if seen[mb] {
				continue
			}
			seen[mb] = true
			out = append(out, beckyStore(mb))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// beckyMailboxes returns the mailbox folders of a data folder: its own
// "*.mb" folders, or those of its user folders (one level down).
func beckyMailboxes(root string) []string {
	if !isDir(root) {
		return nil
	}
	var out []string
	ents, _ := os.ReadDir(root)
	for _, e := range ents {
		p := filepath.Join(root, e.Name())
		if !e.IsDir() {
			continue
		}
		if isBeckyMailbox(p) {
			out = append(out, p)
			continue
		}
		subs, _ := os.ReadDir(p)
		for _, s := range subs {
			if q := filepath.Join(p, s.Name()); s.IsDir() && isBeckyMailbox(q) {
				out = append(out, q)
			}
		}
	}
	return out
}

func isBeckyMailbox(dir string) bool {
	return isFile(filepath.Join(dir, "Mailbox.ini")) ||
		(hasSuffixFold(dir, ".mb") && isDir(dir))
}

func beckyStore(dir string) *Store {
	s := &Store{Kind: archive.SourceBecky, App: "Becky! Internet Mail", Path: dir}
	s.Account = beckyAccount(dir)
	s.Bytes = treeBytes(dir, func(n string) bool { return hasSuffixFold(n, ".bmf") })
	return s
}

// beckyAccount reads the mailbox's Mailbox.ini.
func beckyAccount(dir string) Account {
	b, err := readStoreFile(filepath.Join(dir, "Mailbox.ini"), "Mailbox.ini", 1<<20)
	if err != nil {
		return Account{Name: filepath.Base(dir)}
	}
	ini := parseINI(decodeANSI(b))
	a := Account{
		Name:    ini.get("Account", "Name"),
		Address: ini.get("Account", "MailAddress"),
		User:    ini.get("Account", "UserID"),
	}
	if a.Name == "" {
		a.Name = filepath.Base(dir)
	}
	// Becky! keeps the incoming server in MailServer and says IMAP with
	// Protocol=1, anything else being POP3 (as Thunderbird's own Becky!
	// import reads it: mailnews/import/becky/src/nsBeckySettings.cpp).
	a.Server = ini.get("Account", "MailServer")
	if a.Server != "" {
		a.Protocol = "pop3"
		if strings.TrimSpace(ini.get("Account", "Protocol")) == "1" {
			a.Protocol = "imap"
		}
	}
	return a
}

// Probe recognises a mailbox folder, or a folder holding .bmf files.
func (f beckyFormat) Probe(path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil || !isDir(abs) {
		return nil, nil
	}
	if isBeckyMailbox(abs) || beckyHasBMF(abs) {
		return beckyStore(abs), nil
	}
	return nil, nil
}

func beckyHasBMF(dir string) bool {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Type().IsRegular() && hasSuffixFold(e.Name(), ".bmf") {
			return true
		}
	}
	return false
}

func (f beckyFormat) Open(s *Store) (Reader, error) {
	if !isDir(s.Path) {
		return nil, mailerr.New(mailerr.BadInput, "open", s.Path, errors.New("is not a Becky! mailbox folder"))
	}
	return &beckyReader{root: s.Path}, nil
}

type beckyReader struct{ root string }

func (r *beckyReader) Close() error { return nil }

func (r *beckyReader) Folders(ctx context.Context) ([]Folder, error) {
	var out []Folder
	if beckyHasBMF(r.root) {
		name := beckyFolderName(r.root, filepath.Base(r.root))
		out = append(out, Folder{Name: name, Role: beckyRole(filepath.Base(r.root)), Origin: "."})
	}
	r.folders(r.root, "", &out, 0)
	return out, ctx.Err()
}

// folders adds the mail folders in dir: first in Folder.lst's order, then
// any other (Becky! leaves out Folder.lst when there is one sub-folder).
func (r *beckyReader) folders(dir, prefix string, out *[]Folder, depth int) {
	if depth > 64 {
		return
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	present := map[string]bool{}
	for _, e := range ents {
		if (e.IsDir() || isLink(e)) && !strings.HasPrefix(e.Name(), "#") && !hasSuffixFold(e.Name(), ".bmf") {
			present[e.Name()] = true
		}
	}
	var order []string
	if b, err := readStoreFile(filepath.Join(dir, "Folder.lst"), "Folder.lst", 1<<20); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			raw := strings.TrimRight(line, "\r")
			for _, cand := range []string{raw, decodeANSI([]byte(raw))} {
				if present[cand] {
					order = append(order, cand)
					delete(present, cand)
					break
				}
			}
		}
	}
	var rest []string
	for n := range present {
		rest = append(rest, n)
	}
	sort.Strings(rest)
	order = append(order, rest...)
	for _, n := range order {
		p := filepath.Join(dir, n)
		name := beckyFolderName(p, n)
		if prefix != "" {
			name = prefix + "/" + name
		}
		role := ""
		if depth == 0 {
			role = beckyRole(n)
		}
		*out = append(*out, Folder{Name: name, Role: role, Origin: relPath(r.root, p)})
		if isDir(p) {
			r.folders(p, name, out, depth+1)
		}
	}
}

// beckyFolderName is a folder's name for display: Name= of its Folder.ini
// if there is one, else its folder's name (decoded from Shift_JIS when a
// copy kept the bytes), with Becky!'s special names made plain.
func beckyFolderName(dir, dirName string) string {
	if b, err := readStoreFile(filepath.Join(dir, "Folder.ini"), "Folder.ini", 1<<20); err == nil {
		if n := parseINI(decodeANSI(b)).any("Name"); n != "" {
			return n
		}
	}
	n := dirName
	if !utf8.ValidString(n) {
		n = decodeANSI([]byte(n))
	}
	switch strings.ToLower(n) {
	case "!!!!inbox":
		return "Inbox"
	case "!!!!outbox":
		return "Sent"
	case "!!!!unsent":
		return "Unsent"
	case "!trash":
		return "Trash"
	}
	return strings.TrimLeft(n, "!")
}

func beckyRole(dirName string) string {
	switch strings.ToLower(dirName) {
	case "!!!!inbox":
		return "inbox"
	case "!!!!outbox":
		return "sent"
	case "!!!!unsent":
		return "drafts"
	case "!trash":
		return "trash"
	}
	return ""
}
