package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/mailark/mailark/internal/mailerr"
)

// ErrArchiveIsLink: the archive folder given is a symbolic link. Mailark
// writes only into the real folder, so that nothing it did not make is
// followed.
var ErrArchiveIsLink = errors.New("the archive folder is a symbolic link, and Mailark follows no link")

// The archive on disk is Mailark's own: it follows no symbolic link it
// finds there (it makes none), refuses anything that is neither a regular
// file nor a directory, and takes no path from archive.sqlite that leaves
// the mbox folder. A link planted at mbox/INBOX.mbox would otherwise have
// mail written over the file it points to; a crafted mbox_path such as
// "../victim" would have it cut.

// Modes of the archive's parts. An mbox file is writable only while
// Mailark appends to it (mboxfile.go), so that a mail program that opens it
// cannot rewrite it by accident.
const (
	dirMode      fs.FileMode = 0o700
	fileMode     fs.FileMode = 0o600
	mboxRestMode fs.FileMode = 0o400
)

var errLink = errors.New("it is a symbolic link, and Mailark follows no links inside an archive: put the real file or folder there")

// notRegular is the error for something that is neither a regular file nor
// a directory (a link, a device, a pipe), as the one-line reason.
func notRegular(p string, mode fs.FileMode, wantDir bool) error {
	var err error
	switch {
	case mode&fs.ModeSymlink != 0:
		err = errLink
	case wantDir && mode.IsRegular():
		err = errors.New("it is a file, not a folder")
	case wantDir:
		err = fmt.Errorf("it is not a folder (%s)", mode.Type())
	case mode.IsDir():
		err = errors.New("it is a folder, not a file")
	default:
		err = fmt.Errorf("it is not a regular file (%s)", mode.Type())
	}
	return mailerr.New(mailerr.ArchiveBroken, "check archive", p, err)
}

// checkRel checks a path read from archive.sqlite: it must name a file
// under mbox/, ending in .mbox, with no way out ("..", an absolute path, a
// backslash, a drive letter).
func checkRel(rel string) error {
	bad := rel == "" || path.IsAbs(rel) || path.Clean(rel) != rel || strings.ContainsAny(rel, "\\:\x00") ||
		!strings.HasPrefix(rel, MboxDir+"/") || !strings.HasSuffix(rel, ".mbox") ||
		!filepath.IsLocal(filepath.FromSlash(rel))
	for _, part := range strings.Split(rel, "/") {
		bad = bad || part == ".." || part == "."
	}
	if bad {
		return fmt.Errorf("the mbox file %q named in archive.sqlite is not inside the archive's mbox folder: the database was altered; restore it from a copy", rel)
	}
	return nil
}

// prepareRoot makes the archive folder, mbox/ and tmp/ (create) or checks
// that they are there, refusing a link in their place, and gives each mode
// 0700. The archive folder itself must not be a link either: give the
// folder it points to.
func prepareRoot(dir string, create bool) error {
	st, err := os.Lstat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist) && create:
		if err := os.MkdirAll(dir, dirMode); err != nil {
			return fsError("create archive folder", dir, err)
		}
	case err != nil:
		return fsError("open archive", dir, err)
	case st.Mode()&fs.ModeSymlink != 0:
		target, _ := filepath.EvalSymlinks(dir)
		return mailerr.New(mailerr.BadInput, "open archive", dir,
			fmt.Errorf("%w: %s (to %s)", ErrArchiveIsLink, dir, target))
	case !st.IsDir():
		return mailerr.New(mailerr.BadInput, "open archive", dir, fmt.Errorf("%s is not a folder", dir))
	}
	for _, d := range []string{dir, filepath.Join(dir, MboxDir), filepath.Join(dir, TmpDir)} {
		if err := ensureDir(d); err != nil {
			return err
		}
	}
	return nil
}

