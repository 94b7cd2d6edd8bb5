package mailstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mailark/mailark/internal/mailerr"
)

// Helpers for reading app stores from disk, shared by the Apple Mail,
// Becky!, Outlook Express and Windows Live Mail readers. They open files
// read-only and never follow a symbolic link: a link in a store may point
// anywhere on the disk, and the import must read only the store.

// errSymlink is returned for a file or folder of a store that is a
// symbolic link.
var errSymlink = errors.New("is a symbolic link, which Mailark does not follow out of the store: copy the file it points to into the store, or import that file directly")

// openStoreFile opens the file at path read-only, refusing a symbolic
// link or anything but a regular file. rel names it in errors.
func openStoreFile(path, rel string) (*os.File, fs.FileInfo, error) {
	li, err := os.Lstat(path)
	if err != nil {
		return nil, nil, mailerr.FromFS("read", rel, err)
	}
	if li.Mode()&fs.ModeSymlink != 0 {
		return nil, nil, mailerr.New(mailerr.BadInput, "read", rel, errSymlink)
	}
	if !li.Mode().IsRegular() {
		return nil, nil, mailerr.New(mailerr.BadInput, "read", rel, errors.New("is not a regular file"))
	}
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, nil, mailerr.FromFS("read", rel, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, mailerr.FromFS("read", rel, err)
	}
	if !os.SameFile(li, fi) {
		f.Close()
		return nil, nil, mailerr.New(mailerr.BadInput, "read", rel, ErrChanged)
	}
	return f, fi, nil
}

// folderNotLink returns an error when the folder at path is a symbolic
// link (or is gone): a store's folder is read only where it is.
func folderNotLink(path, rel string) error {
	li, err := os.Lstat(path)
	if err != nil {
		return mailerr.FromFS("list", rel, err)
	}
	if li.Mode()&fs.ModeSymlink != 0 {
		return mailerr.New(mailerr.BadInput, "list", rel, errSymlink)
	}
	if !li.IsDir() {
		return mailerr.New(mailerr.BadInput, "list", rel, errors.New("is not a folder"))
	}
	return nil
}

// isLink reports whether a directory entry is a symbolic link.
func isLink(e fs.DirEntry) bool { return e.Type()&fs.ModeSymlink != 0 }

// readStoreFile reads a whole small file (settings, folder lists) of at
// most maxBytes, read-only and without following links.
func readStoreFile(path, rel string, maxBytes int64) ([]byte, error) {
	f, fi, err := openStoreFile(path, rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi.Size() > maxBytes {
		return nil, mailerr.New(mailerr.BadInput, "read", rel,
			fmt.Errorf("is %d bytes, more than the %d expected of this file", fi.Size(), maxBytes))
	}
	b, err := io.ReadAll(io.LimitReader(f, maxBytes+1))
	if err != nil {
		return nil, mailerr.FromFS("read", rel, err)
	}
	return b, nil
}

// sectionFile is one part of a file handed out as a message: Close closes
// the file.
type sectionFile struct {
	*io.SectionReader
	f *os.File
}

func (s sectionFile) Close() error { return s.f.Close() }

// relPath is path relative to root, with forward slashes, for Origin.
func relPath(root, path string) string {
	r, err := filepath.Rel(root, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(r)
}

// treeBytes adds up the sizes of the regular files under root whose names
// pass keep (all when keep is nil), without following links.
func treeBytes(root string, keep func(name string) bool) int64 {
	var n int64
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		if keep != nil && !keep(d.Name()) {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// hasSuffixFold is strings.HasSuffix ignoring ASCII case.
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}
