package mailstore

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
)

// Windows Live Mail (2009–2012) keeps one folder per account under
// %LOCALAPPDATA%\Microsoft\Windows Live Mail\, holding the account's
// settings (account{GUID}.oeaccount, XML in UTF-16) and one folder per
// mail folder, each message an .eml file; "Storage Folders" holds the
// local folders. Windows Mail (Vista) has the same files under
// ...\Microsoft\Windows Mail\, with "Local Folders" for the mail and the
// .oeaccount files beside it. Flags live in the app's database
// (Mail.MSMessageStore), which is not read: messages come without flags.

type wlmFormat struct{}

func init() { Register(wlmFormat{}) }

func (wlmFormat) Kind() string { return archive.SourceWindowsLiveMail }
func (wlmFormat) App() string  { return "Windows Live Mail" }

func wlmRoots(home, goos string) []string {
	home = windowsHome(home, goos)
	return []string{
		filepath.Join(home, "AppData", "Local", "Microsoft", "Windows Live Mail"),
		filepath.Join(home, "Local Settings", "Application Data", "Microsoft", "Windows Live Mail"),
		filepath.Join(home, "AppData", "Local", "Microsoft", "Windows Mail"),
	}
}

func (f wlmFormat) Find(home, goos string) ([]*Store, error) {
	var out []*Store
	for _, root := range wlmRoots(home, goos) {
		ents, err := os.ReadDir(root)
		if err != nil {
			continue
		}
		rootAccounts := wlmAccountFiles(root)
		for _, e := range ents {
			if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || strings.EqualFold(e.Name(), "Backup") {
				continue
			}
			dir := filepath.Join(root, e.Name())
			if !wlmHasEML(dir) {
				continue
			}
			s := wlmStore(dir)
			if s.Account.Server == "" && len(rootAccounts) == 1 { // Windows Mail: Local Folders of its one account
				s.Account = rootAccounts[0]
			}
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func wlmStore(dir string) *Store {
	s := &Store{Kind: archive.SourceWindowsLiveMail, App: "Windows Live Mail", Path: dir}
	if strings.Contains(filepath.Dir(dir), "Windows Mail") {
		s.App = "Windows Mail"
	}
	if accts := wlmAccountFiles(dir); len(accts) > 0 {
		s.Account = accts[0]
	} else {
		s.Account = Account{Name: filepath.Base(dir)}
	}
	s.Bytes = treeBytes(dir, isEMLName)
	return s
}

func isEMLName(n string) bool { return hasSuffixFold(n, ".eml") }

// wlmHasEML reports whether an .eml file is anywhere under dir.
func wlmHasEML(dir string) bool {
	found := errors.New("found")
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && isEMLName(d.Name()) {
			return found
		}
		return nil
	})
	return err == found
}

// wlmAccountFiles reads the .oeaccount files in dir.
func wlmAccountFiles(dir string) []Account {
	ents, _ := os.ReadDir(dir)
	var out []Account
	for _, e := range ents {
		if !e.Type().IsRegular() || !hasSuffixFold(e.Name(), ".oeaccount") {
			continue
		}
		b, err := readStoreFile(filepath.Join(dir, e.Name()), e.Name(), 1<<20)
		if err != nil {
			continue
		}
		if a, ok := parseOEAccount(b); ok {
			out = append(out, a)
		}
	}
	return out
}

// parseOEAccount reads an .oeaccount file: XML, usually UTF-16 with a
// byte order mark, one element per setting.
func parseOEAccount(b []byte) (Account, bool) {
	b, ok := xmlUTF8(b)
	if !ok {
		return Account{}, false
	}
	vals := map[string]string{}
	d := xml.NewDecoder(bytes.NewReader(b))
	var cur string
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			cur = strings.ToLower(t.Name.Local)
		case xml.CharData:
			if cur != "" {
				vals[cur] += string(t)
			}
		case xml.EndElement:
			cur = ""
		}
	}
	if len(vals) == 0 {
		return Account{}, false
	}
	a := Account{Name: strings.TrimSpace(vals["account_name"]), Address: strings.TrimSpace(vals["smtp_email_address"])}
	switch {
	case vals["pop3_server"] != "":
		a.Protocol, a.Server, a.User = "pop3", strings.TrimSpace(vals["pop3_server"]), strings.TrimSpace(vals["pop3_user_name"])
	case vals["imap_server"] != "":
		a.Protocol, a.Server, a.User = "imap", strings.TrimSpace(vals["imap_server"]), strings.TrimSpace(vals["imap_user_name"])
	case vals["httpmail_server"] != "" || vals["domain"] != "":
		a.User = strings.TrimSpace(vals["httpmail_user_name"])
	}
	return a, true
}