// ensureDir makes the directory p (mode 0700) or checks that it is one,
// not a link, and gives it mode 0700.
func ensureDir(p string) error {
	st, err := os.Lstat(p)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.Mkdir(p, dirMode); err != nil && !errors.Is(err, os.ErrExist) {
			return fsError("create archive folder", p, err)
		}
		if st, err = os.Lstat(p); err != nil {
			return fsError("create archive folder", p, err)
		}
	} else if err != nil {
		return fsError("check archive", p, err)
	}
	if !st.IsDir() {
		return notRegular(p, st.Mode(), true)
	}
	if st.Mode().Perm() != dirMode {
		// A folder made by someone else may be wider; an archive is private.
		if err := os.Chmod(p, dirMode); err != nil {
			return fsError("protect archive folder", p, err)
		}
	}
	return nil
}

// fixModes walks the archive, which this process holds the lock of: every
// folder under mbox/ gets mode 0700 and every mbox file 0400, the files
// beside archive.sqlite 0600; a link or anything else that is neither
// file nor folder is refused, named.
func fixModes(dir string) error {
	for _, name := range []string{DBFile, DBFile + "-wal", DBFile + "-shm", DBFile + "-journal", LockFile, ReadersFile} {
		p := filepath.Join(dir, name)
		st, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fsError("check archive", p, err)
		}
		if !st.Mode().IsRegular() {
			return notRegular(p, st.Mode(), false)
		}
		if st.Mode().Perm() != fileMode {
			if err := os.Chmod(p, fileMode); err != nil {
				return fsError("protect archive file", p, err)
			}
		}
	}
	root := filepath.Join(dir, MboxDir)
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fsError("check archive", p, err)
		}
		info, err := d.Info() // Lstat: WalkDir follows no link
		if err != nil {
			return fsError("check archive", p, err)
		}
		var want fs.FileMode
		switch {
		case d.IsDir():
			want = dirMode
		case info.Mode().IsRegular():
			want = mboxRestMode
		default:
			return notRegular(p, info.Mode(), false)
		}
		if info.Mode().Perm() != want {
			if err := os.Chmod(p, want); err != nil {
				return fsError("protect archive file", p, err)
			}
		}
		return nil
	})
}

// mboxFile returns the absolute path of the mbox file rel (a path from
// archive.sqlite), after checking that rel stays in the archive and that
// every folder on the way is a real folder, not a link. With create,
// missing folders are made (mode 0700).
func (a *Archive) mboxFile(rel string, create bool) (string, error) {
	if err := checkRel(rel); err != nil {
		return "", mailerr.New(mailerr.ArchiveBroken, "check archive", a.dir, err)
	}
	parts := strings.Split(rel, "/")
	p := a.dir
	for _, part := range parts[:len(parts)-1] {
		p = filepath.Join(p, part)
		st, err := os.Lstat(p)
		switch {
		case errors.Is(err, os.ErrNotExist) && create:
			if err := os.Mkdir(p, dirMode); err != nil && !errors.Is(err, os.ErrExist) {
				return "", fsError("create mbox folder", p, err)
			}
			if st, err = os.Lstat(p); err != nil {
				return "", fsError("create mbox folder", p, err)
			}
		case errors.Is(err, os.ErrNotExist):
			// Nothing below can exist: the file is missing.
			return filepath.Join(a.dir, filepath.FromSlash(rel)), nil
		case err != nil:
			return "", fsError("check archive", p, err)
		}
		if !st.IsDir() {
			return "", notRegular(p, st.Mode(), true)
		}
	}
	return filepath.Join(a.dir, filepath.FromSlash(rel)), nil
}

// lstatFile is os.Lstat that refuses anything but a regular file; a missing
// file is returned as the os error.
func lstatFile(p string) (fs.FileInfo, error) {
	st, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, notRegular(p, st.Mode(), false)
	}
	return st, nil
}

// checkOpened closes f and refuses it unless it is a regular file.
func checkOpened(f *os.File, p string) (*os.File, error) {
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, notRegular(p, st.Mode(), false)
	}
	return f, nil
}
