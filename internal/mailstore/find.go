package mailstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// ProbeAller is a Format that can find several stores at one path (a
// Thunderbird profile holds one per account).
type ProbeAller interface {
	ProbeAll(path string) ([]*Store, error)
}

// generic are the formats that any folder of mail files matches; an app's
// own format is asked first.
var generic = map[string]int{"maildir": 1, "eml": 2, "mbox": 3}

// ordered lists the formats, apps first, then the generic ones.
func ordered() []Format {
	fs := Formats()
	var apps, gen []Format
	for _, f := range fs {
		if generic[f.Kind()] > 0 {
			gen = append(gen, f)
		} else {
			apps = append(apps, f)
		}
	}
	for i := 1; i < len(gen); i++ {
		for j := i; j > 0 && generic[gen[j].Kind()] < generic[gen[j-1].Kind()]; j-- {
			gen[j], gen[j-1] = gen[j-1], gen[j]
		}
	}
	return append(apps, gen...)
}

// Place fills in the defaults of where to look: the user's home folder
// and this computer's system.
func Place(home, goos string) (string, string) {
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	if goos == "" {
		goos = runtime.GOOS
	}
	return home, goos
}

// FindAll runs every format's Find under home for the OS goos. A format's
// error does not hide the others' stores.
func FindAll(home, goos string, kind string) ([]*Store, error) {
	var out []*Store
	var errs []error
	for _, f := range ordered() {
		if kind != "" && f.Kind() != kind {
			continue
		}
		s, err := f.Find(home, goos)
		out = append(out, s...)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.App(), err))
		}
	}
	return out, errors.Join(errs...)
}

// windowsHome is the Windows user folder (C:\Users\<name>) where Windows
// mail apps keep their files: home itself on Windows, elsewhere the same
// user's folder inside Wine's drive_c.
func windowsHome(home, goos string) string {
	if goos == "windows" {
		return home
	}
	return filepath.Join(home, ".wine", "drive_c", "users", filepath.Base(home))
}

// ProbePath returns the stores at path: those of the format of that kind,
// or (kind "") of the first format that recognises it, apps before plain
// mbox, Maildir and .eml.
func ProbePath(path, kind string) ([]*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	for _, f := range ordered() {
		if kind != "" && f.Kind() != kind {
			continue
		}
		var stores []*Store
		if pa, ok := f.(ProbeAller); ok {
			stores, err = pa.ProbeAll(abs)
		} else {
			var s *Store
			s, err = f.Probe(abs)
			if s != nil {
				stores = []*Store{s}
			}
		}
		if len(stores) > 0 || err != nil {
			return stores, err
		}
	}
	return nil, nil
}

// probeList is f's Probe of path as a list: its store, or none (with
// Probe's error, if any).
func probeList(f Format, path string) ([]*Store, error) {
	s, err := f.Probe(path)
	if s == nil || err != nil {
		return nil, err
	}
	return []*Store{s}, nil
}

// At returns the store of that kind whose root is exactly path (a store
// found before, or recorded by an import), nil when it is not there now.
func At(path, kind string) (*Store, error) {
	found, err := ProbePath(path, kind)
	for _, s := range found {
		if s.Path == path {
			return s, err
		}
	}
	return nil, err
}

// Survey is what one look at every message of a store found, without
// reading the messages' bodies.
type Survey struct {
	Folders        int
	Messages       int64
	Deleted        int64 // marked deleted in the app, not yet compacted away
	Oldest, Newest time.Time
	// Errors are per folder: the folder could not be read (whole or in part).
	Errors []error
}

// SurveyStore counts the folders and messages of s and finds its oldest and
// newest message.
func SurveyStore(ctx context.Context, s *Store) (*Survey, error) {
	if s.NotRead != "" {
		return nil, errors.New(s.NotRead)
	}
	f := Lookup(s.Kind)
	if f == nil {
		return nil, fmt.Errorf("mailstore: no reader for %q", s.Kind)
	}
	r, err := f.Open(s)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	folders, err := r.Folders(ctx)
	if err != nil {
		return nil, err
	}
	sv := &Survey{Folders: len(folders)}
	for _, fo := range folders {
		err := r.Messages(ctx, fo, func(m *Message) error {
			sv.Messages++
			for _, fl := range m.Flags {
				if fl == `\Deleted` {
					sv.Deleted++
				}
			}
			if d := m.Date; !d.IsZero() {
				if sv.Oldest.IsZero() || d.Before(sv.Oldest) {
					sv.Oldest = d
				}
				if d.After(sv.Newest) {
					sv.Newest = d
				}
			}
			return nil
		})
		if err != nil {
			if ctx.Err() != nil {
				return sv, ctx.Err()
			}
			sv.Errors = append(sv.Errors, fmt.Errorf("%s: %w", fo.Name, err))
		}
	}
	return sv, nil
}

// Fingerprinter is a Reader that can tell cheaply whether a folder's files
// changed: Fingerprint returns a string that changes when they do (size,
// modification time, the files a directory lists), "" when it cannot
// tell. An import uses it to pass over a folder unchanged since its last
// whole import, and the gate's check to take the last verification's
// reading of a store unchanged since; verify and removal read everything.
type Fingerprinter interface {
	Fingerprint(f Folder) string
}

// fileFingerprint is a file's size and modification time; "" if it is not
// a regular file.
func fileFingerprint(path string) string {
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	return fmt.Sprintf("f:%d:%d", fi.Size(), fi.ModTime().UnixNano())
}

// dirFingerprint is the modification times and entry counts of dirs (a
// directory's time changes when a file is added, removed or renamed in it).
func dirFingerprint(dirs ...string) string {
	var b strings.Builder
	for _, d := range dirs {
		fi, err := os.Lstat(d)
		if err != nil {
			if os.IsNotExist(err) {
				b.WriteString("-;")
				continue
			}
			return ""
		}
		if !fi.IsDir() {
			return ""
		}
		ents, err := os.ReadDir(d)
		if err != nil {
			return ""
		}
		fmt.Fprintf(&b, "d:%d:%d;", fi.ModTime().UnixNano(), len(ents))
	}
	return b.String()
}

func (r *mboxReader) Fingerprint(f Folder) string {
	return fileFingerprint(filepath.Join(r.s.Path, filepath.FromSlash(f.Origin)))
}

func (r *maildirReader) Fingerprint(f Folder) string {
	dir := filepath.Join(r.root, filepath.FromSlash(f.Origin))
	return dirFingerprint(filepath.Join(dir, "cur"), filepath.Join(dir, "new"))
}

func (r *emlReader) Fingerprint(f Folder) string {
	return dirFingerprint(filepath.Join(r.root, filepath.FromSlash(f.Origin)))
}

func (r *tbReader) Fingerprint(f Folder) string {
	switch {
	case strings.HasPrefix(f.Origin, "m:"):
		return fileFingerprint(filepath.Join(r.root, filepath.FromSlash(f.Origin[2:])))
	case strings.HasPrefix(f.Origin, "d:"):
		dir := filepath.Join(r.root, filepath.FromSlash(f.Origin[2:]))
		return dirFingerprint(filepath.Join(dir, "cur"), filepath.Join(dir, "new"))
	}
	return ""
}
