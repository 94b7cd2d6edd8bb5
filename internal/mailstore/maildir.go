package mailstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// maildirFormat reads a Maildir (cur/, new/, tmp/) with its Maildir++
// subfolders (".Sent", ".Archive.2019"), or a folder of Maildirs. Flags come
// from the info suffix of each file's name (":2,FRS"); a message still in
// new/ is unseen. Files in tmp/ are deliveries not finished: not read.
type maildirFormat struct{}

func init() { Register(maildirFormat{}) }

func (maildirFormat) Kind() string { return "maildir" }
func (maildirFormat) App() string  { return "Maildir" }

func (f maildirFormat) Find(home, goos string) ([]*Store, error) {
	if goos == "windows" {
		return nil, nil
	}
	return probeList(f, filepath.Join(home, "Maildir"))
}

// isMaildir reports whether dir has cur/ and new/.
func isMaildir(dir string) bool {
	return isDir(filepath.Join(dir, "cur")) && isDir(filepath.Join(dir, "new"))
}

func (f maildirFormat) Probe(path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if !isDir(abs) {
		return nil, nil
	}
	folders := maildirFolders(abs)
	if len(folders) == 0 {
		return nil, nil
	}
	s := &Store{Kind: f.Kind(), App: f.App(), Path: abs}
	for _, fo := range folders {
		for _, sub := range []string{"cur", "new"} {
			ents, _ := os.ReadDir(filepath.Join(abs, filepath.FromSlash(fo.Origin), sub))
			for _, e := range ents {
				if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
					s.Bytes += fi.Size()
				}
			}
		}
	}
	return s, nil
}

// maildirFolders lists the Maildirs of a store: the root with its
// Maildir++ subfolders, or each Maildir found below the root.
func maildirFolders(root string) []Folder {
	var out []Folder
	if isMaildir(root) {
		out = append(out, Folder{Name: "INBOX", Role: "inbox", Origin: "."})
		ents, _ := os.ReadDir(root)
		for _, e := range ents {
			n := e.Name()
			if e.IsDir() && len(n) > 1 && n[0] == '.' && n != ".." && isMaildir(filepath.Join(root, n)) {
				name := strings.ReplaceAll(n[1:], ".", "/")
				out = append(out, Folder{Name: name, Role: roleOf(name), Origin: n})
			}
		}
		return out
	}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || p == root {
			return nil
		}
		if isMaildir(p) {
			rel, _ := filepath.Rel(root, p)
			rel = filepath.ToSlash(rel)
			out = append(out, Folder{Name: rel, Role: roleOf(filepath.Base(rel)), Origin: rel})
			return fs.SkipDir
		}
		return nil
	})
	return out
}

func (f maildirFormat) Open(s *Store) (Reader, error) { return &maildirReader{root: s.Path}, nil }

type maildirReader struct {
	root       string
	mozHeaders bool // Thunderbird's Maildir: flags are in X-Mozilla-Status
}

func (r *maildirReader) Folders(ctx context.Context) ([]Folder, error) {
	return maildirFolders(r.root), nil
}

func (r *maildirReader) Messages(ctx context.Context, f Folder, fn func(*Message) error) error {
	return maildirMessages(ctx, r.root, f.Origin, r.mozHeaders, fn)
}

func (r *maildirReader) Close() error { return nil }

// maildirMessages reads the messages of the Maildir at root/origin: cur/
// then new/ (Thunderbird's have no new/), each by name.
func maildirMessages(ctx context.Context, root, origin string, mozHeaders bool, fn func(*Message) error) error {
	dir := filepath.Join(root, filepath.FromSlash(origin))
	for _, sub := range []string{"cur", "new"} {
		ents, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && sub == "new" {
				continue
			}
			return err
		}
		names := make([]string, 0, len(ents))
		for _, e := range ents {
			if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				names = append(names, e.Name())
			}
		}
		ents = nil
		sort.Strings(names)
		for _, name := range names {
			if err := ctx.Err(); err != nil {
				return err
			}
			rel := filepath.ToSlash(filepath.Join(origin, sub, name))
			m := fileMessage(filepath.Join(dir, sub, name), rel)
			set := map[string]bool{}
			if sub == "cur" {
				for _, fl := range maildirFlags(name) {
					set[fl] = true
				}
			}
			if mozHeaders {
				if w, err := openWatched(filepath.Join(dir, sub, name)); err == nil {
					h := readHeader(w.f)
					w.Close()
					for _, fl := range h.flags() {
						set[fl] = true
					}
				}
			}
			m.Flags = sortedFlags(set)
			if err := fn(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// maildirFlags reads the info suffix ":2,FLAGS" of a Maildir file name.
func maildirFlags(name string) []string {
	i := strings.LastIndex(name, ":2,")
	if i < 0 {
		i = strings.LastIndex(name, "!2,") // the separator some Windows tools use
	}
	if i < 0 {
		return nil
	}
	var out []string
	for _, c := range name[i+3:] {
		switch c {
		case 'S':
			out = append(out, `\Seen`)
		case 'R':
			out = append(out, `\Answered`)
		case 'F':
			out = append(out, `\Flagged`)
		case 'T':
			out = append(out, `\Deleted`)
		case 'D':
			out = append(out, `\Draft`)
		case 'P':
			out = append(out, "$Forwarded")
		}
	}
	return out
}

// fileMessage is a message that is a whole file: a Maildir's or an .eml.
// The date is the file's modification time (a Maildir's delivery time).
func fileMessage(path, origin string) *Message {
	m := &Message{Origin: origin}
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() {
		m.Date = fi.ModTime().UTC()
	}
	opened := false
	m.Open = func() (io.ReadCloser, error) {
		if opened {
			return nil, errors.New("mailstore: message opened twice")
		}
		opened = true
		w, err := openWatched(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", origin, err)
		}
		return &checkedReader{r: w.f, w: w, c: w}, nil
	}
	return m
}
