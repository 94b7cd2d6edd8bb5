package desk_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := cli.OSEnv()
	env.Stdout, env.Stderr, env.Stdin = &out, &errOut, strings.NewReader("")
	env.IsTerminal = func(int) bool { return false }
	code := cli.Main(context.Background(), env, args)
	return code, out.String(), errOut.String()
}

// TestDeskCommandLine drives the command line's contract: init, add (a bad
// CSV first), work --until-idle (exit 3: an account needs a person),
// report CUSTOMER and the desk summary.
func TestDeskCommandLine(t *testing.T) {
	srv := testimap.Start(t, smallAccount(demo.OldProviderUser, demo.OldProviderPassword, 2))
	dir := filepath.Join(t.TempDir(), "desk")
	if code, out, errOut := runCLI(t, "desk", "init", dir); code != 0 || !strings.Contains(out, "Desk ready") {
		t.Fatalf("desk init = %d %q %q", code, out, errOut)
	}
	code, _, errOut := runCLI(t, "desk", "init", filepath.Join(t.TempDir(), "pgdesk"), "--queue", "postgres://desk:hunter2@db.example/mailark")
	if code != 1 || !strings.Contains(errOut, ".pgpass") || strings.Contains(errOut, "hunter2") {
		t.Errorf("desk init with a password in the queue URL = %d %q, want a refusal naming .pgpass", code, errOut)
	}
	tmp := t.TempDir()
	csv := fmt.Sprintf("customer,old_host,old_port,old_security,old_user,secret\nhanako,%[1]s,%[2]d,plain,%[3]s,h\njiro,%[1]s,%[2]d,plain,jiro@old-isp.example,j\n",
		srv.Host, srv.Port, demo.OldProviderUser)
	bad := writeFile(t, filepath.Join(tmp, "bad.csv"), csv+"hanako,x.example,993,tls,h2@x.example,h\n", 0o600)
	code, _, errOut = runCLI(t, "desk", "add", "--desk", dir, bad)
	if code != 1 || !strings.Contains(errOut, `line 4: customer "hanako" is already on line 2`) || !strings.Contains(errOut, "nothing was queued") {
		t.Fatalf("desk add (bad CSV) = %d %q", code, errOut)
	}
	good := writeFile(t, filepath.Join(tmp, "accounts.csv"), csv, 0o600)
	secrets := writeFile(t, filepath.Join(tmp, "secrets"), "h="+demo.OldProviderPassword+"\nj=not-jiros-password\n", 0o600)
	if code, out, errOut := runCLI(t, "desk", "add", "--desk", dir, "--secrets", secrets, good); code != 0 || !strings.Contains(out, "2 account(s) queued") {
		t.Fatalf("desk add = %d %q %q", code, out, errOut)
	}
	code, out, errOut := runCLI(t, "desk", "work", "--desk", dir, "--secrets", secrets, "--workers", "4", "--until-idle")
	if code != 3 || !strings.Contains(out, "1 done, 1 need a person") || !strings.Contains(out, "NEEDS A PERSON: jiro") {
		t.Fatalf("desk work = %d %q %q", code, out, errOut)
	}
	for _, pw := range []string{demo.OldProviderPassword, "not-jiros-password"} {
		if strings.Contains(out+errOut, pw) {
			t.Errorf("desk work printed a password")
		}
	}
	code, out, _ = runCLI(t, "desk", "report", "--desk", dir, "hanako")
	if code != 0 || !strings.Contains(out, "hanako ("+demo.OldProviderUser) || !strings.Contains(out, "report.html") {
		t.Errorf("desk report hanako = %d %q", code, out)
	}
	if code, out, _ = runCLI(t, "desk", "report", "--desk", dir, "jiro"); code != 4 || !strings.Contains(out, "Wrong user name or password") {
		t.Errorf("desk report jiro = %d %q", code, out)
	}
	if code, out, _ = runCLI(t, "desk", "report", "--desk", dir); code != 0 {
		t.Errorf("desk report = %d %q", code, out)
	}
	summary, err := os.ReadFile(filepath.Join(dir, "summary.csv"))
	if err != nil || !strings.Contains(string(summary), "hanako,"+demo.OldProviderUser) || !strings.Contains(string(summary), "auth-failed") {
		t.Errorf("summary.csv = %q, %v", summary, err)
	}
	if code, _, errOut = runCLI(t, "desk", "work", "--desk", filepath.Join(tmp, "nodesk"), "--secrets", secrets); code != 1 || !strings.Contains(errOut, "desk init") {
		t.Errorf("desk work on a folder that is no desk = %d %q", code, errOut)
	}
}

