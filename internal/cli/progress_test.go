package cli_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/cli"
)

// The log a non-terminal gets reads as words, not event names; a backup
// that fails before planning anything prints no "0/0" bar and no "0 in the
// archive" about an archive that already holds mail.
func TestProgressLogInWordsAndNoEmptySummary(t *testing.T) {
	srv, dir, r := backedUp(t, nil)
	ctx := context.Background()
	log := r.stderr.String()
	if strings.Contains(log, "folder-started") || strings.Contains(log, "folder-done") || !strings.Contains(log, "starting INBOX") {
		t.Errorf("the progress log shows raw event names:\n%s", log)
	}

	r = newRun(map[string]string{"MAILARK_PASSWORD": "wrong"})
	if code := r.main(ctx, backupArgs(srv, dir)...); code != cli.ExitError {
		t.Fatalf("backup with a wrong password: exit %d: %s", code, r.stderr)
	}
	if out := r.stdout.String() + r.stderr.String(); strings.Contains(out, "0/0") || strings.Contains(out, "in the archive") {
		t.Errorf("a backup that never started prints an empty bar or summary:\n%s", out)
	}
}
