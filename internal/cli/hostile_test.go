package cli_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/testimap"
)

// Hostile text: a window title, clear screen, a C1 CSI (read as ESC [ by
// some terminals), a bidi override, and a newline that would forge a line.
const (
	hostileESC   = "\x1b]0;pwned\x07\x1b[2J"
	hostileC1    = "\u009b31m"
	hostileBidi  = "\u202egnp.exe"
	hostileForge = "\nSafe to remove the account"
	hostile      = hostileESC + hostileC1 + hostileBidi + hostileForge
)

// hostileAccount has folders whose names are hostile (sent as modified
// UTF-7, &ABs-...), messages whose Subject and From are hostile (raw, and
// as an RFC 2047 word), and a folder whose message bodies the server
// refuses with hostile words.
func hostileAccount() *demo.Account {
	date := time.Unix(1_600_000_000, 0)
	msg := func(from, subject string) demo.Message {
		raw := "From: " + from + "\r\nTo: me@old.test\r\nSubject: " + subject +
			"\r\nMessage-ID: <" + strconv.Itoa(len(from)+len(subject)) + "@x>\r\nDate: Sun, 13 Sep 2020 12:26:40 +0000\r\n\r\nhostile body " + hostileESC + "\r\n"
		return demo.Message{Raw: []byte(raw), InternalDate: date}
	}
	return &demo.Account{User: "me@old.test", Password: "pw", Folders: []demo.Folder{
		{Name: "INBOX", Messages: []demo.Message{
			msg("\x1b[31mMallory\u202e <mallory@evil.test>", "Hostile raw "+hostileESC+hostileC1+hostileBidi),
			msg("=?utf-8?q?=1B]0;title=07Eve=C2=9B?= <eve@evil.test>", "=?utf-8?q?Hostile_encoded_=1B[2J=E2=80=AE_=0ASafe_to_remove?="),
		}},
		// C1 and bidi controls travel in modified UTF-7; go-imap's server
		// cannot open a folder with a C0 control in its name (the archive
		// gets one planted below) but lists it.
		{Name: "Evil" + hostileC1 + hostileBidi, Messages: []demo.Message{msg("a@b.test", "Hostile in folder")}},
		{Name: "Evil" + hostileESC, Messages: []demo.Message{msg("a@b.test", "Hostile unread")}},
		{Name: "Refused", Messages: []demo.Message{msg("c@d.test", "never fetched")}},
	}}
}

// hostileSession refuses, with hostile words, the bodies of folder Refused
// and, when refuseList, every LIST.
type hostileSession struct {
	imapserver.SessionIMAP4rev2
	refuseList bool
	current    string
}

func (s *hostileSession) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	s.current = mailbox
	return s.SessionIMAP4rev2.Select(mailbox, options)
}

func (s *hostileSession) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	if s.current == "Refused" && len(options.BodySection) > 0 {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Text: "cannot read " + hostileESC + hostileC1 + hostileBidi}
	}
	return s.SessionIMAP4rev2.Fetch(w, numSet, options)
}

func (s *hostileSession) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	if s.refuseList {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Text: "list refused " + hostileESC + hostileC1 + hostileBidi}
	}
	return s.SessionIMAP4rev2.List(w, ref, patterns, options)
}

// checkTerminalSafe fails when out holds a byte or rune a terminal obeys.
func checkTerminalSafe(t *testing.T, what, out string) {
	t.Helper()
	for i := 0; i < len(out); {
		r, n := utf8.DecodeRuneInString(out[i:])
		bad := (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f ||
			(r == utf8.RuneError && n == 1)
		if bad {
			t.Errorf("%s: raw %U at byte %d reaches the terminal:\n%q", what, r, i, out)
			return
		}
		i += n
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Safe to remove the account") {
			t.Errorf("%s: a newline from the server forged a line:\n%s", what, out)
		}
	}
}