// Probe recognises a folder holding .eml files at some depth and an
// .oeaccount file, or a Windows (Live) Mail folder of account folders is
// left to Find. A bare folder of .eml files is the "eml" format's.
func (f wlmFormat) Probe(path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil || !isDir(abs) {
		return nil, nil
	}
	if len(wlmAccountFiles(abs)) > 0 && wlmHasEML(abs) {
		return wlmStore(abs), nil
	}
	return nil, nil
}

func (f wlmFormat) Open(s *Store) (Reader, error) {
	if !isDir(s.Path) {
		return nil, mailerr.New(mailerr.BadInput, "open", s.Path, errors.New("is not a Windows Live Mail folder"))
	}
	return &wlmReader{root: s.Path}, nil
}

type wlmReader struct{ root string }

func (r *wlmReader) Close() error { return nil }

func (r *wlmReader) Folders(ctx context.Context) ([]Folder, error) {
	var out []Folder
	err := filepath.WalkDir(r.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == r.root {
				return err
			}
			return nil
		}
		if !(d.IsDir() || isLink(d)) || p == r.root || (isLink(d) && isEMLName(d.Name())) {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		rel := relPath(r.root, p)
		out = append(out, Folder{Name: rel, Role: wlmRole(d.Name(), !strings.Contains(rel, "/")), Origin: rel})
		return nil
	})
	if err != nil {
		return nil, mailerr.FromFS("list", r.root, err)
	}
	return out, ctx.Err()
}

// wlmRole is the role of a Windows Live Mail folder: a top folder named as
// Outlook Express named its folders, or its junk folder.
func wlmRole(name string, top bool) string {
	if !top {
		return ""
	}
	switch strings.ToLower(name) {
	case "junk e-mail", "迷惑メール":
		return "junk"
	}
	return dbxRole(name)
}

// wlmDate is the Date header's time of the .eml at path (the app keeps
// the arrival time in its database only); zero when it cannot be read.
func wlmDate(path, rel string) time.Time {
	f, _, err := openStoreFile(path, rel)
	if err != nil {
		return time.Time{}
	}
	defer f.Close()
	head := make([]byte, 16<<10)
	n, _ := io.ReadFull(f, head)
	return messageDate(head[:n])
}

// Messages gives each .eml file of the folder (not of its sub-folders),
// in name order, as it is.
func (r *wlmReader) Messages(ctx context.Context, fo Folder, fn func(*Message) error) error {
	dir := filepath.Join(r.root, filepath.FromSlash(fo.Origin))
	if err := folderNotLink(dir, fo.Origin); err != nil {
		return err
	}
	list := func() ([]fs.DirEntry, fingerprint, error) {
		ents, err := os.ReadDir(dir)
		var fp fingerprint
		var out []fs.DirEntry
		for _, e := range ents {
			if e.IsDir() || !isEMLName(e.Name()) {
				continue
			}
			out = append(out, e)
			if fi, err := e.Info(); err == nil {
				fp.add(e.Name(), fi)
			}
		}
		return out, fp, err
	}
	ents, before, err := list()
	if err != nil {
		return mailerr.FromFS("list", fo.Origin, err)
	}
	for _, e := range ents {
		if err := ctx.Err(); err != nil {
			return err
		}
		path := filepath.Join(dir, e.Name())
		rel := relPath(r.root, path)
		info, _ := e.Info()
		m := &Message{Origin: rel, Date: wlmDate(path, rel), Open: func() (io.ReadCloser, error) {
			f, fi, err := openStoreFile(path, rel)
			if err != nil {
				return nil, err
			}
			if info != nil && (fi.Size() != info.Size() || !fi.ModTime().Equal(info.ModTime())) {
				f.Close()
				return nil, mailerr.New(mailerr.BadInput, "read", rel, ErrChanged)
			}
			return sectionFile{io.NewSectionReader(f, 0, fi.Size()), f}, nil
		}}
		if err := fn(m); err != nil {
			return err
		}
	}
	if _, after, err := list(); err != nil || after != before {
		return ErrChanged
	}
	return nil
}
