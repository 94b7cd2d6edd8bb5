package cli_test

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/testimap"
)

// --folder names a folder the server has: a typo is an error naming the
// folders there are, and INBOX matches in any case.
func TestBackupFolderFlag(t *testing.T) {
	srv := testimap.Start(t, nil)
	dir := filepath.Join(t.TempDir(), "a")
	r := newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	code := r.main(context.Background(), backupArgs(srv, dir, "--folder", "Junkk", "--folder", "INBOX")...)
	if code != cli.ExitError || !strings.Contains(r.stderr.String(), `"Junkk"`) || !strings.Contains(r.stderr.String(), "Junk,") ||
		strings.Contains(r.stdout.String(), "new message(s)") && !strings.Contains(r.stdout.String(), "0 new message(s)") {
		t.Errorf("backup --folder Junkk: exit %d, want %d naming the folders there are\nstdout:\n%s\nstderr:\n%s", code, cli.ExitError, r.stdout, r.stderr)
	}
	r = newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	if code := r.main(context.Background(), backupArgs(srv, dir, "--folder", "inbox")...); code != cli.ExitOK {
		t.Fatalf("backup --folder inbox: exit %d\n%s", code, r.stderr)
	}
	if m := regexp.MustCompile(`(\d+) new message\(s\)`).FindStringSubmatch(r.stdout.String()); m == nil || m[1] == "0" {
		t.Errorf("backup --folder inbox saved nothing:\n%s", r.stdout)
	}
}
