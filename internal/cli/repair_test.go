package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/testimap"
)

// verifyProblems runs mailark verify --json and returns the problems it
// found in the archive.
func verifyProblems(t *testing.T, srv *testimap.Server, dir string) []string {
	t.Helper()
	r := newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
	args := append([]string{"verify"}, backupArgs(srv, dir, "--json")[1:]...)
	code := r.main(context.Background(), args...)
	var out struct {
		Verification struct {
			Problems []struct{ Detail string } `json:"problems"`
		} `json:"verification"`
	}
	if err := json.Unmarshal(r.stdout.Bytes(), &out); err != nil {
		t.Fatalf("verify exit %d, output not JSON (%v):\n%s%s", code, err, r.stdout, r.stderr)
	}
	var ps []string
	for _, p := range out.Verification.Problems {
		ps = append(ps, p.Detail)
	}
	return ps
}

// muttQuit opens the mbox file in mutt -f, as the README once suggested,
// and quits: mutt marks the messages old and rewrites the file (root
// ignores the file's 0400; a user's mutt would open it read-only).
func muttQuit(t *testing.T, p string) {
	mutt := testimap.Tool(t, "mutt", "mutt", "mutt is not installed")
	script := testimap.Tool(t, "mutt", "script", "script (util-linux) is needed to give mutt a terminal")
	home := t.TempDir()
	os.Mkdir(filepath.Join(home, "Mail"), 0o700)
	// The 'q' waits in the terminal's input until mutt reads it.
	cmd := exec.Command(script, "-qec", mutt+" -n -F /dev/null -f '"+p+"' -e 'set quit=yes move=no mark_old=yes'", "/dev/null")
	cmd.Stdin = strings.NewReader("q")
	cmd.Env = append(os.Environ(), "HOME="+home, "TERM=xterm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mutt: %v\n%s", err, out)
	}
}

// pythonMarkRead marks every message read with Python's mailbox module,
// which writes the whole file again on flush.
func pythonMarkRead(t *testing.T, p string) {
	path := testimap.Python(t)
	const prog = `
import mailbox, sys
box = mailbox.mbox(sys.argv[1], create=False)
box.lock()
for k in box.keys():
    m = box[k]
    m.set_flags('RO')
    box[k] = m
box.flush()
box.unlock()
`
	if out, err := exec.Command(path, "-c", prog, p).CombinedOutput(); err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
}

// TestRepairRoundTrip: a mail program rewrites INBOX.mbox; verify sees
// problems; the next backup leaves the file alone, names the folder and
// points to repair (exit 3); repair rebuilds it from SQLite; verify is
// green again and backups go on.
func TestRepairRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rewrite func(t *testing.T, p string)
	}{
		{"mutt", muttQuit},
		{"python mailbox", pythonMarkRead},
		{"one byte", func(t *testing.T, p string) {
			data, _ := os.ReadFile(p)
			i := bytes.Index(data, []byte("\nSubject: ")) + 12
			data[i] ^= 0x01
			os.Chmod(p, 0o600)
			os.WriteFile(p, data, 0o600)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			srv, dir, r := backedUp(t, nil)
			if ps := verifyProblems(t, srv, dir); len(ps) != 0 {
				t.Fatalf("verify after backup: %q", ps)
			}
			inbox := filepath.Join(dir, "mbox", "INBOX.mbox")
			tc.rewrite(t, inbox)
			rewritten, _ := os.ReadFile(inbox)
			if ps := verifyProblems(t, srv, dir); len(ps) == 0 {
				t.Fatalf("verify after the rewrite found no problem; the test needs one")
			}

			r = newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
			code := r.main(ctx, backupArgs(srv, dir)...)
			if tc.name != "one byte" { // the same length: nothing to cut, no check
				out := r.stdout.String() + r.stderr.String()
				if code != cli.ExitFailures || !strings.Contains(out, "mailark repair --archive") || !strings.Contains(out, "INBOX") {
					t.Errorf("backup after the rewrite: exit %d, want 3 naming INBOX and mailark repair:\n%s", code, out)
				}
				if got, _ := os.ReadFile(inbox); !bytes.Equal(got, rewritten) {
					t.Errorf("the backup changed the rewritten file (%d bytes, was %d)", len(got), len(rewritten))
				}
			}

			r = newRun(nil)
			if code := r.main(ctx, "repair", "--archive", dir); code != cli.ExitOK ||
				!strings.Contains(r.stdout.String(), "rebuilt from SQLite") {
				t.Fatalf("repair: exit %d\n%s%s", code, r.stdout, r.stderr)
			}
			t.Logf("repair said:\n%s", r.stdout)
			if ps := verifyProblems(t, srv, dir); len(ps) != 0 {
				t.Errorf("verify after repair: %q", ps)
			}
			r = newRun(map[string]string{"MAILARK_PASSWORD": srv.Password})
			if code := r.main(ctx, backupArgs(srv, dir)...); code != cli.ExitOK {
				t.Errorf("backup after repair: %d %s%s", code, r.stdout, r.stderr)
			}
			if st, _ := os.Stat(inbox); st.Mode().Perm() != 0o400 {
				t.Errorf("INBOX.mbox mode %v, want 0400", st.Mode().Perm())
			}
		})
	}
}

// TestRepairSQLiteFromMbox: a message's bytes altered in SQLite come back
// from the intact mbox file; verify is green again.
func TestRepairSQLiteFromMbox(t *testing.T) {
	ctx := context.Background()
	srv, dir, r := backedUp(t, nil)
	db := archivetest.Tamper(t, dir)
	if _, err := db.Exec(`UPDATE message_chunks SET data = CAST('forged' AS BLOB)
		WHERE message_id = (SELECT min(id) FROM messages)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if ps := verifyProblems(t, srv, dir); len(ps) == 0 {
		t.Fatal("verify after the forgery found no problem; the test needs one")
	}
	r = newRun(nil)
	if code := r.main(ctx, "repair", "--archive", dir); code != cli.ExitOK ||
		!strings.Contains(r.stdout.String(), "SQLite's copy of 1 message(s) restored") {
		t.Fatalf("repair: exit %d\n%s%s", code, r.stdout, r.stderr)
	}
	if ps := verifyProblems(t, srv, dir); len(ps) != 0 {
		t.Errorf("verify after repair: %q", ps)
	}
	r = newRun(nil)
	if code := r.main(ctx, "repair", "--archive", dir); code != cli.ExitOK || !strings.Contains(r.stdout.String(), "nothing to repair") {
		t.Errorf("second repair: exit %d\n%s", code, r.stdout)
	}
}
