package desk_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/mailark/mailark/desk"
	"github.com/mailark/mailark/internal/mailerr"
)

func TestParseCSV(t *testing.T) {
	const header = "customer,old_host,old_port,old_security,old_user,secret\n"
	tests := []struct {
		name, csv string
		good      int
		bad       []string // "line N: words"
		err       string
	}{
		{name: "good, columns in any order, notes kept", csv: "secret,old_user,customer,old_security,old_port,old_host,branch\n" +
			"s1,a@x.example,A,tls,993,imap.x.example,Osaka\n", good: 1},
		{name: "missing columns", csv: "customer,old_host,old_user\nA,imap.x.example,a@x.example\n",
			err: "missing column(s) old_port, old_security, secret"},
		{name: "empty file", csv: "", err: "empty"},
		{name: "duplicate customer and account", csv: header +
			"A,imap.x.example,993,tls,a@x.example,s1\nA,imap.x.example,993,tls,b@x.example,s2\nB,IMAP.x.example,993,tls,a@x.example,s3\n",
			good: 1, bad: []string{`line 3: customer "A" is already on line 2`, "line 4: the account a@x.example on IMAP.x.example is already on line 2"}},
		{name: "bad fields", csv: header + "../etc,imap.x.example,99999,rot13,,hunter2!\n", bad: []string{
			"line 2: customer \"../etc\" may not start with a dot; old_user is empty; old_port \"99999\" is not a port number (1-65535); " +
				"old_security \"rot13\": use tls, starttls or plain; secret \"hunter2!\" is not a name"}},
		{name: "plain text to another host", csv: header + "A,imap.x.example,143,plain,a@x.example,s1\n",
			bad: []string{"line 2: old_security plain to imap.x.example would send the password unencrypted"}},
		{name: "new account half given", csv: header[:len(header)-1] + ",new_user\nA,imap.x.example,993,tls,a@x.example,s1,a@y.example\n",
			bad: []string{"line 2: new_host is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accts, bad, err := desk.ParseCSV(strings.NewReader(tt.csv))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseCSV() error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCSV() = %v", err)
			}
			if len(accts) != tt.good {
				t.Errorf("ParseCSV() good rows = %d, want %d", len(accts), tt.good)
			}
			if len(bad) != len(tt.bad) {
				t.Fatalf("ParseCSV() bad rows = %v, want %v", bad, tt.bad)
			}
			for i, b := range bad {
				if !strings.HasPrefix(b.Error(), tt.bad[i]) {
					t.Errorf("bad row %d = %q, want %q", i, b.Error(), tt.bad[i])
				}
			}
		})
	}
	accts, _, _ := desk.ParseCSV(strings.NewReader(tests[0].csv))
	if accts[0].Notes["branch"] != "Osaka" || accts[0].Old.Port != 993 {
		t.Errorf("ParseCSV() = %+v, want the branch kept as a note", accts[0])
	}
}

// TestBadFilesRefused: a CSV or secrets file others can read is refused,
// a bad CSV queues nothing, an unknown secret is named.
func TestBadFilesRefused(t *testing.T) {
	dir := t.TempDir()
	good := "customer,old_host,old_port,old_security,old_user,secret\nA,imap.x.example,993,tls,a@x.example,s1\n"
	for _, mode := range []uint32{0o644, 0o640} {
		p := writeFile(t, filepath.Join(dir, "accounts.csv"), good, 0o600)
		writeFile(t, p, good, fsMode(mode))
		if _, _, err := desk.ReadCSVFile(p, false); mailerr.KindOf(err) != mailerr.Permission {
			t.Errorf("ReadCSVFile(mode %o) = %v, want a permission error", mode, err)
		}
		s := writeFile(t, filepath.Join(dir, "secrets"), "s1=pw\n", fsMode(mode))
		if _, err := desk.ReadSecrets(s, ""); mailerr.KindOf(err) != mailerr.Permission || strings.Contains(err.Error(), "pw") {
			t.Errorf("ReadSecrets(mode %o) = %v, want a permission error", mode, err)
		}
	}
	_, d := testDesk(t, "")
	bad := writeFile(t, filepath.Join(dir, "bad.csv"), good+"A,imap.x.example,993,tls,b@x.example,s2\n", 0o600)
	_, rows, err := desk.ReadCSVFile(bad, false)
	var ce *desk.CSVError
	if !errors.As(err, &ce) || len(rows) != 1 || rows[0].Line != 3 {
		t.Fatalf("ReadCSVFile(duplicate) = %v, %v; want line 3 named", rows, err)
	}
	if list, _ := d.Accounts(context.Background()); len(list) != 0 {
		t.Errorf("a bad CSV queued %d account(s)", len(list))
	}
	accts, _, err := desk.ReadCSVFile(writeFile(t, filepath.Join(dir, "ok.csv"), good, 0o600), false)
	if err != nil {
		t.Fatal(err)
	}
	sec, err := desk.ReadSecrets(writeFile(t, filepath.Join(dir, "secrets2"), "other=pw\n", 0o600), "")
	if err != nil {
		t.Fatal(err)
	}
	if rows := desk.CheckSecretRefs(accts, sec); len(rows) != 1 || !strings.Contains(rows[0].Error(), `line 2: secret "s1" is not in the secrets file`) {
		t.Errorf("CheckSecretRefs() = %v, want line 2 named", rows)
	}
	if _, err := desk.ReadSecrets(writeFile(t, filepath.Join(dir, "secrets3"), "s1=pw\nno equals sign hunter2\n", 0o600), ""); err == nil ||
		!strings.Contains(err.Error(), "line 2") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("ReadSecrets(bad line) = %v, want line 2 named and not quoted", err)
	}
}

func fsMode(m uint32) os.FileMode { return os.FileMode(m) }

// TestAgeSecrets: an age-encrypted secrets file is read with the worker's
// key; without the key, or with another key, it is refused.
func TestAgeSecrets(t *testing.T) {
	dir := t.TempDir()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	var enc bytes.Buffer
	w, err := age.Encrypt(&enc, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "s1=secret-one\ns2=secret=two\n")
	w.Close()
	p := writeFile(t, filepath.Join(dir, "secrets.age"), enc.String(), 0o600)
	key := writeFile(t, filepath.Join(dir, "key.txt"), id.String()+"\n", 0o600)
	s, err := desk.ReadSecrets(p, key)
	if err != nil {
		t.Fatalf("ReadSecrets() = %v", err)
	}
	if pw, ok := s.Get("s2"); !ok || pw.Reveal() != "secret=two" {
		t.Errorf("s2 = %v, %v; want the password after the first =", pw.Reveal(), ok)
	}
	if _, err := desk.ReadSecrets(p, ""); err == nil {
		t.Error("ReadSecrets() without a key = nil, want an error")
	}
	other, _ := age.GenerateX25519Identity()
	if _, err := desk.ReadSecrets(p, writeFile(t, filepath.Join(dir, "other.txt"), other.String()+"\n", 0o600)); err == nil {
		t.Error("ReadSecrets() with another key = nil, want an error")
	}
	if _, err := desk.ReadSecrets(p, writeFile(t, filepath.Join(dir, "open.txt"), id.String()+"\n", 0o644)); mailerr.KindOf(err) != mailerr.Permission {
		t.Errorf("ReadSecrets() with a key others can read = %v, want a permission error", err)
	}
}
