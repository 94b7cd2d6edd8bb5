package migrate_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	_ "modernc.org/sqlite"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/cli"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/retry"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
	"github.com/mailark/mailark/migrate"
)

// Two accounts on one Dovecot: the old one, seeded and backed up into an
// archive, and the new one the archive is copied into.

const (
	copyOldUser = "hanako@old-isp.example"
	copyNewUser = "hanako@new-isp.example"
	copyPass    = "pw: 新しい"
)

// copyFolders is the old account: folder → messages. "送信済みメール" has
// no special-use attribute: it is the sent folder by its name, and must
// land in the new account's \Sent folder with the real "Sent".
var copyFolders = []struct {
	name string
	n    int
}{
	{"INBOX", 40}, {"Sent", 6}, {"送信済みメール", 4}, {"Drafts", 2}, {"Archive/2019", 5},
	{"取引先", 5}, {"取引先/株式会社ABC", 3}, {"Work", 3}, {"Work/Clients", 2},
}

// copyWant is where each old folder must land.
var copyWant = map[string]string{
	"INBOX": "INBOX", "Sent": "Sent", "送信済みメール": "Sent", "Drafts": "Drafts", "Archive/2019": "Archive/2019",
	"取引先": "取引先", "取引先/株式会社ABC": "取引先/株式会社ABC", "Work": "Work", "Work/Clients": "Work/Clients",
	"Archive": "Archive", "Trash": "Trash", "Junk": "Junk",
}

// copyMessage makes message i of a folder: CRLF lines, a Japanese subject
// now and then, a large body now and then, some without a Message-ID, and
// INBOX 7 and 8 byte for byte the same (a message the old server held
// twice must arrive twice, and a rerun must not take one for the other).
func copyMessage(folder string, i int) testimap.SeedMessage {
	id := fmt.Sprintf("Message-ID: <%s-%d@old-isp.example>\r\n", hex.EncodeToString([]byte(folder)), i)
	if i%9 == 4 {
		id = ""
	}
	subject := fmt.Sprintf("Note %d in %s", i, folder)
	if i%3 == 0 {
		subject = "=?UTF-8?B?5Lya6K2w44Gu5Lu2?= " + fmt.Sprint(i)
	}
	body := strings.Repeat(fmt.Sprintf("line %d of %s\r\n", i, folder), 5+i%7)
	if i%17 == 5 {
		body = strings.Repeat("x", 200<<10) + "\r\n"
	}
	n := i
	if folder == "INBOX" && i == 8 {
		n = 7
		id = fmt.Sprintf("Message-ID: <%s-%d@old-isp.example>\r\n", hex.EncodeToString([]byte(folder)), 7)
		subject = "Note 7 in INBOX"
		body = strings.Repeat(fmt.Sprintf("line %d of %s\r\n", 7, folder), 5+7)
	}
	raw := "From: Taro Yamada <taro@example.jp>\r\nTo: hanako@old-isp.example\r\nSubject: " + subject + "\r\n" +
		"Date: Tue, 5 Mar 2024 09:04:11 +0900\r\n" + id + "\r\n" + body
	var flags []string
	switch i % 5 {
	case 0:
		flags = []string{`\Seen`}
	case 1:
		flags = []string{`\Seen`, `\Answered`, "$Forwarded"}
	case 2:
		flags = []string{`\Flagged`}
	case 3:
		flags = []string{`\Seen`, `\Deleted`}
	}
	if folder == "Drafts" {
		flags = append(flags, `\Draft`)
	}
	zone := time.FixedZone("JST", 9*3600)
	date := time.Date(2024, 3, 5, 9, 4, 11, 0, zone).Add(time.Duration(n) * 37 * time.Hour)
	return testimap.SeedMessage{Raw: []byte(raw), Flags: flags, InternalDate: date}
}

// copyDovecot starts a Dovecot with the old account seeded and the given
// other accounts empty, and backs the old one up into a new archive.
func copyDovecot(t *testing.T, users ...testimap.DovecotUser) (*testimap.Dovecot, string) {
	t.Helper()
	d := testimap.StartDovecot(t, append([]testimap.DovecotUser{{Name: copyOldUser, Password: copyPass}}, users...)...)
	for _, f := range copyFolders {
		msgs := make([]testimap.SeedMessage, f.n)
		for i := range msgs {
			msgs[i] = copyMessage(f.name, i+1)
		}
		d.Seed(t, copyOldUser, f.name, msgs)
	}
	dir := filepath.Join(t.TempDir(), "archive")
	sum, err := backup.Run(context.Background(), backup.Options{Conn: copyConn(d, copyOldUser), ArchiveDir: dir})
	if err != nil || !sum.OK() {
		t.Fatalf("backup.Run() = %v, %+v", err, sum.Failures)
	}
	verifyArchive(t, copyConn(d, copyOldUser), dir)
	return d, dir
}

// verifyArchive verifies the archive in dir against the old account, as a
// user does before migrating: Copy refuses an archive never verified.
func verifyArchive(t testing.TB, conn imapconn.Config, dir string) {
	t.Helper()
	res, err := gate.Verify(context.Background(), gate.VerifyOptions{Conn: conn, ArchiveDir: dir})
	if err != nil || len(res.Problems) > 0 {
		t.Fatalf("gate.Verify() = %v, problems %+v", err, res.Problems)
	}
}

func copyConn(d *testimap.Dovecot, user string) imapconn.Config {
	return imapconn.Config{Host: d.Host, Port: d.PlainPort, Security: imapconn.Plain, User: user,
		Password: secret.New(copyPass), DialTimeout: 10 * time.Second}
}

