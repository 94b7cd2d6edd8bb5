package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/testimap"
)

// A folder that holds no archive is named as such, nothing is made there;
// restore into a folder that is not empty calls it the output folder.
func TestPlainWordsForMissingArchiveAndBusyOutput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-archive")
	for _, args := range [][]string{
		{"folders", "--archive", missing},
		{"search", "--archive", missing, "x"},
		{"contacts", "list", "--archive", missing},
		{"contacts", "export", "--archive", missing, "--out-dir", t.TempDir()},
		{"restore", "--archive", missing, "--out", filepath.Join(t.TempDir(), "r")},
		{"migrate", "--archive", missing, "--to-host", "127.0.0.1", "--to-security", "plain", "--to-user", "u"},
	} {
		r := newRun(map[string]string{"MAILARK_TO_PASSWORD": "x"})
		code := r.main(context.Background(), args...)
		if code != cli.ExitError || !strings.Contains(r.stderr.String(), "No Mailark archive at "+missing+".") ||
			strings.Contains(r.stderr.String(), "Stat ") {
			t.Errorf("%s: exit %d, want %d and \"No Mailark archive at\"\n%s", args[0], code, cli.ExitError, r.stderr)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Fatalf("%s made %s", args[0], missing)
		}
	}

	srv := testimap.Start(t, nil)
	dir := filepath.Join(t.TempDir(), "a")
	r := newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	if code := r.main(context.Background(), backupArgs(srv, dir, "--folder", "INBOX")...); code != cli.ExitOK {
		t.Fatalf("backup: exit %d\n%s", code, r.stderr)
	}
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "keep.txt"), []byte("mine"), 0o600)
	r = newRun(nil)
	code := r.main(context.Background(), "restore", "--archive", dir, "--out", out)
	if code == cli.ExitOK || !strings.Contains(r.stderr.String(), "output folder "+out+" is not empty") || strings.Contains(r.stderr.String(), "archive at") {
		t.Errorf("restore into a folder that is not empty: exit %d\n%s", code, r.stderr)
	}
}
