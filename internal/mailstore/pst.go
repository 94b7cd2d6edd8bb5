package mailstore

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/mailark/mailark/internal/mailerr"
)

// Outlook (for Windows) keeps mail in .pst files (POP3 and archives) and
// .ost files (IMAP, Exchange, Outlook.com caches). Mailark does not read
// them yet, but it finds them, so that the mail in them is never taken
// for safe: each is listed with its size and, as far as its name tells
// (Outlook 2013 on names it after the account's address), its account,
// with NotRead set. Outlook for Mac's profile (a database of its own) is
// listed the same way.

// KindOutlook is the kind of Outlook's stores. No import reads them, so
// the archive has no source kind for them.
const KindOutlook = "outlook"

// notReadOutlook is Store.NotRead for Outlook's files.
const notReadOutlook = "Outlook's own data file is not read yet: open it in Outlook and copy its folders " +
	"into an IMAP account that Mailark backs up (or into Thunderbird), then look again; until then the " +
	"removal stays closed for this account"

type pstFormat struct{}

func init() { Register(pstFormat{}) }

func (pstFormat) Kind() string { return KindOutlook }
func (pstFormat) App() string  { return "Outlook" }

// pstPlaces are the folders Outlook puts its data files in, under a
// Windows home folder.
func pstPlaces(home string) []string {
	return []string{
		filepath.Join(home, "Documents", "Outlook Files"),
		filepath.Join(home, "My Documents", "Outlook Files"),
		filepath.Join(home, "AppData", "Local", "Microsoft", "Outlook"),
		filepath.Join(home, "Local Settings", "Application Data", "Microsoft", "Outlook"),
		filepath.Join(home, "AppData", "Roaming", "Microsoft", "Outlook"),
	}
}

func (f pstFormat) Find(home, goos string) ([]*Store, error) {
	var out []*Store
	switch goos {
	case "darwin":
		for _, p := range []string{
			filepath.Join(home, "Library", "Group Containers", "UBF8T346G9.Office", "Outlook", "Outlook 15 Profiles"),
			filepath.Join(home, "Documents", "Microsoft User Data", "Office 2011 Identities"),
		} {
			if isDir(p) {
				out = append(out, &Store{Kind: KindOutlook, App: "Outlook for Mac", Path: p,
					NotRead: strings.Replace(notReadOutlook, "Outlook's own data file", "Outlook for Mac's own data", 1),
					Bytes:   treeBytes(p, nil)})
			}
		}
	default:
		home = windowsHome(home, goos)
		seen := map[string]bool{}
		for _, dir := range pstPlaces(home) {
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				p := filepath.Join(dir, e.Name())
				if e.Type().IsRegular() && isPSTName(e.Name()) && !seen[p] {
					seen[p] = true
					out = append(out, pstStore(p))
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func isPSTName(n string) bool { return hasSuffixFold(n, ".pst") || hasSuffixFold(n, ".ost") }

var pstAddress = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

// pstStore describes one data file, reading only its first bytes.
func pstStore(path string) *Store {
	s := &Store{Kind: KindOutlook, App: "Outlook", Path: path, NotRead: notReadOutlook}
	if fi, err := os.Stat(path); err == nil {
		s.Bytes = fi.Size()
	}
	name := filepath.Base(path)
	base := strings.TrimSuffix(name, filepath.Ext(name))
	s.Account.Name = base
	if a := pstAddress.FindString(base); a != "" {
		s.Account.Address = a
	}
	if hasSuffixFold(name, ".ost") {
		s.Account.Protocol = "imap" // an .ost is a server's cache
	}
	if f, _, err := openStoreFile(path, name); err == nil {
		var magic [4]byte
		_, err := io.ReadFull(f, magic[:])
		f.Close()
		if err != nil || !bytes.Equal(magic[:], []byte("!BDN")) {
			s.NotRead = "This file does not start like an Outlook data file (it may be damaged or not Outlook's); " + notReadOutlook
		}
	}
	return s
}

// Probe recognises a .pst or .ost file, or a folder holding exactly one.
func (f pstFormat) Probe(path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil
	}
	if isFile(abs) && isPSTName(filepath.Base(abs)) {
		return pstStore(abs), nil
	}
	if isDir(abs) {
		ents, _ := os.ReadDir(abs)
		var found []string
		for _, e := range ents {
			if e.Type().IsRegular() && isPSTName(e.Name()) {
				found = append(found, e.Name())
			}
		}
		if len(found) == 1 {
			return pstStore(filepath.Join(abs, found[0])), nil
		}
	}
	return nil, nil
}

// Open refuses: Outlook's files are not read yet.
func (f pstFormat) Open(s *Store) (Reader, error) {
	return nil, mailerr.New(mailerr.BadInput, "open", s.Path, errors.New(notReadOutlook))
}