// TestDeskCommandLinePerWorker: desk init --archives per-worker, desk work
// --pc --archive-root (required there, refused on a shared desk), and desk
// report saying where the archive is, reading it only on its own PC.
func TestDeskCommandLinePerWorker(t *testing.T) {
	srv := testimap.Start(t, smallAccount(demo.OldProviderUser, demo.OldProviderPassword, 1))
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "desk")
	if code, out, errOut := runCLI(t, "desk", "init", dir, "--archives", "per-worker"); code != 0 || !strings.Contains(out, "on each worker PC") {
		t.Fatalf("desk init --archives per-worker = %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "desk", "init", dir); code != 1 || !strings.Contains(errOut, "archives are per-worker") {
		t.Errorf("desk init of the same desk with shared archives = %d %q, want a refusal", code, errOut)
	}
	if code, _, errOut := runCLI(t, "desk", "init", filepath.Join(tmp, "x"), "--archives", "sideways"); code != 1 || !strings.Contains(errOut, "per-worker") {
		t.Errorf("desk init --archives sideways = %d %q", code, errOut)
	}
	csv := writeFile(t, filepath.Join(tmp, "a.csv"), fmt.Sprintf("customer,old_host,old_port,old_security,old_user,secret\nhanako,%s,%d,plain,%s,h\n",
		srv.Host, srv.Port, demo.OldProviderUser), 0o600)
	secrets := writeFile(t, filepath.Join(tmp, "s"), "h="+demo.OldProviderPassword+"\n", 0o600)
	if code, out, errOut := runCLI(t, "desk", "add", "--desk", dir, csv); code != 0 {
		t.Fatalf("desk add = %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "desk", "work", "--desk", dir, "--secrets", secrets, "--until-idle"); code != 2 || !strings.Contains(errOut, "--archive-root LOCALDIR") {
		t.Errorf("desk work without --archive-root = %d %q, want a usage error naming it", code, errOut)
	}
	if code, _, errOut := runCLI(t, "desk", "work", "--desk", dir, "--secrets", secrets, "--until-idle", "--pc", "PC 1", "--archive-root", tmp); code != 1 || !strings.Contains(errOut, "lower-case") {
		t.Errorf("desk work --pc 'PC 1' = %d %q, want a refusal", code, errOut)
	}
	root := filepath.Join(tmp, "local")
	if code, out, errOut := runCLI(t, "desk", "work", "--desk", dir, "--secrets", secrets, "--until-idle", "--pc", "pc-1", "--archive-root", root); code != 0 {
		t.Fatalf("desk work --pc pc-1 = %d %q %q", code, out, errOut)
	}
	where := "on PC pc-1, in " + filepath.Join(root, "hanako")
	if code, out, _ := runCLI(t, "desk", "report", "--desk", dir, "--pc", "pc-1", "hanako"); code != 0 || !strings.Contains(out, where) || !strings.Contains(out, "report.html") {
		t.Errorf("desk report on pc-1 = %d %q, want the archive %s and the report", code, out, where)
	}
	if code, out, _ := runCLI(t, "desk", "report", "--desk", dir, "--pc", "pc-2", "hanako", "--lang", "ja"); code != 0 || !strings.Contains(out, "この PC ではなく PC pc-1") {
		t.Errorf("desk report on pc-2 = %d %q, want where the archive is, in Japanese", code, out)
	}
	// pc-1 has stopped: the rerun's steps wait for it, on every other PC.
	if code, out, _ := runCLI(t, "desk", "rerun", "--desk", dir, "--delta"); code != 0 || !strings.Contains(out, "Waits: hanako: Its archive is on PC pc-1, which has stopped") {
		t.Errorf("desk rerun = %d %q, want hanako waiting for pc-1", code, out)
	}
	if code, out, _ := runCLI(t, "desk", "work", "--desk", dir, "--secrets", secrets, "--until-idle", "--pc", "pc-2", "--archive-root", filepath.Join(tmp, "l2")); code != 3 ||
		!strings.Contains(out, "NEEDS A PERSON: hanako") || !strings.Contains(out, "start `mailark desk work` there again") {
		t.Errorf("desk work on pc-2 = %d %q, want exit 3, hanako waiting for pc-1", code, out)
	}
	if code, out, errOut := runCLI(t, "desk", "work", "--desk", dir, "--secrets", secrets, "--until-idle", "--pc", "pc-1", "--archive-root", root); code != 0 {
		t.Errorf("desk work on pc-1 again = %d %q %q", code, out, errOut)
	}
	shared := filepath.Join(tmp, "shared")
	if code, _, _ := runCLI(t, "desk", "init", shared); code != 0 {
		t.Fatal("desk init")
	}
	if code, _, errOut := runCLI(t, "desk", "work", "--desk", shared, "--secrets", secrets, "--until-idle", "--archive-root", root); code != 2 || !strings.Contains(errOut, "leave out --archive-root") {
		t.Errorf("desk work --archive-root on a shared desk = %d %q, want a refusal", code, errOut)
	}
}
