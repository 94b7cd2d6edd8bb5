package mbox_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/mbox"
)

// pythonRead lists each message of an mbox file as Python's mailbox.mbox
// sees it: get_bytes (the bytes between the separator line and the next,
// less one '\n' when the last line before the next separator, or the end
// of the file, is the empty line "\n") and get_message().get_from() (the
// separator line less "From " and its '\n').
const pythonRead = `
import base64, json, mailbox, sys
box = mailbox.mbox(sys.argv[1], create=False)
out = []
for key in sorted(box.keys()):
    out.append({"from": box.get_message(key).get_from(),
                "bytes": base64.b64encode(box.get_bytes(key)).decode("ascii")})
print(json.dumps(out))
`

// TestPythonReadsMbox checks that Python's mailbox module, which reads
// mbox files without undoing mboxrd quoting, finds every message Mailark
// wrote, and that once one '>' is taken from the ^>+From  lines the bytes
// are the message's. Python strips one '\n' before each separator line,
// so for a message without a final newline it gives the message plus the
// '\n' that ends its last line; it leaves CRLF alone and ignores the
// " mailark-no-final-newline" field (get_from shows it).
func TestPythonReadsMbox(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		if strings.Contains(os.Getenv("MAILARK_TEST_NO_SKIP"), "python") {
			t.Fatalf("python3 not found and MAILARK_TEST_NO_SKIP has python: %v", err)
		}
		t.Skip("python3 not found")
	}
	msgs := []struct {
		name   string
		sender string
		msg    string
	}{
		{"CRLF with From lines", "taro@example.jp",
			"From: Taro <taro@example.jp>\r\nSubject: crlf\r\n\r\nFrom here\r\n>From there\r\n>>From everywhere\r\n"},
		{"LF with From lines", "",
			"From: a@example.jp\nSubject: lf\n\nFrom the start\nFrom\n>From x\n\n"},
		{"no final newline", "a b",
			"From: a@example.jp\nSubject: no final newline\n\nFrom x"},
		{"empty", "x@example.jp", ""},
		{"newline only", "x@example.jp", "\n"},
		{"non-ASCII sender and 8-bit body", "取引先@example.jp",
			"From: =?UTF-8?B?5Y+W5byV5YWI?= <t@example.jp>\r\nSubject: 8bit\r\n\r\n\xe5\x8f\x96\xff\r\n"},
	}
	var file bytes.Buffer
	for _, m := range msgs {
		sep := mbox.Separator{Sender: m.sender, Time: start}
		if _, err := mbox.WriteMessage(&file, sep, strings.NewReader(m.msg), int64(len(m.msg))); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "INBOX.mbox")
	if err := os.WriteFile(path, file.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c", pythonRead, path).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("python3: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("python3: %v", err)
	}
	var got []struct {
		From  string `json:"from"`
		Bytes []byte `json:"bytes"` // base64, as encoding/json reads []byte
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python3 output %q: %v", out, err)
	}
	if len(got) != len(msgs) {
		t.Fatalf("Python found %d messages, want %d", len(got), len(msgs))
	}
	for i, m := range msgs {
		t.Run(m.name, func(t *testing.T) {
			want := []byte(m.msg)
			wantFrom := mbox.SenderToken(m.sender) + " Tue Mar  5 09:04:11 2024"
			if noFinalNewline(want) {
				want = append(want, '\n')
				wantFrom += " mailark-no-final-newline"
			}
			if g := refUnquote(got[i].Bytes); !bytes.Equal(g, want) {
				t.Errorf("Python get_bytes unquoted = %q, want %q", g, want)
			}
			if g, w := got[i].Bytes, refQuote(want); !bytes.Equal(g, w) {
				t.Errorf("Python get_bytes = %q, want %q", g, w)
			}
			if got[i].From != wantFrom {
				t.Errorf("Python get_from() = %q, want %q", got[i].From, wantFrom)
			}
		})
	}
}
