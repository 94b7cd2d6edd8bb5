package mailstore

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// mboxFormat reads plain mbox files (mboxo, mboxrd, mboxcl2; see
// mboxfile.go), or a folder of them (mutt's ~/Mail, an export).
type mboxFormat struct{}

func init() { Register(mboxFormat{}) }

func (mboxFormat) Kind() string { return "mbox" }
func (mboxFormat) App() string  { return "mbox" }

// Find looks at ~/mbox, the file mail(1) and mutt keep read mail in.
func (f mboxFormat) Find(home, goos string) ([]*Store, error) {
	if goos == "windows" {
		return nil, nil
	}
	return probeList(f, filepath.Join(home, "mbox"))
}

// Probe accepts an mbox file, or a folder whose files (at any depth) are
// mbox files and that is no other app's store.
func (f mboxFormat) Probe(path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Lstat(abs)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	s := &Store{Kind: f.Kind(), App: f.App(), Path: abs}
	switch {
	case fi.Mode().IsRegular():
		if fi.Size() > 0 && !startsWith(abs, fromLine) {
			return nil, nil
		}
		s.Bytes = fi.Size()
		return s, nil
	case fi.IsDir():
		files := mboxFiles(abs)
		if len(files) == 0 {
			return nil, nil
		}
		for _, p := range files {
			if fi, err := os.Lstat(p); err == nil {
				s.Bytes += fi.Size()
			}
		}
		return s, nil
	}
	return nil, nil
}

// mboxFiles lists the mbox files under dir (not following links), in
// order. Maildirs' files and Thunderbird's index files are not mbox files.
func mboxFiles(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if p != dir && (isMaildir(p) || strings.HasPrefix(d.Name(), ".")) {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && !strings.HasSuffix(d.Name(), ".msf") && startsWith(p, fromLine) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func (f mboxFormat) Open(s *Store) (Reader, error) {
	return &mboxReader{s: s}, nil
}

type mboxReader struct{ s *Store }

func (r *mboxReader) Folders(ctx context.Context) ([]Folder, error) {
	fi, err := os.Lstat(r.s.Path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().IsRegular() {
		name := mboxName(filepath.Base(r.s.Path))
		return []Folder{{Name: name, Role: roleOf(name), Origin: "."}}, nil
	}
	var out []Folder
	for _, p := range mboxFiles(r.s.Path) {
		rel, err := filepath.Rel(r.s.Path, p)
		if err != nil {
			continue
		}
		name := mboxName(filepath.ToSlash(rel))
		out = append(out, Folder{Name: name, Role: roleOf(name), Origin: filepath.ToSlash(rel)})
	}
	return out, nil
}

func mboxName(rel string) string {
	for _, ext := range []string{".mbox", ".mbx", ".mbs"} {
		if strings.HasSuffix(strings.ToLower(rel), ext) && len(rel) > len(ext) {
			return rel[:len(rel)-len(ext)]
		}
	}
	return rel
}

func (r *mboxReader) Messages(ctx context.Context, f Folder, fn func(*Message) error) error {
	path := filepath.Join(r.s.Path, filepath.FromSlash(f.Origin))
	return mboxFolderMessages(ctx, path, f.Origin, fn)
}

func (r *mboxReader) Close() error { return nil }
