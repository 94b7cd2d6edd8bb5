// Package settings keeps the accounts a person has set up in Mailark: a
// profile per account in accounts.json (mode 0600 in a 0700 folder under the
// user's configuration folder) and, only when the person asked Mailark to
// remember it, the password in the operating system's keyring (Secret
// Service on Linux, Keychain on macOS, Credential Manager on Windows,
// through github.com/zalando/go-keyring).
//
// A password is never written to a file. Where no keyring service exists,
// SetPassword returns an error matching ErrNoKeyring and the caller keeps the
// password in memory for the session only.
package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/mailark/mailark/internal/secret"
)

// FileName is the profile file inside the settings folder.
const FileName = "accounts.json"

// KeyringService is the service name under which passwords are stored.
const KeyringService = "Mailark"

var (
	// ErrNoKeyring: the operating system has no usable keyring.
	ErrNoKeyring = errors.New("settings: no keyring service on this computer")
	// ErrNoPassword: no password is stored for the account.
	ErrNoPassword = errors.New("settings: no stored password")
	// ErrUnknownAccount: no profile with that id.
	ErrUnknownAccount = errors.New("settings: no such account")
)

// Account is a saved account profile. It holds no password.
type Account struct {
	ID               string `json:"id"` // set by Put from Email when empty
	Email            string `json:"email"`
	Host             string `json:"host"`
	Port             int    `json:"port,omitempty"`
	Security         string `json:"security"` // tls, starttls or plain
	CAFile           string `json:"ca_file,omitempty"`
	User             string `json:"user"`
	ArchiveDir       string `json:"archive_dir"`
	RememberPassword bool   `json:"remember_password"`
	// Protocol is "pop3" for an account read over POP3; "" (or "imap"):
	// IMAP.
	Protocol string `json:"protocol,omitempty"`
	// LastBackup is how the most recent backup ended, nil before the first.
	LastBackup *BackupRecord `json:"last_backup,omitempty"`
}

// BackupRecord summarises a backup run for the account list.
type BackupRecord struct {
	At       time.Time `json:"at"`
	Status   string    `json:"status"`   // ok, failures, cancelled, error
	Messages int64     `json:"messages"` // in the archive after the run
	New      int64     `json:"new"`      // archived by the run
	Bytes    int64     `json:"bytes"`    // archived by the run
	Failed   int       `json:"failed"`   // messages still not archived
}

type file struct {
	Version  int       `json:"version"`
	Accounts []Account `json:"accounts"`
}

// Store is the loaded settings folder. It is safe for concurrent use.
type Store struct {
	mu       sync.Mutex
	dir      string
	accounts []Account
}

// DefaultDir is Mailark's folder in the user's configuration folder.
func DefaultDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("settings: %w", err)
	}
	return filepath.Join(base, "mailark"), nil
}

// Load reads dir/accounts.json; a missing file is an empty store. Nothing is
// created until the first Put.
func Load(dir string) (*Store, error) {
	s := &Store{dir: dir}
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("settings: %w", err)
	}
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("settings: %s: %w", filepath.Join(dir, FileName), err)
	}
	s.accounts = f.Accounts
	return s, nil
}

// Dir returns the settings folder.
func (s *Store) Dir() string { return s.dir }

// Accounts returns the profiles, sorted by email.
func (s *Store) Accounts() []Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Account, len(s.accounts))
	copy(out, s.accounts)
	sort.Slice(out, func(i, j int) bool { return out[i].Email < out[j].Email })
	return out
}

// Account returns one profile.
func (s *Store) Account(id string) (Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts {
		if a.ID == id {
			return a, true
		}
	}
	return Account{}, false
}

// AccountID is the id Put gives an account with this email.
func AccountID(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Put adds or replaces the profile with a.ID (from a.Email when empty) and
// saves the file. It returns the stored account.
func (s *Store) Put(a Account) (Account, error) {
	if a.ID == "" {
		a.ID = AccountID(a.Email)
	}
	if a.ID == "" {
		return a, errors.New("settings: an account needs an email address")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := make([]Account, 0, len(s.accounts)+1)
	for _, x := range s.accounts {
		if x.ID != a.ID {
			next = append(next, x)
		}
	}
	next = append(next, a)
	if err := s.save(next); err != nil {
		return a, err
	}
	s.accounts = next
	return a, nil
}

// Forget removes the profile and its stored password. The profile is gone
// even when the keyring cannot be reached; the error then says the password
// may still be in the keyring.
func (s *Store) Forget(id string) error {
	s.mu.Lock()
	found := false
	next := make([]Account, 0, len(s.accounts))
	for _, x := range s.accounts {
		if x.ID == id {
			found = true
			continue
		}
		next = append(next, x)
	}
	if !found {
		s.mu.Unlock()
		return fmt.Errorf("%w: %s", ErrUnknownAccount, id)
	}
	err := s.save(next)
	if err == nil {
		s.accounts = next
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if kerr := keyring.Delete(KeyringService, id); kerr != nil && !errors.Is(kerr, keyring.ErrNotFound) {
		return fmt.Errorf("%w: the password for %s may still be in the keyring: %v", ErrNoKeyring, id, kerr)
	}
	return nil
}

// SetPassword stores the account's password in the keyring. Without a
// keyring service it returns an error matching ErrNoKeyring: keep the
// password in memory instead, never in a file.
func (s *Store) SetPassword(id string, p secret.Password) error {
	if p.Empty() {
		return errors.New("settings: empty password")
	}
	if err := keyring.Set(KeyringService, id, p.Reveal()); err != nil {
		return fmt.Errorf("%w: %v", ErrNoKeyring, err)
	}
	return nil
}

// Password returns the stored password: ErrNoPassword when there is none,
// ErrNoKeyring when the keyring cannot be reached.
func (s *Store) Password(id string) (secret.Password, error) {
	v, err := keyring.Get(KeyringService, id)
	if errors.Is(err, keyring.ErrNotFound) {
		return secret.Password{}, ErrNoPassword
	}
	if err != nil {
		return secret.Password{}, fmt.Errorf("%w: %v", ErrNoKeyring, err)
	}
	return secret.New(v), nil
}

// DeletePassword removes a stored password (the person unticked
// "remember"). No stored password is not an error.
func (s *Store) DeletePassword(id string) error {
	err := keyring.Delete(KeyringService, id)
	if err != nil && !errors.Is(err, keyring.ErrNotFound) {
		return fmt.Errorf("%w: %v", ErrNoKeyring, err)
	}
	return nil
}

// save writes the file atomically: a temporary file (0600) in the folder
// (0700), synced, then renamed over accounts.json.
func (s *Store) save(accounts []Account) error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if err := os.Chmod(s.dir, 0o700); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	data, err := json.MarshalIndent(file{Version: 1, Accounts: accounts}, "", "  ")
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, ".accounts-*.json")
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename this finds nothing
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("settings: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("settings: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("settings: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(s.dir, FileName)); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	return nil
}
