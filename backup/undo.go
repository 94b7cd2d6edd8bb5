package backup

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/mailark/mailark/internal/archive"
)

// made is what a run is about to make where its archive goes, to be
// removed again when it refuses for space: the topmost missing folder of
// the archive's path, or, when the folder is there and holds no archive
// yet, the archive's own names that it does not hold already (nothing
// else in a folder the user named is touched). An existing archive gives
// nil: it keeps the record of the refused run.
type made struct {
	dir    string
	top    string          // the topmost folder to be made; "" when dir exists
	before map[string]bool // the archive's names dir held before the run
}

func madeBy(dir string) *made {
	if dir == "" {
		return nil
	}
	dir = filepath.Clean(dir)
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		top := dir
		for p := filepath.Dir(dir); p != top; p = filepath.Dir(p) {
			if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
				break
			}
			top = p
		}
		return &made{dir: dir, top: top}
	}
	if _, err := os.Lstat(filepath.Join(dir, archive.DBFile)); !errors.Is(err, os.ErrNotExist) {
		return nil
	}
	names, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	m := &made{dir: dir, before: map[string]bool{}}
	for _, e := range names {
		m.before[e.Name()] = true
	}
	return m
}

// archiveName tells a name an archive makes at its root.
func archiveName(name string) bool {
	switch name {
	case archive.MboxDir, archive.TmpDir, archive.LockFile, archive.ReadersFile:
		return true
	}
	return strings.HasPrefix(name, archive.DBFile) // with its -journal, -wal, -shm
}

// undo removes what the run made (see made).
func (m *made) undo() {
	if m == nil {
		return
	}
	if m.top != "" {
		os.RemoveAll(m.top)
		return
	}
	names, err := os.ReadDir(m.dir)
	if err != nil {
		return
	}
	for _, e := range names {
		if !m.before[e.Name()] && archiveName(e.Name()) {
			os.RemoveAll(filepath.Join(m.dir, e.Name()))
		}
	}
}
