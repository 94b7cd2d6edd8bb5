package gate_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/testimap"
)

// tmpfs mounts a small tmpfs (root only) with extra mount options and
// returns its path.
func tmpfs(t *testing.T, opts string) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700"+opts, "tmpfs", dir).CombinedOutput()
	testimap.SkipUnless(t, "tmpfs", err == nil, "cannot mount a tmpfs (needs root): "+strings.TrimSpace(string(out)))
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

func TestWriteFileAtomicReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	for _, data := range []string{"first", "second, longer"} {
		if err := gate.WriteFileAtomic(context.Background(), path, []byte(data)); err != nil {
			t.Fatalf("WriteFileAtomic() = %v", err)
		}
		if got, _ := os.ReadFile(path); string(got) != data {
			t.Errorf("file holds %q, want %q", got, data)
		}
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("report mode = %v (%v), want 0600: it names the account", fi.Mode().Perm(), err)
	}
	leftovers(t, dir, 1)
}

// A full disk says DiskFull (not "No permission"), and the report written
// before stays whole.
func TestWriteFileAtomicDiskFull(t *testing.T) {
	dir := tmpfs(t, "")
	path := filepath.Join(dir, "report.html")
	if err := gate.WriteFileAtomic(context.Background(), path, []byte("old report")); err != nil {
		t.Fatal(err)
	}
	err := gate.WriteFileAtomic(context.Background(), path, bytes.Repeat([]byte("x"), 2<<20))
	if mailerr.KindOf(err) != mailerr.DiskFull {
		t.Fatalf("WriteFileAtomic() on a full disk = %v (kind %v), want DiskFull", err, mailerr.KindOf(err))
	}
	if e := mailerr.As(err); e.Subject != path {
		t.Errorf("error names %q, want the report's path %q", e.Subject, path)
	}
	if got, _ := os.ReadFile(path); string(got) != "old report" {
		t.Errorf("after a failed write the report holds %d bytes, want the old one whole", len(got))
	}
	leftovers(t, dir, 1)
}

func TestWriteFileAtomicReadOnly(t *testing.T) {
	dir := tmpfs(t, ",ro")
	err := gate.WriteFileAtomic(context.Background(), filepath.Join(dir, "report.html"), []byte("r"))
	if mailerr.KindOf(err) != mailerr.ReadOnlyFS {
		t.Fatalf("WriteFileAtomic() on a read-only file system = %v (kind %v), want ReadOnlyFS", err, mailerr.KindOf(err))
	}
}

func TestWriteFileAtomicMissingFolder(t *testing.T) {
	err := gate.WriteFileAtomic(context.Background(), filepath.Join(t.TempDir(), "no", "report.html"), []byte("r"))
	if mailerr.KindOf(err) != mailerr.BadInput {
		t.Fatalf("WriteFileAtomic() into a missing folder = %v (kind %v), want BadInput", err, mailerr.KindOf(err))
	}
}

// leftovers fails when dir holds other than want entries (a temporary file
// left behind).
func leftovers(t *testing.T, dir string, want int) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	if len(ents) != want {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("folder holds %v, want %d file(s): a temporary file was left", names, want)
	}
}
