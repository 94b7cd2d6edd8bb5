package cli_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/testimap"
)

// A failed first run (a mistyped user) does not tie the archive to that
// account; the same server under another name is refused with the way out
// named, and --same-account-as-before takes it.
func TestArchiveAccountClaim(t *testing.T) {
	srv := testimap.Start(t, nil)
	dir := filepath.Join(t.TempDir(), "a")
	args := func(host, user string, extra ...string) []string {
		return append([]string{"backup", "--host", host, "--port", strconv.Itoa(srv.Port), "--security", "plain",
			"--user", user, "--archive", dir, "--no-space-check"}, extra...)
	}
	r := newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	if code := r.main(context.Background(), args(srv.Host, "typo@old-isp.example")...); code != cli.ExitError {
		t.Fatalf("backup with a mistyped user: exit %d, want %d\n%s", code, cli.ExitError, r.stderr)
	}
	r = newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	if code := r.main(context.Background(), args(srv.Host, srv.User)...); code != cli.ExitOK {
		t.Fatalf("corrected backup after a failed first run: exit %d, want 0\n%s", code, r.stderr)
	}

	// The same server as localhost: refused, with the flag named.
	r = newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	code := r.main(context.Background(), args("localhost", srv.User)...)
	if code != cli.ExitError || !strings.Contains(r.stderr.String(), "--same-account-as-before") ||
		!strings.Contains(r.stderr.String(), "on "+srv.Host+", not "+srv.User+" on localhost") {
		t.Fatalf("backup of the archive's account as localhost: exit %d, want %d naming --same-account-as-before\n%s", code, cli.ExitError, r.stderr)
	}
	r = newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	if code := r.main(context.Background(), args("localhost", srv.User, "--same-account-as-before")...); code != cli.ExitOK ||
		!strings.Contains(r.stdout.String(), "0 new message(s)") {
		t.Fatalf("backup --same-account-as-before: exit %d, want 0 and nothing new\n%s%s", code, r.stdout, r.stderr)
	}
	// The new name is recorded: verify under it needs no flag.
	r = newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	if code := r.main(context.Background(), "verify", "--host", "localhost", "--port", strconv.Itoa(srv.Port), "--security", "plain",
		"--user", srv.User, "--archive", dir); code == cli.ExitError {
		t.Fatalf("verify as localhost after --same-account-as-before: exit %d\n%s", code, r.stderr)
	}
}
