package cli_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/testimap"
)

// The backup command asks the engine how much space it needs and refuses
// to start on a disk too small; --no-space-check starts anyway.
func TestBackupSpacePreflight(t *testing.T) {
	disk := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", disk).CombinedOutput()
	testimap.SkipUnless(t, "tmpfs", err == nil, "cannot mount a tmpfs (needs root): "+strings.TrimSpace(string(out)))
	t.Cleanup(func() { exec.Command("umount", "-l", disk).Run() })
	srv := testimap.Start(t, nil)
	dir := filepath.Join(disk, "a")

	r := newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	code := r.main(context.Background(), backupArgs(srv, dir)...)
	if code != cli.ExitError || !strings.Contains(r.stderr.String(), "the backup needs about") ||
		!strings.Contains(r.stderr.String(), "--no-space-check") {
		t.Fatalf("backup onto a 2 MB disk: exit %d, want %d and the space it needs; stderr:\n%s", code, cli.ExitError, r.stderr)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the refused backup created %s (%v)", dir, err)
	}
	if strings.Contains(r.stdout.String(), "new message") {
		t.Errorf("the refused backup printed a summary as if it ran:\n%s", r.stdout)
	}

	r = newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	code = r.main(context.Background(), backupArgs(srv, dir, "--no-space-check")...)
	if strings.Contains(r.stderr.String(), "the backup needs about") {
		t.Fatalf("--no-space-check still refused:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "archive.sqlite")); err != nil {
		t.Errorf("with --no-space-check the backup did not start (exit %d): %v\n%s", code, err, r.stderr)
	}
}
