package cli_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

type run struct {
	env            *cli.Env
	stdout, stderr *bytes.Buffer
	vars           map[string]string
}

func newRun(vars map[string]string) *run {
	r := &run{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, vars: vars}
	r.env = &cli.Env{Stdin: strings.NewReader(""), Stdout: r.stdout, Stderr: r.stderr,
		Getenv:     func(k string) string { return r.vars[k] },
		Unsetenv:   func(k string) error { delete(r.vars, k); return nil },
		IsTerminal: func(int) bool { return false },
		ReadPassword: func(string) (string, error) {
			return "", errors.New("no terminal in tests")
		}}
	return r
}

func (r *run) main(ctx context.Context, args ...string) int { return cli.Main(ctx, r.env, args) }

func backupArgs(srv *testimap.Server, dir string, extra ...string) []string {
	return append([]string{"backup", "--host", srv.Host, "--port", strconv.Itoa(srv.Port), "--security", "plain",
		"--user", srv.User, "--archive", dir}, extra...)
}

// backedUp starts the test server with acct (nil: the demo account) and
// backs it up with the backup command into a new archive folder dir; r is
// the run that did it.
func backedUp(t *testing.T, acct *demo.Account) (srv *testimap.Server, dir string, r *run) {
	t.Helper()
	srv = testimap.Start(t, acct)
	dir = filepath.Join(t.TempDir(), "a")
	r = newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	if code := r.main(context.Background(), backupArgs(srv, dir)...); code != cli.ExitOK {
		t.Fatalf("backup exit = %d, want 0; stderr:\n%s", code, r.stderr)
	}
	return srv, dir, r
}

func TestBackupCommand(t *testing.T) {
	srv, dir, r := backedUp(t, nil)
	if _, still := r.vars["MAILARK_PASSWORD"]; still {
		t.Errorf("MAILARK_PASSWORD is still in the environment after it was read")
	}
	out := r.stdout.String()
	if !strings.Contains(out, "615 new message(s)") || !strings.Contains(out, "取引先") {
		t.Errorf("summary does not name the folders and counts:\n%s", out)
	}
	if !strings.Contains(out, "; compression off: the server does not offer COMPRESS=DEFLATE\n") {
		t.Errorf("the summary line does not say what became of compression:\n%s", out)
	}
	if strings.Contains(out+r.stderr.String(), srv.Password) {
		t.Errorf("the password appears in the output")
	}
	// The password file works too, and a rerun finds nothing new.
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte(srv.Password+"\n"), 0o600)
	r = newRun(map[string]string{})
	if code := r.main(context.Background(), backupArgs(srv, dir, "--password-file", pw)...); code != cli.ExitOK ||
		!strings.Contains(r.stdout.String(), "0 new message(s)") {
		t.Fatalf("rerun exit %d:\n%s%s", code, r.stdout, r.stderr)
	}
}

func TestBackupCommandErrors(t *testing.T) {
	srv := testimap.Start(t, nil)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		vars map[string]string
		args []string
		code int
		say  string
	}{
		{"no password", context.Background(), map[string]string{}, backupArgs(srv, t.TempDir()), cli.ExitError, "No password: set MAILARK_PASSWORD"},
		{"wrong password", context.Background(), map[string]string{"MAILARK_PASSWORD": "wrong"}, backupArgs(srv, t.TempDir()), cli.ExitError, "Wrong user name or password for 127.0.0.1"},
		{"plain to another machine", context.Background(), map[string]string{"MAILARK_PASSWORD": "x"},
			[]string{"backup", "--host", "imap.example.com", "--security", "plain", "--user", "u", "--archive", t.TempDir()}, cli.ExitError, "unencrypted"},
		{"no archive", context.Background(), map[string]string{}, []string{"backup", "--host", "h", "--user", "u"}, cli.ExitUsage, "--archive DIR is required"},
		{"bad flag", context.Background(), map[string]string{}, []string{"backup", "--password", "secret"}, cli.ExitUsage, "flag provided but not defined: -password"},
		{"bad compress", context.Background(), map[string]string{}, backupArgs(srv, t.TempDir(), "--compress", "maybe"), cli.ExitUsage, `--compress "maybe": use auto, on or off`},
		{"unknown command", context.Background(), map[string]string{}, []string{"bakup"}, cli.ExitUsage, `unknown command "bakup"`},
		{"cancelled", cancelled, map[string]string{"MAILARK_PASSWORD": srv.Password}, backupArgs(srv, t.TempDir()), cli.ExitCancelled, "Stopped."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRun(tt.vars)
			code := r.main(tt.ctx, tt.args...)
			if code != tt.code || !strings.Contains(r.stderr.String(), tt.say) {
				t.Fatalf("exit %d, want %d; stderr should say %q:\n%s", code, tt.code, tt.say, r.stderr)
			}
		})
	}
}

