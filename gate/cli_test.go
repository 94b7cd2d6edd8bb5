package gate_test

// The command-line contract of verify, report and remove (internal/cli),
// driven through cli.Main against the same test server.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/settings"
)

type cliRun struct {
	code           int
	stdout, stderr string
}

func (e *env) cli(stdin string, args ...string) cliRun {
	e.t.Helper()
	var out, errOut bytes.Buffer
	vars := map[string]string{"MAILARK_PASSWORD": e.conn.Password.Reveal(), "LANG": "en_US.UTF-8"}
	ce := &cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
		Getenv:     func(k string) string { return vars[k] },
		Unsetenv:   func(k string) error { delete(vars, k); return nil },
		IsTerminal: func(int) bool { return false }}
	conn := []string{"--host", e.conn.Host, "--port", fmt.Sprint(e.conn.Port), "--security", "plain",
		"--user", e.conn.User, "--archive", e.dir}
	full := append([]string{args[0]}, conn...)
	full = append(full, args[1:]...)
	code := cli.Main(context.Background(), ce, full)
	return cliRun{code, out.String(), errOut.String()}
}

func TestCLIVerifyExitCodes(t *testing.T) {
	e := newEnv(t)
	e.backup()
	r := e.cli("", "verify")
	if r.code != cli.ExitGateClosed || !strings.Contains(r.stdout, "Not yet safe") || !strings.Contains(r.stdout, "[--] The address book has not been exported yet.") {
		t.Fatalf("verify without export: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	e.export()
	r = e.cli("", "verify", "--deep")
	if r.code != cli.ExitOK || !strings.Contains(r.stdout, "Safe to remove") || !strings.Contains(r.stdout, "615 message(s) verified") {
		t.Fatalf("verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = e.cli("", "verify", "--quiet", "--lang", "ja")
	if r.code != cli.ExitOK || !strings.Contains(r.stdout, "削除しても安全です") {
		t.Fatalf("verify --lang ja: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = e.cli("", "verify", "--json")
	var got struct {
		Verdict struct {
			Open bool `json:"open"`
		} `json:"verdict"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || !got.Verdict.Open || r.code != cli.ExitOK {
		t.Fatalf("verify --json: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	e.srv.AppendMessage("INBOX", []byte("Subject: x\r\n\r\nx\r\n"), nil, e.clk.Now())
	if r = e.cli("", "verify"); r.code != cli.ExitGateClosed || !strings.Contains(r.stdout, "PROBLEM: INBOX uid 249: on the server") {
		t.Fatalf("verify after new mail: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestCLIReport(t *testing.T) {
	e := ready(t)
	dir := t.TempDir()
	html, js := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.json")
	// Without connection flags: offline, from the archive.
	r := e.cli("", "report", "--html", html, "--json", js, "--lang", "ja")
	if r.code != cli.ExitOK || !strings.Contains(r.stdout, "Report written") {
		t.Fatalf("report: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	data, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Safe bool `json:"safe_to_remove"`
	}
	if err := json.Unmarshal(data, &rep); err != nil || !rep.Safe {
		t.Errorf("report.json: safe %v, %v", rep.Safe, err)
	}
	page, _ := os.ReadFile(html)
	if !strings.Contains(string(page), "削除しても安全です") {
		t.Errorf("report.html is not the Japanese safe report")
	}
	if st, err := os.Stat(html); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("report.html mode %v, %v; want 0600", st.Mode().Perm(), err)
	}
	if r := e.cli("", "report"); r.code != cli.ExitUsage {
		t.Errorf("report without --html or --json: exit %d, want %d", r.code, cli.ExitUsage)
	}
}

func TestCLIRemove(t *testing.T) {
	keyring.MockInit()
	t.Run("closed gate", func(t *testing.T) {
		e := newEnv(t)
		e.backup()
		e.verify(false)
		r := e.cli(e.conn.User+"\n", "remove", "--delete-from-server", "--settings-dir", t.TempDir())
		if r.code != cli.ExitGateClosed || !strings.Contains(r.stdout, "Not yet safe") {
			t.Fatalf("remove through a closed gate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("wrong name typed", func(t *testing.T) {
		e := ready(t)
		before := serverCounts(t, e.srv)
		r := e.cli("demo@old-isp.exampel\n", "remove", "--delete-from-server", "--settings-dir", t.TempDir())
		if r.code != cli.ExitNotConfirmed || !strings.Contains(r.stderr, "Type the account name (demo@old-isp.example)") {
			t.Fatalf("remove with a typo: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		sameCounts(t, before, serverCounts(t, e.srv))
	})
	t.Run("--confirm needs the account name", func(t *testing.T) {
		e := ready(t)
		before := serverCounts(t, e.srv)
		r := e.cli("", "remove", "--delete-from-server", "--confirm", "yes", "--settings-dir", t.TempDir())
		if r.code != cli.ExitNotConfirmed {
			t.Fatalf("remove --confirm yes: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		sameCounts(t, before, serverCounts(t, e.srv))
	})
	t.Run("archive edited in place", func(t *testing.T) {
		e := ready(t)
		editMboxKeepingTime(t, e, "INBOX", 5)
		before := serverCounts(t, e.srv)
		r := e.cli("", "remove", "--delete-from-server", "--confirm", e.conn.User, "--settings-dir", t.TempDir())
		if r.code != cli.ExitGateClosed || !strings.Contains(r.stderr, "The archive changed since the verification") ||
			!strings.Contains(r.stderr, "INBOX uid 5") || strings.Count(r.stderr, "\n") != 1 {
			t.Fatalf("remove after an mbox edit: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		sameCounts(t, before, serverCounts(t, e.srv))
	})
	t.Run("message not the archived one", func(t *testing.T) {
		e := newEnv(t)
		on := serveTwin(t, e, func(a *demo.Account) {
			f := lastFolder(a)
			f.Messages[0].Raw = sameLengthHeaderEdit(t, f.Messages[0].Raw)
		})
		e.backup()
		e.export()
		e.verify(false)
		on.Store(true)
		before := serverCounts(t, e.srv)
		r := e.cli("", "remove", "--delete-from-server", "--deep", "--confirm", e.conn.User, "--settings-dir", t.TempDir())
		if r.code != cli.ExitError || !strings.Contains(r.stderr, "The server changed since the verification") ||
			!strings.Contains(r.stderr, "uid 1: its bytes are not the archived message's") {
			t.Fatalf("remove with a message changed on the server: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		sameCounts(t, before, serverCounts(t, e.srv))
	})
	t.Run("typed and forgotten", func(t *testing.T) {
		e := ready(t)
		sdir := filepath.Join(t.TempDir(), "mailark")
		store, err := settings.Load(sdir)
		if err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{e.conn.User, "other@example.org"} {
			if _, err := store.Put(settings.Account{Email: email, Host: e.conn.Host, User: email, ArchiveDir: e.dir}); err != nil {
				t.Fatal(err)
			}
		}
		r := e.cli(e.conn.User+"\n", "remove", "--delete-from-server", "--settings-dir", sdir)
		if r.code != cli.ExitOK || !strings.Contains(r.stdout, "615 message(s) deleted") {
			t.Fatalf("remove: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		for name, n := range serverCounts(t, e.srv) {
			if n != 0 {
				t.Errorf("%s: %d messages left", name, n)
			}
		}
		store, _ = settings.Load(sdir)
		if accts := store.Accounts(); len(accts) != 1 || accts[0].Email != "other@example.org" {
			t.Errorf("settings after remove: %+v; want only the other account", accts)
		}
	})
}
