package desk

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"

	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/secret"
)

// Secrets are the passwords a worker holds, by the names accounts.csv
// uses. They are read from a local file when a worker starts and never
// leave its memory: not into the queue, the board, a log or argv.
type Secrets struct {
	byName map[string]secret.Password
}

// Get returns the password called name.
func (s *Secrets) Get(name string) (secret.Password, bool) {
	if s == nil {
		return secret.Password{}, false
	}
	p, ok := s.byName[name]
	return p, ok
}

// Names lists the secrets' names (never their values).
func (s *Secrets) Names() []string {
	var out []string
	for n := range s.byName {
		out = append(out, n)
	}
	return out
}

const ageHeader = "age-encryption.org/v1"

// ReadSecrets reads the secrets file: lines NAME=password (blank lines and
// lines starting with # are skipped). A file that other users can read is
// refused. An age-encrypted file (filippo.io/age) is decrypted with the
// identities in identityFile, which must be private too.
func ReadSecrets(path, identityFile string) (*Secrets, error) {
	data, err := readPrivate(path, "secrets file")
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(data, []byte(ageHeader)) || bytes.HasPrefix(data, []byte("-----BEGIN AGE ENCRYPTED FILE-----")) {
		if identityFile == "" {
			return nil, mailerr.New(mailerr.BadInput, "read secrets", path,
				errors.New("the file is age-encrypted and no key file was given to decrypt it"))
		}
		idData, err := readPrivate(identityFile, "key file")
		if err != nil {
			return nil, err
		}
		ids, err := age.ParseIdentities(bytes.NewReader(idData))
		if err != nil {
			return nil, mailerr.New(mailerr.BadInput, "read key file", identityFile, err)
		}
		var in io.Reader = bytes.NewReader(data)
		if bytes.HasPrefix(data, []byte("-----BEGIN")) {
			in = armor.NewReader(bytes.NewReader(data))
		}
		r, err := age.Decrypt(in, ids...)
		if err != nil {
			return nil, mailerr.New(mailerr.BadInput, "decrypt secrets", path,
				fmt.Errorf("%w (is it encrypted to this worker's key?)", err))
		}
		if data, err = io.ReadAll(io.LimitReader(r, 16<<20)); err != nil {
			return nil, mailerr.New(mailerr.BadInput, "decrypt secrets", path, err)
		}
	}
	return parseSecrets(path, data)
}

func parseSecrets(path string, data []byte) (*Secrets, error) {
	s := &Secrets{byName: map[string]secret.Password{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		t := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(t) == "" || strings.HasPrefix(strings.TrimSpace(t), "#") {
			continue
		}
		name, pw, ok := strings.Cut(t, "=")
		name = strings.TrimSpace(name)
		if !ok || !validSecretName(name) || pw == "" {
			// Never quote the line: it may hold a password.
			return nil, mailerr.New(mailerr.BadInput, "read secrets", path,
				fmt.Errorf("line %d is not NAME=password", line))
		}
		if _, dup := s.byName[name]; dup {
			return nil, mailerr.New(mailerr.BadInput, "read secrets", path, fmt.Errorf("line %d: %s is defined twice", line, name))
		}
		s.byName[name] = secret.New(pw)
	}
	if err := sc.Err(); err != nil {
		return nil, mailerr.New(mailerr.BadInput, "read secrets", path, err)
	}
	return s, nil
}

func readPrivate(path, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, mailerr.New(mailerr.BadInput, "read "+what, path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, mailerr.New(mailerr.BadInput, "read "+what, path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, mailerr.New(mailerr.Permission, "read "+what, path,
			fmt.Errorf("the %s %s can be read by other users (mode %v): chmod 600 it", what, path, st.Mode().Perm()))
	}
	return io.ReadAll(io.LimitReader(f, 16<<20))
}

// CheckSecretRefs lists the accounts whose secret (or new_secret) is not
// in s, as bad rows.
func CheckSecretRefs(accts []Account, s *Secrets) []RowError {
	var bad []RowError
	for _, a := range accts {
		for _, name := range []string{a.Secret, a.NewSecret} {
			if name == "" {
				continue
			}
			if _, ok := s.Get(name); !ok {
				bad = append(bad, RowError{Line: a.Line, Reason: fmt.Sprintf("secret %q is not in the secrets file", name)})
			}
		}
	}
	return bad
}
