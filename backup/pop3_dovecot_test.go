package backup_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/pop3"
	"github.com/mailark/mailark/internal/progress"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
	"github.com/mailark/mailark/internal/testmail"
)

const popUser, popPass = "hanako", "pw: 秘密 \"quoted\""

// startPOP3Dovecot starts a private Dovecot serving POP3 and seeds its
// INBOX with the broken-mail and charset corpus and a 5 MB message.
func startPOP3Dovecot(t *testing.T) *testimap.Dovecot {
	t.Helper()
	testimap.RequirePOP3(t)
	d := testimap.StartDovecot(t, testimap.DovecotUser{Name: popUser, Password: popPass})
	var msgs []testimap.SeedMessage
	for _, m := range popCorpus() {
		msgs = append(msgs, testimap.SeedMessage{Raw: m})
	}
	msgs = append(msgs, testimap.SeedMessage{Raw: testmail.Large(5 << 20)})
	d.Seed(t, popUser, "INBOX", msgs)
	return d
}

// maildirByUIDL reads the user's INBOX Maildir as Dovecot numbers it
// (dovecot-uidlist: UIDVALIDITY, then "UID … :file" lines): each file's
// bytes by the UIDL Dovecot gives it (%08Xu%08Xv, in lower case). Dovecot must have seen
// the folder first (a POP3 or IMAP session).
func maildirByUIDL(t *testing.T, d *testimap.Dovecot) map[string][]byte {
	t.Helper()
	maildir := filepath.Join(d.Dir, "home", popUser, "Maildir")
	f, err := os.Open(filepath.Join(maildir, "dovecot-uidlist"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	var validity uint64
	for _, field := range strings.Fields(sc.Text())[1:] {
		if strings.HasPrefix(field, "V") {
			validity, _ = strconv.ParseUint(field[1:], 10, 32)
		}
	}
	files, _ := filepath.Glob(filepath.Join(maildir, "cur", "*"))
	out := map[string][]byte{}
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		uid, _ := strconv.ParseUint(fields[0], 10, 32)
		name := ""
		for _, fl := range fields[1:] {
			if strings.HasPrefix(fl, ":") {
				name = fl[1:]
			}
		}
		for _, p := range files {
			if strings.HasPrefix(filepath.Base(p), name) {
				data, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				out[fmt.Sprintf("%08x%08x", uid, validity)] = data // Dovecot's %X is lower case
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no message in %s", maildir)
	}
	return out
}

// asDovecotSends is a Maildir file as Dovecot's POP3 server sends it: line
// ends are CRLF (a bare LF gets its CR), and a message not ending in a line
// end gets one. Nothing else changes.
func asDovecotSends(file []byte) []byte {
	var b bytes.Buffer
	for i, c := range file {
		if c == '\n' && (i == 0 || file[i-1] != '\r') {
			b.WriteByte('\r')
		}
		b.WriteByte(c)
	}
	return overPOP3(b.Bytes())
}

func dovecotPOP3Options(d *testimap.Dovecot, port int, sec imapconn.Security, dir string) backup.POP3Options {
	return backup.POP3Options{
		Conn: pop3.Config{Host: d.Host, Port: port, Security: sec, CAFile: d.CAFile, User: popUser,
			Password: secret.New(popPass), DialTimeout: 10 * time.Second},
		ArchiveDir: dir,
		Policy:     noWait,
	}
}

func checkAgainstMaildir(t *testing.T, d *testimap.Dovecot, dir string) {
	t.Helper()
	want := map[string][]byte{}
	for k, v := range maildirByUIDL(t, d) {
		want[k] = asDovecotSends(v)
	}
	sameMessages(t, popArchive(t, dir), want)
}

func TestDovecotPOP3Backup(t *testing.T) {
	d := startPOP3Dovecot(t)
	tests := []struct {
		name string
		port int
		sec  imapconn.Security
	}{
		{"implicit tls", d.POP3TLSPort, imapconn.TLS},
		{"stls", d.POP3Port, imapconn.StartTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy := testimap.StartProxy(t, fmt.Sprintf("%s:%d", d.Host, tt.port), nil)
			opts := dovecotPOP3Options(d, proxy.Port, tt.sec, tempArchive(t))
			sum, err := backup.RunPOP3(context.Background(), opts)
			if err != nil || !sum.OK() {
				t.Fatalf("RunPOP3() = %v, failures %v", err, sum.Failures)
			}
			checkAgainstMaildir(t, d, opts.ArchiveDir)
			if n := len(popCorpus()) + 1; sum.New != int64(n) {
				t.Errorf("RunPOP3() saved %d, want %d", sum.New, n)
			}
			_, down := proxy.Bytes()
			sum, err = backup.RunPOP3(context.Background(), opts)
			_, down2 := proxy.Bytes()
			if err != nil || sum.New != 0 || down2-down > 64<<10 {
				t.Errorf("second RunPOP3() = %d new, %d bytes received, %v; want nothing fetched", sum.New, down2-down, err)
			}
		})
	}
}

func TestDovecotPOP3CutsResume(t *testing.T) {
	d := startPOP3Dovecot(t)
	cuts := []int64{2_000, 50_000, 400_000, 3_000_000}
	proxy := testimap.StartProxy(t, fmt.Sprintf("%s:%d", d.Host, d.POP3TLSPort), func(n int) testimap.Fault {
		if n < len(cuts) {
			return testimap.Fault{CutDownAfter: cuts[n], Reset: n%2 == 1}
		}
		return testimap.Fault{}
	})
	opts := dovecotPOP3Options(d, proxy.Port, imapconn.TLS, tempArchive(t))
	opts.BatchMessages = 5
	sum, err := backup.RunPOP3(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("RunPOP3() through cuts = %v, failures %v", err, sum.Failures)
	}
	if sum.Retries != len(cuts) {
		t.Errorf("%d reconnects, want %d", sum.Retries, len(cuts))
	}
	checkAgainstMaildir(t, d, opts.ArchiveDir)
}

// popConsistent opens the archive for writing (which recovers from a
// crash) and checks that SQLite and the mbox file agree (popArchive).
func popConsistent(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return // killed before the archive was made
	}
	a, err := archive.Open(ctx, dir, archive.Options{})
	if err != nil {
		t.Fatalf("archive after kill: %v", err)
	}
	srcs, err := a.Sources(ctx)
	folders := 0
	if err == nil && len(srcs) > 0 {
		fs, ferr := a.SourceFolders(ctx, srcs[0].ID)
		folders, err = len(fs), ferr
	}
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	if folders > 0 { // else killed before the source and its folder were recorded
		popArchive(t, dir)
	}
}

// TestPOP3KillChild is the child process of TestDovecotPOP3KilledResumes.
func TestPOP3KillChild(t *testing.T) {
	testimap.SkipUnlessChild(t)
	port, _ := strconv.Atoi(os.Getenv("MAILARK_KILL_PORT"))
	opts := backup.POP3Options{
		Conn: pop3.Config{Host: "127.0.0.1", Port: port, Security: imapconn.TLS, CAFile: os.Getenv("MAILARK_KILL_CA"),
			User: popUser, Password: secret.New(os.Getenv("MAILARK_PASSWORD")), DialTimeout: 10 * time.Second},
		ArchiveDir:    os.Getenv("MAILARK_KILL_ARCHIVE"),
		BatchMessages: 3,
		Progress:      func(e progress.Event) { fmt.Printf("event %d\n", e.Done) },
	}
	fmt.Println("started")
	_, err := backup.RunPOP3(context.Background(), opts)
	fmt.Println("finished", err)
}

// TestDovecotPOP3KilledResumes kills the POP3 backup process at several
// points; after each kill the archive must open consistent, and a resumed
// run must leave every message exactly once, byte for byte.
func TestDovecotPOP3KilledResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	d := startPOP3Dovecot(t)
	proxy := testimap.StartProxy(t, fmt.Sprintf("%s:%d", d.Host, d.POP3TLSPort),
		func(int) testimap.Fault { return testimap.Fault{Delay: 2 * time.Millisecond} })
	dir := tempArchive(t)
	killed := 0
	for killAt := 1; killAt <= 40 && killed < 6; killAt += 7 {
		c := testimap.KillChild(t, "TestPOP3KillChild", []string{"MAILARK_KILL_PORT=" + strconv.Itoa(proxy.Port),
			"MAILARK_KILL_CA=" + d.CAFile, "MAILARK_PASSWORD=" + popPass, "MAILARK_KILL_ARCHIVE=" + dir}, killAt)
		if c.Hung {
			t.Fatalf("run hung")
		}
		if c.Finished != "" {
			break
		}
		killed++
		popConsistent(t, dir)
	}
	if killed == 0 {
		t.Fatalf("no kill landed mid-run")
	}
	t.Logf("%d kills landed mid-run", killed)
	// The same source (user@host:port): through the proxy again.
	opts := dovecotPOP3Options(d, proxy.Port, imapconn.TLS, dir)
	sum, err := backup.RunPOP3(context.Background(), opts)
	if err != nil || !sum.OK() {
		t.Fatalf("resumed RunPOP3() = %v, failures %v", err, sum.Failures)
	}
	checkAgainstMaildir(t, d, dir)
}
