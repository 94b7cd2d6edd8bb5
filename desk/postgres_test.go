package desk_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/mailark/mailark/desk"
	"github.com/mailark/mailark/internal/testimap"
)

const pgBin = "/usr/lib/postgresql/15/bin"

// startPostgres starts a private PostgreSQL on 127.0.0.1 for the test
// (initdb into a temp folder, pg_ctl on a free port; as root, run as the
// postgres user) and returns its URL. It skips when PostgreSQL is not
// installed, and fails instead under MAILARK_TEST_NO_SKIP=postgres.
func startPostgres(t testing.TB) string {
	t.Helper()
	url, _ := startPostgresServer(t)
	return url
}

// startPostgresServer is startPostgres that also returns a function that
// puts hba in the server's pg_hba.conf and has the server reload it.
func startPostgresServer(t testing.TB) (string, func(hba string) error) {
	t.Helper()
	_, err := os.Stat(filepath.Join(pgBin, "initdb"))
	testimap.SkipUnless(t, "postgres", err == nil, "PostgreSQL 15 is not installed (make deps installs Debian's postgresql)")
	if err != nil {
		return "", nil
	}
	dir, err := os.MkdirTemp("", "mailark-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	run := func(args ...string) *exec.Cmd { return exec.Command(args[0], args[1:]...) }
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs the postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		run = func(args ...string) *exec.Cmd {
			return exec.Command("runuser", append([]string{"-u", "postgres", "--"}, args...)...)
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := run(filepath.Join(pgBin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ctl := filepath.Join(pgBin, "pg_ctl")
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100", port, dir)
	if out, err := run(ctl, "-D", data, "-l", filepath.Join(dir, "log"), "-o", opts, "-w", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	t.Cleanup(func() { _ = run(ctl, "-D", data, "-m", "immediate", "-w", "stop").Run() })
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port), func(hba string) error {
		if err := os.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(hba), 0o644); err != nil {
			return err
		}
		if out, err := run(ctl, "-D", data, "reload").CombinedOutput(); err != nil {
			return fmt.Errorf("pg_ctl reload: %v\n%s", err, out)
		}
		return nil
	}
}

// TestPostgresPasswordNotInDesk: a queue URL with a password is refused
// (desk.json, in the shared desk folder, would keep it in clear) with
// where the password goes instead; with the password in PGPASSFILE the
// desk opens on a server that asks for it, and desk.json holds no password.
func TestPostgresPasswordNotInDesk(t *testing.T) {
	url, setHBA := startPostgresServer(t)
	ctx := context.Background()
	const pw = "queue-secret-5521"
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, "ALTER USER postgres PASSWORD '"+pw+"'")
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := setHBA("local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n"); err != nil {
		t.Fatal(err)
	}
	withPW := strings.Replace(url, "postgres@", "postgres:"+pw+"@", 1)
	for _, u := range []string{withPW, url + "&password=" + pw} {
		_, err := desk.Init(ctx, filepath.Join(t.TempDir(), "desk"), desk.Config{Queue: u})
		if err == nil || !strings.Contains(err.Error(), ".pgpass") || strings.Contains(err.Error(), pw) {
			t.Errorf("Init(%s) = %v, want a refusal naming .pgpass, without the password", strings.ReplaceAll(u, pw, "PW"), err)
		}
	}
	// Without a password anywhere the server refuses.
	t.Setenv("PGPASSFILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("PGPASSWORD", "")
	if _, err := desk.Init(ctx, filepath.Join(t.TempDir(), "desk"), desk.Config{Queue: url}); err == nil {
		t.Fatal("Init() without the password = nil, want the server's refusal (is pg_hba.conf asking for one?)")
	}
	pass := writeFile(t, filepath.Join(t.TempDir(), "pgpass"), "127.0.0.1:*:*:postgres:"+pw+"\n", 0o600)
	t.Setenv("PGPASSFILE", pass)
	dir := filepath.Join(t.TempDir(), "desk")
	d, err := desk.Init(ctx, dir, desk.Config{Queue: url})
	if err != nil {
		t.Fatalf("Init() with PGPASSFILE = %v", err)
	}
	d.Close()
	b, err := os.ReadFile(filepath.Join(dir, desk.ConfigFile))
	if err != nil || strings.Contains(string(b), pw) {
		t.Errorf("desk.json = %q, %v; want no password", b, err)
	}
	// A desk.json written with a password (by hand, or an older version)
	// is refused too, saying what to do.
	cfg := strings.Replace(string(b), "postgres@", "postgres:"+pw+"@", 1)
	writeFile(t, filepath.Join(dir, desk.ConfigFile), cfg, 0o600)
	if _, err := desk.Open(ctx, dir); err == nil || !strings.Contains(err.Error(), "take the password out") || strings.Contains(err.Error(), pw) {
		t.Errorf("Open() of a desk.json with a password = %v", err)
	}
}
