package gate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/cli"
)

// offlineReport runs `mailark report` without connection flags.
func (e *env) offlineReport(t *testing.T) (code int, stdout, page string, safe bool) {
	t.Helper()
	dir := t.TempDir()
	html, js := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.json")
	var out, errOut bytes.Buffer
	ce := &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
		Getenv: func(string) string { return "" }, Unsetenv: func(string) error { return nil },
		IsTerminal: func(int) bool { return false }}
	code = cli.Main(context.Background(), ce, []string{"report", "--archive", e.dir, "--html", html, "--json", js, "--lang", "en"})
	if !strings.Contains(out.String(), "Report written") {
		t.Fatalf("report: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	b, _ := os.ReadFile(html)
	var rep struct {
		Safe bool `json:"safe_to_remove"`
	}
	j, _ := os.ReadFile(js)
	if err := json.Unmarshal(j, &rep); err != nil {
		t.Fatal(err)
	}
	return code, out.String(), string(b), rep.Safe
}

// A report never says "safe to remove" unless the server was asked now,
// its folder rows say "not checked" before any verification, and its exit
// status is 0 only when it says safe (as verify's).
func TestReportSaysSafeOnlyWhenAsked(t *testing.T) {
	t.Run("before any verification", func(t *testing.T) {
		e := newEnv(t)
		e.backup()
		code, _, page, safe := e.offlineReport(t)
		if code != cli.ExitGateClosed || safe {
			t.Errorf("offline report before verify: exit %d, safe %v; want %d, not safe", code, safe, cli.ExitGateClosed)
		}
		if strings.Contains(page, "no longer on the server") || !strings.Contains(page, "not checked against the server") {
			t.Errorf("folder rows before any verification do not say \"not checked\"")
		}
	})
	t.Run("offline, gate open in the records", func(t *testing.T) {
		e := ready(t)
		code, stdout, page, safe := e.offlineReport(t)
		if code != cli.ExitGateClosed || safe || strings.Contains(page, "Safe to remove") || strings.Contains(stdout, "Safe to remove") ||
			!strings.Contains(page, "Not checked now") || !strings.Contains(stdout, "Not checked now") {
			t.Errorf("offline report of a green archive: exit %d, safe %v; want %d, \"Not checked now\"\n%s", code, safe, cli.ExitGateClosed, stdout)
		}
		if r := e.cli("", "report", "--json", filepath.Join(t.TempDir(), "r.json")); r.code != cli.ExitOK || !strings.Contains(r.stdout, "Safe to remove") {
			t.Errorf("live report of a green archive: exit %d, want 0, safe\n%s", r.code, r.stdout)
		}
	})
	t.Run("live, not yet safe", func(t *testing.T) {
		e := ready(t)
		e.srv.AppendMessage("INBOX", []byte("Subject: x\r\n\r\nx\r\n"), nil, e.clk.Now())
		r := e.cli("", "report", "--json", filepath.Join(t.TempDir(), "r.json"))
		if r.code != cli.ExitGateClosed || !strings.Contains(r.stdout, "Not yet safe") {
			t.Errorf("live report after new mail: exit %d, want %d\n%s%s", r.code, cli.ExitGateClosed, r.stdout, r.stderr)
		}
	})
}

// remove says in plain words what it did with Mailark's saved settings:
// not "nothing to forget" followed by "has forgotten".
func TestRemoveSaysWhatItForgot(t *testing.T) {
	e := ready(t)
	r := e.cli("", "remove", "--settings-dir", t.TempDir())
	out := r.stdout + r.stderr
	if r.code != cli.ExitOK || strings.Contains(out, "nothing to forget") || strings.Contains(out, "has forgotten") ||
		!strings.Contains(r.stdout, "had no saved settings or password for") || !strings.Contains(r.stdout, "The archive records that") {
		t.Errorf("remove with no saved settings: exit %d\n%s", r.code, out)
	}
}