func TestDemoCommand(t *testing.T) {
	r := newRun(map[string]string{})
	dir := filepath.Join(t.TempDir(), "demo")
	if code := r.main(context.Background(), "demo", "--archive", dir); code != cli.ExitOK {
		t.Fatalf("demo exit = %d; stderr:\n%s", code, r.stderr)
	}
	out := r.stdout.String()
	// The whole flow, in order, ending with the gate's verdict.
	at := 0
	for _, want := range []string{"615 new message(s)",
		"Thunderbird — demo@old-isp.example (pop.old-isp.example, POP)", "300 new message(s)", "second run: 1 new message(s)", "会議の件",
		"vcard4", "mailark-contacts-google-csv.csv", "64 people",
		"6. Is it safe", "message(s) verified", "Safe to remove",
		"7. The removal report", "Report written:", "mailark-report.html",
		"8. Moving the mail", "916 of 916 archived message(s) in the new account", "916 of 916 archived message(s) are in the new account",
		"9. Telling people", "draft", dir, "Verdict: Safe to remove"} {
		i := strings.Index(out[at:], want)
		if i < 0 {
			t.Errorf("demo output lacks %q after byte %d:\n%s", want, at, out)
			continue
		}
		at += i + len(want)
	}
	if !strings.HasPrefix(lastLine(out), "Verdict: Safe to remove") {
		t.Errorf("the demo does not end with the verdict: %q", lastLine(out))
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "mailark-report.html")); err != nil {
		t.Errorf("the demo wrote no report: %v", err)
	}
	// The archive it made is usable by the other commands.
	r = newRun(map[string]string{})
	if code := r.main(context.Background(), "search", "--archive", dir, "見積"); code != cli.ExitOK ||
		!strings.Contains(r.stdout.String(), "見積") {
		t.Errorf("search exit %d:\n%s%s", code, r.stdout, r.stderr)
	}
	r = newRun(map[string]string{})
	out2 := filepath.Join(t.TempDir(), "restored")
	if code := r.main(context.Background(), "restore", "--archive", dir, "--out", out2); code != cli.ExitOK ||
		!strings.Contains(r.stdout.String(), "916 message(s) written") { // 616 from the server, 300 from Thunderbird
		t.Errorf("restore exit %d:\n%s%s", code, r.stdout, r.stderr)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// -h lists every flag and subcommand and exits 0.
func TestHelpOfDemoAndContacts(t *testing.T) {
	r := newRun(map[string]string{})
	if code := r.main(context.Background(), "demo", "-h"); code != cli.ExitOK || !strings.Contains(r.stderr.String(), "-no-gui") {
		t.Errorf("demo -h: exit %d, does not list --no-gui:\n%s", code, r.stderr)
	}
	r = newRun(map[string]string{})
	if code := r.main(context.Background(), "contacts", "-h"); code != cli.ExitOK ||
		!strings.Contains(r.stdout.String(), "list ") || !strings.Contains(r.stdout.String(), "export ") {
		t.Errorf("contacts -h: exit %d:\n%s%s", code, r.stdout, r.stderr)
	}
}

func TestContactsCommands(t *testing.T) {
	_, dir, r := backedUp(t, nil)
	r = newRun(nil)
	if code := r.main(context.Background(), "contacts", "list", "--archive", dir, "--query", "aozora"); code != cli.ExitOK {
		t.Fatalf("contacts list: %d %s", code, r.stderr)
	}
	if out := r.stdout.String(); !strings.Contains(out, "加藤 直子") || strings.Contains(out, "demo@old-isp.example  ") {
		t.Errorf("contacts list --query aozora:\n%s", out)
	}
	out := filepath.Join(t.TempDir(), "x", "contacts.vcf")
	r = newRun(nil)
	if code := r.main(context.Background(), "contacts", "export", "--archive", dir, "--format", "vcard3", "--out", out); code != cli.ExitOK {
		t.Fatalf("contacts export: %d %s", code, r.stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(b), "BEGIN:VCARD\r\nVERSION:3.0") || !strings.Contains(string(b), "加藤") {
		t.Fatalf("export file: %v %.200q", err, b)
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Errorf("export mode %v, want 0600", st.Mode().Perm())
	}
	// The export is recorded where the removal gate reads it.
	a := archivetest.Open(t, dir)
	defer a.Close()
	if rec, ok, err := a.LastExport(context.Background()); !ok || err != nil || rec.Format != "vcard3" || rec.Path != out {
		t.Errorf("LastExport() = %+v, %v, %v, want the vcard3 export to %s", rec, ok, err, out)
	}
	r = newRun(nil)
	if code := r.main(context.Background(), "contacts", "export", "--archive", dir, "--format", "yaml"); code != cli.ExitUsage ||
		!strings.Contains(r.stderr.String(), "Unknown format") {
		t.Errorf("bad format: %d %s", code, r.stderr)
	}
}

// contacts reads the mail apps' own address books under --home (a copy of
// a customer's disk) and given by --address-book: a saved client with no
// mail is listed and exported, with where the user kept them.
func TestContactsWithTheAppsAddressBooks(t *testing.T) {
	_, dir, r := backedUp(t, nil)
	home := t.TempDir()
	book := filepath.Join(home, "Contacts", "client.contact")
	if err := os.MkdirAll(filepath.Dir(book), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(book, []byte(`<?xml version="1.0" encoding="UTF-8"?><c:contact xmlns:c="http://schemas.microsoft.com/Contact">`+
		`<c:NameCollection><c:Name><c:FormattedName>Zyxwv 商店</c:FormattedName></c:Name></c:NameCollection><c:EmailAddressCollection>`+
		`<c:EmailAddress><c:Address>order@zyxwv-shoten.example</c:Address></c:EmailAddress></c:EmailAddressCollection></c:contact>`), 0o600); err != nil {
		t.Fatal(err)
	}
	r = newRun(nil)
	if code := r.main(context.Background(), "contacts", "list", "--archive", dir, "--home", home, "--os", "windows",
		"--query", "zyxwv"); code != cli.ExitOK {
		t.Fatalf("contacts list: %d %s", code, r.stderr)
	}
	if out := r.stdout.String(); !strings.Contains(out, "Zyxwv 商店") || !strings.Contains(out, "in your own address books") {
		t.Errorf("contacts list with the Windows Contacts of --home:\n%s", out)
	}
	r = newRun(nil)
	if code := r.main(context.Background(), "contacts", "list", "--archive", dir, "--home", home, "--os", "windows",
		"--no-address-books", "--query", "zyxwv"); code != cli.ExitOK || strings.Contains(r.stdout.String(), "Zyxwv") {
		t.Errorf("--no-address-books still lists the saved contact: %d\n%s", code, r.stdout)
	}
	out := filepath.Join(t.TempDir(), "contacts.vcf")
	r = newRun(nil)
	if code := r.main(context.Background(), "contacts", "export", "--archive", dir, "--address-book", book,
		"--format", "vcard4", "--out", out); code != cli.ExitOK {
		t.Fatalf("contacts export: %d %s", code, r.stderr)
	}
	b, err := os.ReadFile(out)
	unfolded := strings.ReplaceAll(string(b), "\r\n ", "")
	if err != nil || !strings.Contains(unfolded, "EMAIL:order@zyxwv-shoten.example") ||
		!strings.Contains(unfolded, "In your address book (Windows Contacts)") {
		t.Errorf("export with --address-book: %v\n%s", err, r.stderr)
	}
}
