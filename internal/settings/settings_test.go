package settings_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/settings"
)

func TestPutLoadForget(t *testing.T) {
	keyring.MockInit()
	dir := filepath.Join(t.TempDir(), "mailark")
	s, err := settings.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Accounts()); n != 0 {
		t.Fatalf("Accounts() on a new folder = %d, want 0", n)
	}
	at := time.Date(2025, 3, 5, 9, 4, 11, 0, time.UTC)
	a, err := s.Put(settings.Account{Email: "Hanako@Old-ISP.example", Host: "imap.old-isp.example", Port: 993,
		Security: "tls", User: "hanako@old-isp.example", ArchiveDir: "/home/h/Mailark/hanako", RememberPassword: true,
		LastBackup: &settings.BackupRecord{At: at, Status: "ok", Messages: 512}})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "hanako@old-isp.example" {
		t.Errorf("Put().ID = %q, want the lower-cased address", a.ID)
	}
	if err := s.SetPassword(a.ID, secret.New("s3cret-pw")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(settings.Account{Email: "b@example.org", Host: "imap.example.org"}); err != nil {
		t.Fatal(err)
	}

	// Modes: folder 0700, file 0600; no password in the file.
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("settings folder mode = %v, %v; want 0700", st.Mode().Perm(), err)
	}
	path := filepath.Join(dir, settings.FileName)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("accounts.json mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "s3cret-pw") {
		t.Fatal("the password is in accounts.json")
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".accounts-*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}

	s2, err := settings.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := s2.Accounts()
	if len(got) != 2 || got[0].Email != "Hanako@Old-ISP.example" || got[0].LastBackup == nil ||
		!got[0].LastBackup.At.Equal(at) || got[0].LastBackup.Messages != 512 || !got[0].RememberPassword {
		t.Fatalf("Load().Accounts() = %+v", got)
	}
	p, err := s2.Password(a.ID)
	if err != nil || p.Reveal() != "s3cret-pw" {
		t.Fatalf("Password() = %v, %v", p, err)
	}

	if err := s2.Forget(a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Password(a.ID); !errors.Is(err, settings.ErrNoPassword) {
		t.Errorf("Password() after Forget = %v, want ErrNoPassword", err)
	}
	s3, _ := settings.Load(dir)
	if _, ok := s3.Account(a.ID); ok || len(s3.Accounts()) != 1 {
		t.Errorf("after Forget the profile is still there: %+v", s3.Accounts())
	}
	if err := s3.Forget(a.ID); !errors.Is(err, settings.ErrUnknownAccount) {
		t.Errorf("Forget(unknown) = %v, want ErrUnknownAccount", err)
	}
}

func TestPutReplaces(t *testing.T) {
	keyring.MockInit()
	s, _ := settings.Load(t.TempDir())
	s.Put(settings.Account{Email: "a@example.org", Host: "old.example.org"})
	s.Put(settings.Account{Email: "A@example.org", Host: "new.example.org"})
	got := s.Accounts()
	if len(got) != 1 || got[0].Host != "new.example.org" {
		t.Errorf("Accounts() = %+v, want one account with the new host", got)
	}
}

func TestNoKeyring(t *testing.T) {
	keyring.MockInitWithError(errors.New("org.freedesktop.DBus.Error.ServiceUnknown"))
	t.Cleanup(keyring.MockInit)
	dir := t.TempDir()
	s, _ := settings.Load(dir)
	a, err := s.Put(settings.Account{Email: "a@example.org", RememberPassword: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetPassword(a.ID, secret.New("pw")); !errors.Is(err, settings.ErrNoKeyring) {
		t.Errorf("SetPassword() without keyring = %v, want ErrNoKeyring", err)
	}
	if _, err := s.Password(a.ID); !errors.Is(err, settings.ErrNoKeyring) {
		t.Errorf("Password() without keyring = %v, want ErrNoKeyring", err)
	}
	// Forget still removes the profile and says the keyring was unreachable.
	if err := s.Forget(a.ID); !errors.Is(err, settings.ErrNoKeyring) {
		t.Errorf("Forget() without keyring = %v, want ErrNoKeyring", err)
	}
	if len(s.Accounts()) != 0 {
		t.Error("Forget() without keyring kept the profile")
	}
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		data, _ := os.ReadFile(filepath.Join(dir, f.Name()))
		if strings.Contains(string(data), `"pw"`) {
			t.Errorf("%s holds the password", f.Name())
		}
	}
}

func TestLoadBroken(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, settings.FileName), []byte("{not json"), 0o600)
	if _, err := settings.Load(dir); err == nil {
		t.Error("Load(broken file) succeeded")
	}
}
