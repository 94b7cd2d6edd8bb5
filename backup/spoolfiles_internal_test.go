package backup

import (
	"os"
	"testing"
)

// TestSpoolFilesKeepBounded: the files kept for reuse never number more
// than spoolKeepFiles nor hold more than spoolKeepBytes; any other given
// back is removed, and so is every one after close.
func TestSpoolFilesKeepBounded(t *testing.T) {
	dir := t.TempDir()
	s := &spoolFiles{dir: dir}
	var got []spoolFile
	for range spoolKeepFiles + 2 {
		sf, err := s.get()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, sf)
	}
	count := func() int {
		t.Helper()
		es, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	big := got[0]
	big.len = spoolKeepBytes + 1
	s.put(big) // too long to keep
	if n := count(); n != spoolKeepFiles+1 {
		t.Errorf("%d files after giving back one too long to keep, want %d", n, spoolKeepFiles+1)
	}
	for _, sf := range got[1:] {
		sf.len = 1 << 20
		s.put(sf)
	}
	if len(s.free) != spoolKeepFiles || s.kept != spoolKeepFiles<<20 {
		t.Errorf("kept %d files of %d bytes, want %d of %d", len(s.free), s.kept, spoolKeepFiles, spoolKeepFiles<<20)
	}
	if n := count(); n != spoolKeepFiles {
		t.Errorf("%d files on disk, want the %d kept", n, spoolKeepFiles)
	}
	// A file kept is given out again before a new one is made.
	sf, err := s.get()
	if err != nil {
		t.Fatal(err)
	}
	if n := count(); n != spoolKeepFiles {
		t.Errorf("%d files on disk after get, want %d: a kept one is used first", n, spoolKeepFiles)
	}
	s.close()
	if n := count(); n != 1 {
		t.Errorf("%d files after close, want the 1 in use", n)
	}
	s.put(sf)
	if n := count(); n != 0 {
		t.Errorf("%d files after the last came back, want none", n)
	}
}
