package cli_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/testimap"
)

func TestBackupPOP3Command(t *testing.T) {
	msgs := [][]byte{[]byte("Subject: a\r\n\r\none\r\n"), []byte("Subject: b\r\n\r\n.two\r\n"), []byte("Subject: c\r\n\r\nthree\r\n")}
	s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro@isp.example", Password: "s3cret-pw", Messages: msgs,
		Deleted: map[int]bool{3: true}})
	dir := filepath.Join(t.TempDir(), "a")
	args := []string{"backup", "--protocol", "pop3", "--host", s.Host, "--port", strconv.Itoa(s.Port), "--security", "plain",
		"--user", "taro@isp.example", "--archive", dir}

	r := newRun(map[string]string{"MAILARK_PASSWORD": "s3cret-pw"})
	code := r.main(context.Background(), args...)
	out := r.stdout.String() + r.stderr.String()
	if code != cli.ExitFailures {
		t.Fatalf("backup --protocol pop3 with an undeliverable message: exit %d, want %d\n%s", code, cli.ExitFailures, out)
	}
	for _, want := range []string{"POP3 taro@isp.example@127.0.0.1/INBOX", "2 new message(s)", "NOT SAVED", "UIDL uid-3"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "s3cret-pw") {
		t.Errorf("the password appears in the output")
	}

	r = newRun(map[string]string{"MAILARK_PASSWORD": "wrong"})
	if code := r.main(context.Background(), args...); code != cli.ExitError || !strings.Contains(r.stderr.String(), "Wrong user name or password") {
		t.Errorf("wrong password: exit %d, stderr %q", code, r.stderr)
	}

	r = newRun(map[string]string{"MAILARK_PASSWORD": "s3cret-pw"})
	if code := r.main(context.Background(), append(args, "--folder", "Sent")...); code != cli.ExitUsage {
		t.Errorf("--folder with pop3: exit %d, want %d", code, cli.ExitUsage)
	}
}

func TestVerifyPOP3Command(t *testing.T) {
	msgs := [][]byte{[]byte("Subject: a\r\n\r\none\r\n"), []byte("Subject: b\r\n\r\n.two\r\n")}
	s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: msgs})
	dir := filepath.Join(t.TempDir(), "a")
	conn := []string{"--protocol", "pop3", "--host", s.Host, "--port", strconv.Itoa(s.Port), "--security", "plain",
		"--user", "taro", "--archive", dir}
	r := newRun(map[string]string{"MAILARK_PASSWORD": "pw"})
	if code := r.main(context.Background(), append([]string{"backup"}, conn...)...); code != cli.ExitOK {
		t.Fatalf("backup: exit %d\n%s", code, r.stderr)
	}
	r = newRun(map[string]string{"MAILARK_PASSWORD": "pw"})
	code := r.main(context.Background(), append([]string{"verify", "--deep"}, conn...)...)
	out := r.stdout.String()
	// Not safe: the address book is not exported, and no mail app's
	// store of this POP account is on this computer.
	if code != cli.ExitGateClosed || !strings.Contains(out, "2 message(s) verified") || !strings.Contains(out, "Not yet safe") ||
		!strings.Contains(out, "gets its mail by POP") || !strings.Contains(out, "no mail app's store of this POP account") {
		t.Errorf("verify --protocol pop3: exit %d, want %d\n%s%s", code, cli.ExitGateClosed, out, r.stderr)
	}
	r = newRun(map[string]string{"MAILARK_PASSWORD": "pw"})
	code = r.main(context.Background(), append([]string{"verify", "--lang", "ja"}, conn...)...)
	if out := r.stdout.String(); code != cli.ExitGateClosed || !strings.Contains(out, "2 通を検証しました") || !strings.Contains(out, "POP でメールを受信") {
		t.Errorf("verify --protocol pop3 --lang ja: exit %d\n%s%s", code, out, r.stderr)
	}
	// The report asks the mailbox over POP3: live, and not safe.
	r = newRun(map[string]string{"MAILARK_PASSWORD": "pw"})
	jsonPath := filepath.Join(t.TempDir(), "r.json")
	code = r.main(context.Background(), append([]string{"report", "--json", jsonPath}, conn...)...)
	if data, err := os.ReadFile(jsonPath); code != cli.ExitGateClosed || err != nil || !strings.Contains(string(data), `"live": true`) {
		t.Errorf("report --protocol pop3: exit %d, %v\n%s%s", code, err, data, r.stderr)
	}
	// remove over POP3 goes through the same gate: closed, nothing deleted.
	r = newRun(map[string]string{"MAILARK_PASSWORD": "pw"})
	code = r.main(context.Background(), append([]string{"remove", "--delete-from-server", "--confirm", "taro"}, conn...)...)
	if code != cli.ExitGateClosed || slices.Contains(s.Commands(), "DELE") || len(s.Remaining()) != 2 {
		t.Errorf("remove --protocol pop3 with the gate closed: exit %d, commands %v\n%s", code, s.Commands(), r.stderr)
	}
}

// A refused POP3 connection names POP3's ports.
func TestPOP3RefusedNamesItsPorts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := newRun(map[string]string{"MAILARK_PASSWORD": "pw"})
	code := r.main(context.Background(), "backup", "--protocol", "pop3", "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--security", "plain", "--user", "taro", "--archive", t.TempDir())
	if msg := r.stderr.String(); code == cli.ExitOK || !strings.Contains(msg, "refused the connection") || !strings.Contains(msg, "995") || strings.Contains(msg, "993") {
		t.Errorf("exit %d, %q: want the refusal with POP3's ports", code, msg)
	}
}
