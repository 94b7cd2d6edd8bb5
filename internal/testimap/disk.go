package testimap

import (
	"os/exec"
	"strings"
	"testing"
)

// SmallDisk mounts a tmpfs of sizeMB megabytes (needs root; skipped
// otherwise, unless MAILARK_TEST_NO_SKIP names "tmpfs") and returns its path
// and a function that grows it, as when space is freed.
func SmallDisk(t testing.TB, sizeMB string) (string, func(sizeMB string)) {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+sizeMB+"m,mode=0700", "tmpfs", dir).CombinedOutput()
	SkipUnless(t, "tmpfs", err == nil, "cannot mount a tmpfs (needs root): "+strings.TrimSpace(string(out)))
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	grow := func(mb string) {
		t.Helper()
		if out, err := exec.Command("mount", "-o", "remount,size="+mb+"m", dir).CombinedOutput(); err != nil {
			t.Fatalf("grow tmpfs: %v %s", err, out)
		}
	}
	return dir, grow
}