// copyOpts are Copy's options for the new account, with no waiting between
// retries and a clock that moves a second per reading, so that every
// progress Status passes the throttle.
func copyOpts(dir string, conn imapconn.Config) migrate.CopyOptions {
	var tick atomic.Int64
	// A server on this machine answers at once: one connection, unless a
	// test sets Connections or another round trip (migrate.WithRoundTrip).
	return migrate.WithRoundTrip(migrate.CopyOptions{ArchiveDir: dir, Conn: conn,
		Policy: retry.Policy{Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() },
			Now: func() time.Time {
				return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(tick.Add(1)) * time.Second)
			}}}, 0)
}

// copyEntry is one message as compared: its bytes' hash, flags and date.
func copyEntry(sha string, flags []string, date time.Time) string {
	var fs []string
	for _, f := range flags {
		if !strings.EqualFold(f, `\Recent`) && !strings.EqualFold(f, `\Deleted`) { // neither is copied
			fs = append(fs, strings.ToLower(f))
		}
	}
	slices.Sort(fs)
	return fmt.Sprintf("%s %s %d", sha[:16], strings.Join(fs, ","), date.Unix())
}

// copyServerState is every message of every selectable folder of an
// account, read without changing anything.
func copyServerState(t testing.TB, conn imapconn.Config) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for name, f := range fetchAccount(t, conn) {
		out[name] = []string{}
		for _, m := range f.messages {
			out[name] = append(out[name], copyEntry(m.sha256, m.flags, m.internalDate))
		}
		slices.Sort(out[name])
	}
	return out
}

// accountFolder is one selectable folder of an account and its messages as
// fetched: bytes hashed, flags, internal date.
type accountFolder struct {
	uidValidity uint32
	messages    []accountMessage
}

type accountMessage struct {
	uid          uint32
	sha256       string
	flags        []string
	internalDate time.Time
}

// fetchAccount reads every message of every selectable folder of an
// account, changing nothing (EXAMINE, BODY.PEEK).
func fetchAccount(t testing.TB, conn imapconn.Config) map[string]accountFolder {
	t.Helper()
	c, err := imapconn.Dial(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]accountFolder{}
	for _, l := range list {
		if slices.Contains(l.Attrs, imap.MailboxAttrNoSelect) || slices.Contains(l.Attrs, imap.MailboxAttrNonExistent) {
			continue
		}
		sel, err := c.Select(l.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			t.Fatal(err)
		}
		f := accountFolder{uidValidity: sel.UIDValidity}
		if sel.NumMessages > 0 {
			var all imap.SeqSet
			all.AddRange(1, 0)
			msgs, err := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true, InternalDate: true,
				BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range msgs {
				var body []byte
				for _, b := range m.BodySection {
					body = b.Bytes
				}
				sum := sha256.Sum256(body)
				var flags []string
				for _, fl := range m.Flags {
					flags = append(flags, string(fl))
				}
				f.messages = append(f.messages, accountMessage{uid: uint32(m.UID), sha256: hex.EncodeToString(sum[:]),
					flags: flags, internalDate: m.InternalDate})
			}
		}
		out[l.Mailbox] = f
	}
	return out
}

// copyExpected is what the new account must hold: every message of every
// current archive folder, in the folder want names.
func copyExpected(t testing.TB, dir string, want map[string]string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	a := archivetest.Open(t, dir)
	defer a.Close()
	fs, err := a.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, f := range fs {
		if !f.Current {
			continue
		}
		dest, ok := want[f.Name]
		if !ok {
			t.Fatalf("test does not say where %q goes", f.Name)
		}
		if out[dest] == nil {
			out[dest] = []string{}
		}
		err := a.EachMessage(ctx, f.ID, func(m *archive.MessageInfo) error {
			date, err := time.Parse(time.RFC3339, m.InternalDate)
			out[dest] = append(out[dest], copyEntry(m.SHA256, m.Flags, date))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for k := range out {
		slices.Sort(out[k])
	}
	return out
}

// copySame fails unless the account holds exactly what is expected: every
// message once, with its bytes, flags and date, and nothing else.
func copySame(t testing.TB, got, want map[string][]string) {
	t.Helper()
	for folder, w := range want {
		if g := got[folder]; !slices.Equal(g, w) {
			t.Errorf("new account's %q: %d message(s), want %d\n got: %v\nwant: %v", folder, len(g), len(w), g, w)
		}
	}
	for folder, g := range got {
		if _, ok := want[folder]; !ok && len(g) > 0 {
			t.Errorf("new account's %q holds %d unexpected message(s)", folder, len(g))
		}
	}
}

// copyDB changes the archive's database as a crash would have left it,
// straight, past the archive: the only code that runs SQL on it has no
// method to lose records, and should not have one.
func copyDB(t testing.TB, dir string, query string, args ...any) int64 {
	t.Helper()
	db := archivetest.Tamper(t, dir)
	defer db.Close() // now, not at the end of the test
	return archivetest.Exec(t, db, query, args...)
}

// copyCLI runs mailark with args, the new account's password in
// MAILARK_TO_PASSWORD.
func copyCLI(t testing.TB, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	vars := map[string]string{"MAILARK_TO_PASSWORD": copyPass, "LANG": "en_US.UTF-8"}
	env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
		Getenv:     func(k string) string { return vars[k] },
		Unsetenv:   func(k string) error { delete(vars, k); return nil },
		IsTerminal: func(int) bool { return false }}
	code = cli.Main(context.Background(), env, args)
	return code, out.String(), errOut.String()
}

// copyCLIConn is the --to- flags for an account.
func copyCLIConn(host string, port int, user string) []string {
	return []string{"--to-host", host, "--to-port", fmt.Sprint(port), "--to-security", "plain", "--to-user", user}
}
