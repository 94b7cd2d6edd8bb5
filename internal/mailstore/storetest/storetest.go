// Package storetest builds mail-app stores on disk in the apps' real
// layouts, for tests (the writers are package layout's, which the demo
// uses too), holds the project's corpus as stores take it, and takes
// snapshots of a folder tree (every byte and modification time) to show
// that reading a store changed nothing.
package storetest

import (
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/mailstore/layout"
	"github.com/mailark/mailark/internal/testmail"
)

// The writers, from package layout.
type (
	TB        = layout.TB
	TBFolder  = layout.TBFolder
	TBAccount = layout.TBAccount
)

var (
	QuoteRD       = layout.QuoteRD
	QuoteO        = layout.QuoteO
	Stored        = layout.Stored
	Mbox          = layout.Mbox
	Year          = layout.Year
	WithMozStatus = layout.WithMozStatus
	Thunderbird   = layout.Thunderbird
	Maildir       = layout.Maildir
	EML           = layout.EML
)

// Corpus is the project's broken-mail and charset corpus: every message
// of testmail.Broken and testmail.Charsets, by name.
func Corpus() ([]string, [][]byte) {
	var names []string
	var raws [][]byte
	for _, f := range append(testmail.Broken(), testmail.Charsets()...) {
		names = append(names, f.Name)
		raws = append(raws, f.Raw)
	}
	return names, raws
}

// FileState is one file's content hash, size, mode and modification time.
type FileState struct {
	SHA256 [32]byte
	Size   int64
	Mode   fs.FileMode
	MTime  time.Time
}

// Snapshot records every file and directory under root.
func Snapshot(t testing.TB, root string) map[string]FileState {
	t.Helper()
	out := map[string]FileState{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st := FileState{Size: fi.Size(), Mode: fi.Mode(), MTime: fi.ModTime()}
		if fi.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			st.SHA256 = sha256.Sum256(data)
		}
		if d.IsDir() {
			st.Size = 0
		}
		out[p] = st
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// SameSnapshot fails t for every file that differs between two snapshots.
func SameSnapshot(t testing.TB, before, after map[string]FileState) {
	t.Helper()
	for p, b := range before {
		a, ok := after[p]
		if !ok {
			t.Errorf("%s: gone", p)
		} else if a != b {
			t.Errorf("%s: changed (%+v → %+v)", p, b, a)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s: new file in the store", p)
		}
	}
}
