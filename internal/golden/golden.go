// Package golden is for tests only: it compares an output with the file
// checked in for it, testdata/NAME.golden in the test's package. On a
// mismatch it writes the actual output to testdata/failed/NAME (every
// testdata/failed/ is git-ignored) and says where: if it is right, copy it
// over the golden file, or run the test with -update, which rewrites the
// golden files instead of comparing.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the actual output")

// Check compares got with testdata/NAME.golden.
func Check(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err == nil && bytes.Equal(got, want) {
		return
	}
	failed := filepath.Join("testdata", "failed", name)
	if err := os.MkdirAll(filepath.Dir(failed), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(failed, got, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(failed)
	t.Errorf("%s differs from %s (read error: %v); the actual output is in %s", name, path, err, abs)
}
