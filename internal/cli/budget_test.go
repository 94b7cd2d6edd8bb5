package cli_test

import (
	"context"
	"io"
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

// With --wait-for-budget the backup waits for the budget to renew and says
// so; cancelled while it waits (as a person would), it stops as Ctrl-C
// does, everything fetched so far kept.
func TestBackupWaitsForTheBudget(t *testing.T) {
	srv := testimap.Start(t, nil)
	lim := filepath.Join(t.TempDir(), "limits.json")
	if err := os.WriteFile(lim, []byte(`{"hosts": [{"match": "127.0.0.1", "provider": "TestMail", "download_mb_per_day": 1}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	r.env.Stderr = &cancelOn{w: r.stderr, word: "going on by itself", cancel: cancel}
	code := r.main(ctx, backupArgs(srv, filepath.Join(t.TempDir(), "a"), "--limits", lim, "--wait-for-budget")...)
	if code != cli.ExitCancelled || !strings.Contains(r.stderr.String(), "TestMail's daily limit (1 MB) is reached; going on by itself at") {
		t.Fatalf("exit %d, stderr:\n%s", code, r.stderr)
	}
}

// cancelOn cancels once word is written.
type cancelOn struct {
	w      io.Writer
	word   string
	cancel func()
}

func (c *cancelOn) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.word) {
		c.cancel()
	}
	return c.w.Write(p)
}
