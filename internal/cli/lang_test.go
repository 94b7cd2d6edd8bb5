package cli_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/cli"
)

// --lang ja puts every word of verify's table and of report's lines in
// Japanese, not only the verdict.
func TestVerifyAndReportInJapanese(t *testing.T) {
	srv, dir, r := backedUp(t, tableAccount(2))
	ctx := context.Background()
	r = newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	r.main(ctx, "verify", "--archive", dir, "--host", srv.Host, "--port", strconv.Itoa(srv.Port), "--security", "plain",
		"--user", srv.User, "--lang", "ja")
	out := r.stdout.String()
	for _, en := range []string{"folder", "on server", "archived", "verified", "message(s)", "checked"} {
		if strings.Contains(out, en) {
			t.Errorf("verify --lang ja still says %q:\n%s", en, out)
		}
	}
	if !strings.Contains(out, "通を検証しました") || !strings.Contains(out, "フォルダー") {
		t.Errorf("verify --lang ja has no Japanese table or summary:\n%s", out)
	}
	r = newRun(nil)
	// Made from the archive alone, the report does not say safe: exit 4.
	if code := r.main(ctx, "report", "--archive", dir, "--json", filepath.Join(t.TempDir(), "r.json"), "--lang", "ja"); code != cli.ExitGateClosed {
		t.Fatalf("report exit %d, want %d (not checked now): %s", code, cli.ExitGateClosed, r.stderr)
	}
	if out := r.stdout.String(); strings.Contains(out, "The server was not asked") {
		t.Errorf("report --lang ja says in English that the server was not asked:\n%s", out)
	}
}