// TestNoControlCharactersReachTheTerminal runs every command on an account
// whose folder names, subjects, senders and server errors hold terminal
// escapes, and checks that none reaches standard output or error raw.
func TestNoControlCharactersReachTheTerminal(t *testing.T) {
	srv := testimap.Start(t, hostileAccount())
	port := srv.ServeWrapped(t, func(s imapserver.SessionIMAP4rev2) imapserver.Session {
		return &hostileSession{SessionIMAP4rev2: s}
	})
	listPort := srv.ServeWrapped(t, func(s imapserver.SessionIMAP4rev2) imapserver.Session {
		return &hostileSession{SessionIMAP4rev2: s, refuseList: true}
	})
	dest := testimap.Start(t, &demo.Account{User: "me@new.test", Password: "pw2", Folders: []demo.Folder{{Name: "INBOX"}}})
	dir := filepath.Join(t.TempDir(), "a")
	conn := func(p int) []string {
		return []string{"--host", "127.0.0.1", "--port", strconv.Itoa(p), "--security", "plain", "--user", srv.User}
	}
	to := []string{"--to-host", "127.0.0.1", "--to-port", strconv.Itoa(dest.Port), "--to-security", "plain", "--to-user", dest.User}
	tmp := t.TempDir()
	type step struct {
		name string
		args []string
		want string // in stdout or stderr, escaped
	}
	// A planted archive: a folder name and role holding every hostile
	// character, ESC and newline included.
	plant := step{name: "plant"}
	steps := []step{
		{"backup", append(append([]string{"backup"}, conn(port)...), "--archive", dir), `\x1b]0;pwned\x07`},
		{"backup --verbose (progress lines)", append(append([]string{"backup", "--verbose"}, conn(port)...), "--archive", dir), `cannot read`},
		{"backup --json", append(append([]string{"backup", "--json"}, conn(port)...), "--archive", dir), `\u009b`},
		{"backup, LIST refused", append(append([]string{"backup", "--verbose"}, conn(listPort)...), "--archive", filepath.Join(tmp, "b")), `list refused`},
		plant,
		{"folders", []string{"folders", "--archive", dir}, `Evil\x1b]0;pwned`},
		{"search", []string{"search", "--archive", dir, "Hostile"}, `Hostile raw \x1b`},
		{"restore", []string{"restore", "--archive", dir, "--out", filepath.Join(tmp, "r")}, "written"},
		{"contacts list", []string{"contacts", "list", "--archive", dir, "--include-automated"}, "mallory@evil.test"},
		{"verify", append(append([]string{"verify"}, conn(port)...), "--archive", dir), "Not yet safe"},
		{"verify --json", append(append([]string{"verify", "--json"}, conn(port)...), "--archive", dir), "verdict"},
		{"report", append(append([]string{"report"}, conn(port)...), "--archive", dir, "--json", filepath.Join(tmp, "r.json")), "Report written"},
		{"remove", append(append([]string{"remove"}, conn(port)...), "--archive", dir, "--settings-dir", tmp), "not yet safe"},
		{"migrate --show-mapping", append(append([]string{"migrate", "--show-mapping"}, to...), "--archive", dir), `Evil\x1b]0;pwned`},
		{"migrate", append(append([]string{"migrate", "--from-incomplete-backup"}, to...), "--archive", dir), "copied"},
		{"migrate --check", append(append([]string{"migrate", "--check"}, to...), "--archive", dir), "in the new account"},
		{"announce --dry-run", []string{"announce", "--archive", dir, "--new-address", "me@new.test", "--all-contacts", "--dry-run"}, "would be told"},
	}
	for _, s := range steps {
		if s.name == "plant" {
			plantFolderName(t, dir, "Evil"+hostile)
			continue
		}
		t.Run(s.name, func(t *testing.T) {
			r := newRun(map[string]string{"MAILARK_PASSWORD": "pw", "MAILARK_TO_PASSWORD": "pw2"})
			code := r.main(context.Background(), s.args...)
			out := r.stdout.String() + r.stderr.String()
			t.Logf("exit %d:\n%s", code, out)
			checkTerminalSafe(t, "stdout", r.stdout.String())
			checkTerminalSafe(t, "stderr", r.stderr.String())
			if !strings.Contains(out, s.want) {
				t.Errorf("output lacks %q (exit %d):\n%s", s.want, code, out)
			}
			tally.BadInputs.Add(1)
		})
	}
}

// plantFolderName renames, in SQLite, the archived folder whose name starts
// with "Evil", as a crafted archive.sqlite would.
func plantFolderName(t *testing.T, dir, name string) {
	t.Helper()
	db := archivetest.Tamper(t, dir)
	defer db.Close()
	res, err := db.Exec(`UPDATE folders SET name = ?, role = ? WHERE name LIKE 'Evil%'`, name, hostileESC)
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("plant: %v, %d rows", err, n)
	}
}
