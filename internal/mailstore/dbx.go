package mailstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/mailerr"
)

// Outlook Express 5 and 6 keep each mail folder in one .dbx file, in the
// identity's store folder: ...\Identities\{GUID}\Microsoft\Outlook
// Express\ under "Local Settings\Application Data" (Windows 2000/XP) or
// "Application Data" (98/Me). Folders.dbx names the folders and how they
// nest. The accounts are in the registry, not in files: a store says its
// identity only.

type dbxFormat struct{}

func init() { Register(dbxFormat{}) }

func (dbxFormat) Kind() string { return archive.SourceOutlookExpress }
func (dbxFormat) App() string  { return "Outlook Express" }

func (f dbxFormat) Find(home, goos string) ([]*Store, error) {
	home = windowsHome(home, goos)
	var out []*Store
	for _, base := range []string{
		filepath.Join(home, "Local Settings", "Application Data", "Identities"),
		filepath.Join(home, "Application Data", "Identities"),
		filepath.Join(home, "AppData", "Local", "Identities"),
	} {
		ids, _ := os.ReadDir(base)
		for _, id := range ids {
			dir := filepath.Join(base, id.Name(), "Microsoft", "Outlook Express")
			if id.IsDir() && dbxHasFiles(dir) {
				out = append(out, dbxStore(dir, id.Name()))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func dbxStore(dir, identity string) *Store {
	s := &Store{Kind: archive.SourceOutlookExpress, App: "Outlook Express", Path: dir}
	if identity != "" {
		s.Account.Name = "Outlook Express identity " + identity
	}
	s.Bytes = treeBytes(dir, isMailDBX)
	return s
}

func isMailDBX(name string) bool {
	if !hasSuffixFold(name, ".dbx") {
		return false
	}
	switch strings.ToLower(name) {
	case "folders.dbx", "offline.dbx", "pop3uidl.dbx", "cleanup.dbx":
		return false
	}
	return true
}

func dbxHasFiles(dir string) bool {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Type().IsRegular() && isMailDBX(e.Name()) {
			return true
		}
	}
	return false
}

// Probe recognises a folder holding .dbx files, or one .dbx file.
func (f dbxFormat) Probe(path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil
	}
	if isFile(abs) && isMailDBX(filepath.Base(abs)) {
		s := dbxStore(filepath.Dir(abs), "")
		s.Path = abs
		s.Bytes = 0
		if fi, err := os.Stat(abs); err == nil {
			s.Bytes = fi.Size()
		}
		return s, nil
	}
	if isDir(abs) && dbxHasFiles(abs) {
		return dbxStore(abs, ""), nil
	}
	return nil, nil
}

func (f dbxFormat) Open(s *Store) (Reader, error) {
	if isFile(s.Path) {
		return &dbxReader{root: filepath.Dir(s.Path), only: filepath.Base(s.Path)}, nil
	}
	if !isDir(s.Path) {
		return nil, mailerr.New(mailerr.BadInput, "open", s.Path, errors.New("is not an Outlook Express store folder"))
	}
	return &dbxReader{root: s.Path}, nil
}

type dbxReader struct {
	root string
	only string // one file of root, when the store is a file
}

func (r *dbxReader) Close() error { return nil }

// Folders names each .dbx file by Folders.dbx (its name and its parents'),
// or by the file's own name.
func (r *dbxReader) Folders(ctx context.Context) ([]Folder, error) {
	names := r.folderNames()
	ents, err := os.ReadDir(r.root)
	if err != nil {
		return nil, mailerr.FromFS("list", r.root, err)
	}
	var out []Folder
	for _, e := range ents {
		if !isMailDBX(e.Name()) || (r.only != "" && e.Name() != r.only) {
			continue
		}
		base := strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))
		name := names[strings.ToLower(e.Name())]
		if name == "" {
			name = base
		}
		out = append(out, Folder{Name: name, Role: dbxRole(base), Origin: e.Name()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, ctx.Err()
}

// dbxRole is the role of an Outlook Express folder from its name, in
// English or Japanese.
func dbxRole(base string) string {
	switch strings.ToLower(base) {
	case "inbox", "受信トレイ":
		return "inbox"
	case "sent items", "送信済みアイテム":
		return "sent"
	case "drafts", "下書き":
		return "drafts"
	case "deleted items", "削除済みアイテム":
		return "trash"
	}
	return ""
}

// folderNames reads Folders.dbx: file name (lower case) → folder path.
// A damaged Folders.dbx leaves the names to the files.
func (r *dbxReader) folderNames() map[string]string {
	out := map[string]string{}
	path := filepath.Join(r.root, "Folders.dbx")
	f, fi, err := openStoreFile(path, "Folders.dbx")
	if err != nil {
		return out
	}
	defer f.Close()
	d, err := openDBX(f, fi.Size())
	if err != nil || d.kind() != dbxKindFolders {
		return out
	}
	return dbxFolderNames(d)
}

// dbxFolderNames reads the folder tree of Folders.dbx.
func dbxFolderNames(d *dbxFile) map[string]string {
	out := map[string]string{}
	root := d.word(0x3B)
	if root == 0 {
		root = d.word(0x39)
	}
	vals, _ := d.treeValues(root)
	type folder struct {
		parent uint32
		name   string
		file   string
	}
	byID := map[uint32]folder{}
	for _, v := range vals {
		in, err := d.info(v)
		if err != nil {
			continue
		}
		id, _ := in.uint(0)
		parent, _ := in.uint(1)
		byID[id] = folder{parent: parent, name: decodeANSI(in.str(2)), file: decodeANSI(in.str(3))}
	}
	for id, fo := range byID {
		if fo.file == "" {
			continue
		}
		name := fo.name
		seen := map[uint32]bool{id: true}
		for p := fo.parent; p != 0 && !seen[p]; {
			seen[p] = true
			pf, ok := byID[p]
			if !ok || pf.name == "" || pf.parent == 0 {
				break // the root ("Local Folders" or the account) is left out
			}
			name = pf.name + "/" + name
			p = pf.parent
		}
		if name != "" {
			out[strings.ToLower(filepath.Base(fo.file))] = name
		}
	}
	return out
}

func (r *dbxReader) Messages(ctx context.Context, fo Folder, fn func(*Message) error) error {
	path := filepath.Join(r.root, filepath.FromSlash(fo.Origin))
	rel := fo.Origin
	f, before, err := openStoreFile(path, rel)
	if err != nil {
		return err
	}
	defer f.Close()
	d, err := openDBX(f, before.Size())
	if err != nil {
		return mailerr.New(mailerr.BadInput, "read", rel, err)
	}
	if d.kind() != dbxKindMessage {
		return mailerr.New(mailerr.BadInput, "read", rel, errors.New("is an Outlook Express file without mail"))
	}
	vals, treeErr := d.treeValues(d.word(0x39))
	for _, v := range vals {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(r.dbxMessage(d, path, rel, v, before)); err != nil {
			return err
		}
	}
	if treeErr != nil {
		return mailerr.New(mailerr.BadInput, "read", rel, fmt.Errorf("is damaged: %v; the %d messages before the damage were read", treeErr, len(vals)))
	}
	if cur, err := os.Lstat(path); err != nil || cur.Size() != before.Size() || !cur.ModTime().Equal(before.ModTime()) {
		return ErrChanged
	}
	return nil
}

// dbxMessage describes the message whose info object is at addr.
func (r *dbxReader) dbxMessage(d *dbxFile, path, rel string, addr uint32, before os.FileInfo) *Message {
	m := &Message{Origin: fmt.Sprintf("%s@%d", rel, addr)}
	fail := func(err error) *Message {
		m.Open = func() (io.ReadCloser, error) {
			return nil, mailerr.New(mailerr.BadInput, "read", m.Origin, err)
		}
		return m
	}
	in, err := d.info(addr)
	if err != nil {
		return fail(err)
	}
	if v, ok := in.uint(1); ok {
		m.Flags = dbxFlags(v)
	}
	m.Date = in.time(0x12)
	msgAddr, ok := in.uint(4)
	if !ok {
		return fail(errors.New("has no message body (only its headers were downloaded)"))
	}
	if _, err := d.chain(msgAddr, nil); err != nil {
		return fail(err)
	}
	m.Open = func() (io.ReadCloser, error) {
		f, fi, err := openStoreFile(path, rel)
		if err != nil {
			return nil, err
		}
		if fi.Size() != before.Size() || !fi.ModTime().Equal(before.ModTime()) {
			f.Close()
			return nil, mailerr.New(mailerr.BadInput, "read", rel, ErrChanged)
		}
		d2 := &dbxFile{r: f, size: fi.Size(), hdr: d.hdr}
		pr, pw := io.Pipe()
		go func() {
			defer f.Close()
			_, err := d2.chain(msgAddr, func(off int64, n int) error {
				_, err := io.Copy(pw, io.NewSectionReader(f, off, int64(n)))
				return err
			})
			if err != nil {
				err = mailerr.New(mailerr.BadInput, "read", m.Origin, err)
			}
			pw.CloseWithError(err)
		}()
		return pr, nil
	}
	return m
}
