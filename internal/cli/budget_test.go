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

// A provider's daily download budget, from --limits FILE: the backup stops
// with one line saying how much the provider allows, how much was
// downloaded, what is left and when to run again (exit 3), in English and
// in Japanese.
func TestBackupStopsForTheDailyBudget(t *testing.T) {
	srv := testimap.Start(t, nil)
	lim := filepath.Join(t.TempDir(), "limits.json")
	if err := os.WriteFile(lim, []byte(`{"hosts": [{"match": "127.0.0.1", "provider": "TestMail", "download_mb_per_day": 1}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "a")
	for _, tc := range []struct{ lang, want string }{
		{"en", "mailark: TestMail allows 1 MB a day; "},
		{"ja", "mailark: TestMailの上限は1日1 MBです。"},
	} {
		r := newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
		code := r.main(context.Background(), backupArgs(srv, dir, "--limits", lim, "--lang", tc.lang)...)
		if code != cli.ExitFailures {
			t.Fatalf("%s: backup exit %d, want %d; stderr:\n%s", tc.lang, code, cli.ExitFailures, r.stderr)
		}
		lines := strings.Split(strings.TrimSpace(r.stderr.String()), "\n")
		last := lines[len(lines)-1]
		t.Log(last)
		if !strings.HasPrefix(last, tc.want) || !strings.Contains(last, "MB") {
			t.Errorf("%s: last line %q, want it to start %q", tc.lang, last, tc.want)
		}
	}
	r := newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	if code := r.main(context.Background(), backupArgs(srv, dir, "--limits", filepath.Join(t.TempDir(), "none.json"))...); code != cli.ExitUsage && code != cli.ExitError {
		t.Errorf("a missing --limits file: exit %d, want an error", code)
	}
}
