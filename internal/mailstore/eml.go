package mailstore

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// emlFormat reads a folder of .eml files (one message per file, as mail
// apps save and export them). Each directory holding .eml files is a
// folder, named by its path below the root (the root by its own name).
type emlFormat struct{}

func init() { Register(emlFormat{}) }

func (emlFormat) Kind() string { return "eml" }
func (emlFormat) App() string  { return ".eml files" }

func (emlFormat) Find(home, goos string) ([]*Store, error) { return nil, nil }

func isEML(name string) bool { return strings.EqualFold(filepath.Ext(name), ".eml") }

func (f emlFormat) Probe(path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if !isDir(abs) {
		return nil, nil
	}
	s := &Store{Kind: f.Kind(), App: f.App(), Path: abs}
	n := 0
	filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && isEML(d.Name()) {
			n++
			if fi, err := d.Info(); err == nil && fi.Mode().IsRegular() {
				s.Bytes += fi.Size()
			}
		}
		return nil
	})
	if n == 0 {
		return nil, nil
	}
	return s, nil
}

func (f emlFormat) Open(s *Store) (Reader, error) { return &emlReader{root: s.Path}, nil }

type emlReader struct{ root string }

func (r *emlReader) Folders(ctx context.Context) ([]Folder, error) { return emlFolders(r.root), nil }

// emlFolders lists the directories under root holding .eml files.
func emlFolders(root string) []Folder {
	var out []Folder
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		ents, _ := os.ReadDir(p)
		for _, e := range ents {
			if !e.IsDir() && isEML(e.Name()) {
				rel, _ := filepath.Rel(root, p)
				rel = filepath.ToSlash(rel)
				name := rel
				if rel == "." {
					name = filepath.Base(root)
				}
				out = append(out, Folder{Name: name, Role: roleOf(filepath.Base(name)), Origin: rel})
				break
			}
		}
		return nil
	})
	return out
}

func (r *emlReader) Messages(ctx context.Context, f Folder, fn func(*Message) error) error {
	return emlMessages(ctx, r.root, f.Origin, fn)
}

func emlMessages(ctx context.Context, root, origin string, fn func(*Message) error) error {
	dir := filepath.Join(root, filepath.FromSlash(origin))
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && isEML(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := filepath.Join(dir, name)
		m := fileMessage(p, filepath.ToSlash(filepath.Join(origin, name)))
		if w, err := openWatched(p); err == nil {
			h := readHeader(w.f)
			w.Close()
			if d := headerDate(h.date); !d.IsZero() {
				m.Date = d
			}
			m.Flags = h.flags()
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

func (r *emlReader) Close() error { return nil }
