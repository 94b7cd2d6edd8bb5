package testimap

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mailark/mailark/internal/imapconn"
)

// DovecotUser is an account on a test Dovecot.
type DovecotUser struct {
	Name       string // letters, digits and . _ @ -
	Password   string // any text but empty
	QuotaBytes int64  // storage limit (quota_rule *:storage=NB); 0 means none
}

// SeedMessage is one message that Seed writes into a maildir.
type SeedMessage struct {
	Raw []byte // stored as given; Dovecot sends LF-only lines as CRLF
	// Flags: \Seen \Answered \Flagged \Deleted \Draft, and keywords such as
	// $Forwarded or $Junk (at most 26 keywords per folder).
	Flags        []string
	InternalDate time.Time // the file's mtime; zero means now
}

// Dovecot is a private Dovecot on loopback, started by StartDovecot. It uses
// nothing of the system's Dovecot: its config, sockets, logs and mail live in
// Dir. It serves IMAP with STARTTLS and plaintext LOGIN on PlainPort, and
// implicit TLS on TLSPort, with a self-signed certificate for 127.0.0.1 and
// localhost (CAFile). Folders are separated by "/"; Sent, Drafts, Trash,
// Junk and Archive exist with their special-use attributes; each user with
// QuotaBytes has a storage quota (no grace).
type Dovecot struct {
	Host      string // "127.0.0.1"
	PlainPort int
	TLSPort   int
	// POP3Port (plain text, STLS offered) and POP3TLSPort (implicit TLS)
	// serve POP3 when Debian's dovecot-pop3d is installed (RequirePOP3);
	// 0 otherwise. UIDLs are %08Xu%08Xv: UID and UIDVALIDITY, stable.
	POP3Port    int
	POP3TLSPort int
	CAFile      string // PEM of the self-signed server certificate
	Dir         string // config, dovecot.log and home/USER/Maildir
	Users       []DovecotUser

	bin      string
	uid, gid int // owner of the mail files
	certPEM  []byte

	mu   sync.Mutex
	proc *dovecotProc
}

type dovecotProc struct {
	pid    int
	exited chan struct{} // closed once the master has been reaped
}

// defaultDovecotUser is the account when StartDovecot is given none.
var defaultDovecotUser = DovecotUser{Name: "user", Password: "password"}

// StartDovecot starts a private Dovecot for t and stops it in t.Cleanup; it
// skips or fails as RequireDovecot says. Without users it makes one,
// "user" with password "password". Start takes tens of milliseconds and stop
// a few, so each test can have its own. A failed login answers after 0.5 s
// (Dovecot's minimum) and, unlike a default Dovecot, does not slow later
// logins. If the test fails, the end of Dovecot's log is printed.
func StartDovecot(t testing.TB, users ...DovecotUser) *Dovecot {
	t.Helper()
	RequireDovecot(t)
	dir, err := os.MkdirTemp("", "mailark-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	d, err := LaunchDovecot(dir, users...)
	if err != nil {
		t.Fatalf("StartDovecot: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Dovecot log (%s):\n%s", d.Dir, d.logTail())
		}
		d.Close()
	})
	return d
}

// LaunchDovecot is StartDovecot for programs that are not tests (the
// benchmark in bench/): it sets up and starts a private Dovecot in dir,
// which must be empty or missing, and returns it running. The caller stops it
// with Close and removes dir. As root, dir and its parents must be
// searchable by others (Dovecot's mail user must reach dir/home).
func LaunchDovecot(dir string, users ...DovecotUser) (*Dovecot, error) {
	bin, err := sbinPath("dovecot")
	if err != nil {
		return nil, fmt.Errorf("dovecot is not installed (make deps installs dovecot-imapd): %w", err)
	}
	if len(users) == 0 {
		users = []DovecotUser{defaultDovecotUser}
	}
	if err := checkUsers(users); err != nil {
		return nil, err
	}
	d := &Dovecot{Host: "127.0.0.1", Users: slices.Clone(users), bin: bin, Dir: dir}
	if err := prepareBaseDir(dir); err != nil {
		return nil, err
	}
	d.CAFile = filepath.Join(d.Dir, "cert.pem")
	ownerConf, err := d.setOwner()
	if err != nil {
		return nil, err
	}
	if err := d.writeFiles(); err != nil {
		return nil, err
	}

	const attempts = 5 // a free port can be taken before Dovecot binds it
	for i := 1; ; i++ {
		ports, err := freePorts(4)
		if err != nil {
			return nil, err
		}
		d.PlainPort, d.TLSPort = ports[0], ports[1]
		pop3Conf := ""
		if hasPOP3() {
			d.POP3Port, d.POP3TLSPort = ports[2], ports[3]
			pop3Conf = dovecotPOP3Conf(d.POP3Port, d.POP3TLSPort, ownerConf != "")
		}
		conf := dovecotConf(d.Dir, d.PlainPort, d.TLSPort, ownerConf) + pop3Conf
		if err := os.WriteFile(filepath.Join(d.Dir, "dovecot.conf"), []byte(conf), 0o644); err != nil {
			return nil, err
		}
		err = d.start()
		if err == nil {
			return d, nil
		}
		if !errors.Is(err, errPortInUse) || i == attempts {
			return nil, fmt.Errorf("%v\n%s", err, d.logTail())
		}
	}
}

// Close stops Dovecot (as Stop does); the mail and config stay in Dir.
func (d *Dovecot) Close() { d.stop() }

// PlainAddr is host:port of the IMAP port (plaintext, STARTTLS offered).
func (d *Dovecot) PlainAddr() string { return net.JoinHostPort(d.Host, strconv.Itoa(d.PlainPort)) }

// TLSAddr is host:port of the IMAPS port (implicit TLS).
func (d *Dovecot) TLSAddr() string { return net.JoinHostPort(d.Host, strconv.Itoa(d.TLSPort)) }

// TLSConfig is a client config that trusts this Dovecot's certificate.
func (d *Dovecot) TLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(d.certPEM)
	return &tls.Config{RootCAs: pool}
}

// Log returns Dovecot's log so far.
func (d *Dovecot) Log() string {
	b, _ := os.ReadFile(filepath.Join(d.Dir, "dovecot.log"))
	return string(b)
}

// Stop kills Dovecot and all its processes at once, as a server that goes
// away: open connections break. The mail stays; Restart serves it again.
func (d *Dovecot) Stop(t testing.TB) {
	t.Helper()
	d.stop()
}

// Restart starts Dovecot again, stopping it first if it runs, on the same
// ports with the same users and mail.
func (d *Dovecot) Restart(t testing.TB) {
	t.Helper()
	d.stop()
	if err := d.start(); err != nil {
		t.Fatalf("Dovecot restart: %v\n%s", err, d.logTail())
	}
}

var errPortInUse = errors.New("port in use")

// start runs `dovecot -F` as our child, in its own process group, and waits
// until it greets. Foreground mode makes the test process its parent, so
// stop can kill the whole group and reap the master. (A SIGTERM stop takes
// 1.1 s: the master sleeps a fixed second for its log process. A killed
// group is gone at once; its other processes are reaped by init.)
func (d *Dovecot) start() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	_ = os.Remove(filepath.Join(d.Dir, "run", "master.pid"))
	out, err := os.Create(filepath.Join(d.Dir, "dovecot.out"))
	if err != nil {
		return err
	}
	defer out.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer null.Close()
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	if tz, ok := os.LookupEnv("TZ"); ok {
		env = append(env, "TZ="+tz)
	}
	p := &dovecotProc{exited: make(chan struct{})}
	started := make(chan error)
	go func() {
		// Pdeathsig fires when the thread that started the child exits:
		// this goroutine keeps its thread until Dovecot is gone, so
		// Dovecot dies with the test binary and never before it.
		runtime.LockOSThread()
		attr := &os.ProcAttr{
			Dir:   d.Dir,
			Env:   env,
			Files: []*os.File{null, out, out},
			Sys:   &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL},
		}
		proc, err := os.StartProcess(d.bin, []string{"dovecot", "-F", "-c", filepath.Join(d.Dir, "dovecot.conf")}, attr)
		if err != nil {
			started <- err
			return
		}
		p.pid = proc.Pid
		started <- nil
		_, _ = proc.Wait()
		close(p.exited)
	}()
	if err := <-started; err != nil {
		return err
	}
	if err := waitGreeting(d.PlainAddr(), p.exited); err != nil {
		killGroup(p)
		if strings.Contains(d.logTail(), "Address already in use") {
			return fmt.Errorf("%w: %v", errPortInUse, err)
		}
		return err
	}
	d.proc = p
	return nil
}

func (d *Dovecot) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.proc != nil {
		killGroup(d.proc)
		d.proc = nil
	}
}

// killGroup kills Dovecot's process group and returns once the master is
// reaped and no process of the group is alive (a dying one may still hold a
// listening socket). Init reaps the others.
func killGroup(p *dovecotProc) {
	_ = syscall.Kill(-p.pid, syscall.SIGKILL)
	<-p.exited
	deadline := time.Now().Add(5 * time.Second)
	for groupAlive(p.pid) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
}

// groupAlive says whether a process of group pgid runs (is not a zombie).
func groupAlive(pgid int) bool {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces and ")".
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" && f[0] != "X" {
			return true
		}
	}
	return false
}

// waitGreeting returns once the server at addr sends its real greeting
// (not "Waiting for authentication process"), or fails if exited closes.
func waitGreeting(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(15 * time.Second)
	retry := time.NewTicker(5 * time.Millisecond)
	defer retry.Stop()
	var last error
	for {
		if last = greeting(addr); last == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("dovecot exited during start")
		case <-retry.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dovecot did not greet on %s within 15 s: %v", addr, last)
		}
	}
}

func greeting(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		if !strings.HasPrefix(line, "* OK") {
			return fmt.Errorf("greeting %q", line)
		}
		if !strings.Contains(line, "Waiting for authentication") {
			_, _ = conn.Write([]byte("a LOGOUT\r\n"))
			return nil
		}
	}
}

// logTail is the end of Dovecot's log and of its own output, for failures.
func (d *Dovecot) logTail() string {
	var b strings.Builder
	for _, name := range []string{"dovecot.out", "dovecot.log"} {
		data, _ := os.ReadFile(filepath.Join(d.Dir, name))
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > 40 {
			lines = lines[len(lines)-40:]
		}
		for _, l := range lines {
			if l != "" {
				fmt.Fprintf(&b, "%s: %s\n", name, l)
			}
		}
	}
	return b.String()
}

var userNameRE = regexp.MustCompile(`^[A-Za-z0-9_@-][A-Za-z0-9._@-]*$`)

func checkUsers(users []DovecotUser) error {
	seen := map[string]bool{}
	for _, u := range users {
		if !userNameRE.MatchString(u.Name) {
			return fmt.Errorf("user name %q: use letters, digits and . _ @ -", u.Name)
		}
		if seen[u.Name] {
			return fmt.Errorf("user %q given twice", u.Name)
		}
		seen[u.Name] = true
		if u.Password == "" {
			return fmt.Errorf("user %q has no password", u.Name)
		}
	}
	return nil
}

// prepareBaseDir makes dir world-searchable: as root, Dovecot runs mail
// processes as an unprivileged user, which must reach its home (and
// t.TempDir's directories are 0700).
func prepareBaseDir(dir string) error {
	if strings.ContainsAny(dir, " \t\"'\\#<>%:") {
		return fmt.Errorf("directory %q has characters Dovecot's config cannot take: set TMPDIR", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return err
		}
		for p := filepath.Dir(abs); ; p = filepath.Dir(p) {
			fi, err := os.Stat(p)
			if err != nil {
				return err
			}
			if fi.Mode().Perm()&0o001 == 0 {
				return fmt.Errorf("%s is not searchable by others, so Dovecot's mail user cannot reach %s: set TMPDIR", p, dir)
			}
			if p == filepath.Dir(p) {
				break
			}
		}
	}
	for _, sub := range []string{"run", "state", "home"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// setOwner picks who owns the mail and returns the config lines for it. As
// root, mail belongs to nobody (Dovecot refuses uid 0 for mail). As another
// user, every Dovecot process runs as that user, without chroot.
func (d *Dovecot) setOwner() (string, error) {
	if os.Geteuid() == 0 {
		d.uid, d.gid = 65534, 65534
		if u, err := user.Lookup("nobody"); err == nil {
			d.uid, _ = strconv.Atoi(u.Uid)
			d.gid, _ = strconv.Atoi(u.Gid)
		}
		return "", nil
	}
	d.uid, d.gid = os.Getuid(), os.Getgid()
	u, err := user.Current()
	if err != nil {
		return "", err
	}
	g, err := user.LookupGroupId(strconv.Itoa(d.gid))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`default_internal_user = %s
default_internal_group = %s
default_login_user = %s
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
`, u.Username, g.Name, u.Username), nil
}

// writeFiles writes the certificate, key and passwd file, and makes each
// user's empty Maildir.
func (d *Dovecot) writeFiles() error {
	certPEM, keyPEM, err := selfSignedCert()
	if err != nil {
		return err
	}
	d.certPEM = certPEM
	if err := os.WriteFile(d.CAFile, certPEM, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(d.Dir, "key.pem"), keyPEM, 0o600); err != nil {
		return err
	}
	var passwd strings.Builder
	for _, u := range d.Users {
		home := d.home(u.Name)
		// user:{scheme}password:uid:gid:gecos:home:shell:extra fields
		fmt.Fprintf(&passwd, "%s:{PLAIN.B64}%s:%d:%d::%s::", u.Name,
			base64.StdEncoding.EncodeToString([]byte(u.Password)), d.uid, d.gid, home)
		if u.QuotaBytes > 0 {
			fmt.Fprintf(&passwd, "userdb_quota_rule=*:storage=%dB", u.QuotaBytes)
		}
		passwd.WriteString("\n")
		if err := d.mkdirOwned(home); err != nil {
			return err
		}
		if err := d.makeMaildir(filepath.Join(home, "Maildir")); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(d.Dir, "passwd"), []byte(passwd.String()), 0o644)
}

func (d *Dovecot) home(user string) string { return filepath.Join(d.Dir, "home", user) }

// mkdirOwned makes each directory in turn, owned by the mail user.
func (d *Dovecot) mkdirOwned(paths ...string) error {
	for _, p := range paths {
		if err := os.Mkdir(p, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
		if err := d.chown(p); err != nil {
			return err
		}
	}
	return nil
}

func (d *Dovecot) makeMaildir(dir string) error {
	return d.mkdirOwned(dir, filepath.Join(dir, "cur"), filepath.Join(dir, "new"), filepath.Join(dir, "tmp"))
}

func (d *Dovecot) chown(path string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	return os.Lchown(path, d.uid, d.gid)
}

func freePorts(n int) ([]int, error) {
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}

// pop3Binary is where Debian's dovecot-pop3d puts the POP3 server.
const pop3Binary = "/usr/lib/dovecot/pop3"

func hasPOP3() bool {
	_, err := os.Stat(pop3Binary)
	return err == nil
}

// RequirePOP3 is RequireDovecot for tests that also need Dovecot's POP3
// server (Debian's dovecot-pop3d, which make deps installs).
func RequirePOP3(t testing.TB) {
	t.Helper()
	RequireDovecot(t)
	SkipUnless(t, "dovecot", hasPOP3(), "dovecot's POP3 server is not installed (make deps installs dovecot-pop3d)")
}

// POP3Addr is host:port of the POP3 port (plain text, STLS offered).
func (d *Dovecot) POP3Addr() string { return net.JoinHostPort(d.Host, strconv.Itoa(d.POP3Port)) }

// dovecotPOP3Conf adds POP3 to a private Dovecot: stable UIDLs, a plain
// (STLS) and an implicit-TLS listener.
func dovecotPOP3Conf(plainPort, tlsPort int, unprivileged bool) string {
	chroot := ""
	if unprivileged {
		chroot = "  chroot =\n"
	}
	return fmt.Sprintf(`protocols = $protocols pop3
pop3_uidl_format = %%08Xu%%08Xv
service pop3-login {
%[3]s  inet_listener pop3 {
    port = %[1]d
  }
  inet_listener pop3s {
    port = %[2]d
    ssl = yes
  }
}
`, plainPort, tlsPort, chroot)
}

func dovecotConf(dir string, plainPort, tlsPort int, ownerConf string) string {
	var mailboxes strings.Builder
	for _, m := range []string{"Sent", "Drafts", "Trash", "Junk", "Archive"} {
		fmt.Fprintf(&mailboxes, "  mailbox %s {\n    special_use = \\%s\n    auto = subscribe\n  }\n", m, m)
	}
	// Each "{" must end its line: Dovecot refuses one-line blocks.
	return fmt.Sprintf(`# A private Dovecot for one test, written by internal/testimap.
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
log_timestamp = "%%H:%%M:%%S "
listen = 127.0.0.1
protocols = imap
ssl = yes
ssl_cert = <%[1]s/cert.pem
ssl_key = <%[1]s/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
auth_verbose = yes
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:~/Maildir
mail_fsync = never
passdb {
  driver = passwd-file
  args = username_format=%%u %[1]s/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%%u %[1]s/passwd
}
namespace inbox {
  inbox = yes
  separator = /
  prefix =
%[4]s}
mail_plugins = $mail_plugins quota
protocol imap {
  mail_plugins = $mail_plugins imap_quota
}
plugin {
  quota = count:User quota
  quota_vsizes = yes
  quota_grace = 0
}
# No auth penalty: after a failed login, Dovecot would delay every later
# login from 127.0.0.1 by 2 s or more. A failed login still takes 0.5 s.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  inet_listener imap {
    port = %[2]d
  }
  inet_listener imaps {
    port = %[3]d
    ssl = yes
  }
}
%[5]s`, dir, plainPort, tlsPort, mailboxes.String(), ownerConf)
}

// selfSignedCert makes an ECDSA certificate for 127.0.0.1, ::1 and
// localhost that is its own CA, so clients can trust it as a root.
func selfSignedCert() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"Mailark test Dovecot"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// Seed writes msgs straight into user's folder, in order, creating the
// folder (but not its parents: like IMAP CREATE in Dovecot, a missing
// parent lists as \Noselect). It is the fast path (10,000 messages in well
// under a second) and works while Dovecot runs: files go through tmp/, and
// Dovecot gives them the next UIDs, in msgs order, when a client next looks.
// Folder names are as a user sees them ("Archive/2019", "取引先"); INBOX is
// the Maildir itself. Names with "." cannot be stored in this layout. Do not
// seed one folder from two goroutines at once.
func (d *Dovecot) Seed(t testing.TB, user, folder string, msgs []SeedMessage) {
	t.Helper()
	if err := d.SeedFolder(user, folder, msgs); err != nil {
		t.Fatalf("Seed: %v", err)
	}
}

// SeedFolder is Seed for programs that are not tests: it returns the error.
func (d *Dovecot) SeedFolder(user, folder string, msgs []SeedMessage) error {
	if !slices.ContainsFunc(d.Users, func(u DovecotUser) bool { return u.Name == user }) {
		return fmt.Errorf("no user %q", user)
	}
	if err := d.seed(user, folder, msgs); err != nil {
		return fmt.Errorf("seed %q, %q: %w", user, folder, err)
	}
	return nil
}

// seedSeq orders seeded files: Dovecot hands out UIDs in file name order.
var (
	seedSeq   atomic.Int64
	seedEpoch = time.Now().Unix()
)

func (d *Dovecot) seed(user, folder string, msgs []SeedMessage) error {
	maildir := filepath.Join(d.home(user), "Maildir")
	dir, err := maildirFolder(maildir, folder)
	if err != nil {
		return err
	}
	if err := d.makeMaildir(dir); err != nil {
		return err
	}
	if dir != maildir {
		if err := d.writeOwned(filepath.Join(dir, "maildirfolder"), nil); err != nil {
			return err
		}
	}
	keywords, err := d.keywords(dir, msgs)
	if err != nil {
		return err
	}
	for i, m := range msgs {
		info, err := maildirInfo(m.Flags, keywords)
		if err != nil {
			return fmt.Errorf("message %d: %w", i, err)
		}
		// Zero-padded so that any order Dovecot sorts by is msgs order.
		base := fmt.Sprintf("%d.M%012dP%d.mailark,S=%d", seedEpoch, seedSeq.Add(1), os.Getpid(), len(m.Raw))
		tmp := filepath.Join(dir, "tmp", base)
		if err := d.writeOwned(tmp, m.Raw); err != nil {
			return err
		}
		date := m.InternalDate
		if date.IsZero() {
			date = time.Now()
		}
		if err := os.Chtimes(tmp, date, date); err != nil {
			return err
		}
		if err := os.Rename(tmp, filepath.Join(dir, "cur", base+":2,"+info)); err != nil {
			return err
		}
	}
	return nil
}

func (d *Dovecot) writeOwned(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	return d.chown(path)
}

// maildirFolder maps a folder name to its Maildir++ directory as Dovecot
// lays it out with separator "/": "Archive/2019" is .Archive.2019, and
// names are modified UTF-7 on disk ("取引先" is .&U9ZfFVFI-).
func maildirFolder(maildir, folder string) (string, error) {
	if strings.EqualFold(folder, "INBOX") {
		return maildir, nil
	}
	switch {
	case folder == "":
		return "", errors.New("empty folder name")
	case !utf8.ValidString(folder):
		return "", errors.New("folder name is not UTF-8")
	case strings.ContainsAny(folder, ".*%"):
		return "", errors.New(`folder name has ".", "*" or "%"`)
	case strings.HasPrefix(folder, "~"):
		return "", errors.New(`folder name begins with "~"`)
	case slices.Contains(strings.Split(folder, "/"), ""):
		return "", errors.New(`folder name has an empty level between "/"`)
	}
	for _, r := range folder {
		if r < 0x20 || r == 0x7f {
			return "", errors.New("folder name has a control character")
		}
	}
	return filepath.Join(maildir, "."+strings.ReplaceAll(imapconn.EncodeModifiedUTF7(folder), "/", ".")), nil
}

var systemFlagLetters = map[string]byte{
	`\draft`: 'D', `\flagged`: 'F', `\answered`: 'R', `\seen`: 'S', `\deleted`: 'T',
}

// maildirInfo is the part after ":2,": system flag letters, then keyword
// letters (a = keyword 0 of dovecot-keywords), each group in ASCII order.
func maildirInfo(flags []string, keywords map[string]int) (string, error) {
	var letters []byte
	for _, f := range flags {
		if strings.HasPrefix(f, `\`) {
			l, ok := systemFlagLetters[strings.ToLower(f)]
			if !ok {
				return "", fmt.Errorf("flag %s cannot be stored", f)
			}
			letters = append(letters, l)
		} else {
			letters = append(letters, byte('a'+keywords[f]))
		}
	}
	slices.Sort(letters)
	return string(slices.Compact(letters)), nil
}

// isAtom says whether s can be an IMAP keyword (RFC 3501 atom).
func isAtom(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r <= 0x20 || r >= 0x7f || strings.ContainsRune(`(){%*"\]`, r) {
			return false
		}
	}
	return true
}

// keywords returns the index of each keyword in msgs, adding new ones to the
// folder's dovecot-keywords file ("N name" lines).
func (d *Dovecot) keywords(dir string, msgs []SeedMessage) (map[string]int, error) {
	path := filepath.Join(dir, "dovecot-keywords")
	index := map[string]int{}
	var names []string
	if data, err := os.ReadFile(path); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if n, name, ok := strings.Cut(line, " "); ok {
				i, err := strconv.Atoi(n)
				if err != nil || i >= 26 {
					continue
				}
				for len(names) <= i {
					names = append(names, "")
				}
				names[i] = name
				index[name] = i
			}
		}
	}
	changed := false
	for _, m := range msgs {
		for _, f := range m.Flags {
			if strings.HasPrefix(f, `\`) {
				continue
			}
			if _, ok := index[f]; ok {
				continue
			}
			if !isAtom(f) {
				return nil, fmt.Errorf("keyword %q is not an IMAP atom", f)
			}
			if len(names) == 26 {
				return nil, fmt.Errorf("more than 26 keywords in one folder")
			}
			index[f] = len(names)
			names = append(names, f)
			changed = true
		}
	}
	if !changed {
		return index, nil
	}
	var b strings.Builder
	for i, name := range names {
		if name != "" {
			fmt.Fprintf(&b, "%d %s\n", i, name)
		}
	}
	tmp := path + ".mailark-tmp"
	if err := d.writeOwned(tmp, []byte(b.String())); err != nil {
		return nil, err
	}
	return index, os.Rename(tmp, path)
}

// LimitConnections restarts Dovecot allowing each user n IMAP connections
// at once from one address (mail_max_userip_connections; Dovecot's
// default is 10): a login beyond them is answered NO [LIMIT].
func (d *Dovecot) LimitConnections(t testing.TB, n int) {
	t.Helper()
	if err := d.SetConnectionLimit(n); err != nil {
		t.Fatalf("Dovecot restart: %v\n%s", err, d.logTail())
	}
}

// connLimitMark starts the lines SetConnectionLimit adds to the config.
const connLimitMark = "\n# connection limit (SetConnectionLimit)\n"

// SetConnectionLimit is LimitConnections for programs that are not tests
// (the bench); n = 0 goes back to Dovecot's default.
func (d *Dovecot) SetConnectionLimit(n int) error {
	path := filepath.Join(d.Dir, "dovecot.conf")
	conf, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	base, _, _ := strings.Cut(string(conf), connLimitMark)
	if n > 0 {
		base += fmt.Sprintf("%sprotocol imap {\n  mail_max_userip_connections = %d\n}\n", connLimitMark, n)
	}
	if err := os.WriteFile(path, []byte(base), 0o644); err != nil {
		return err
	}
	d.stop()
	return d.start()
}

// The plugin lines of dovecotConf that SetCompress extends.
const (
	pluginsLine     = "mail_plugins = $mail_plugins quota\n"
	imapPluginsLine = "  mail_plugins = $mail_plugins imap_quota\n"
)

// OfferCompress restarts Dovecot with its zlib plugins (zlib and imap_zlib):
// after login, CAPABILITY lists COMPRESS=DEFLATE (RFC 4978).
func (d *Dovecot) OfferCompress(t testing.TB) {
	t.Helper()
	if err := d.SetCompress(true); err != nil {
		t.Fatalf("Dovecot restart: %v\n%s", err, d.logTail())
	}
}

// SetCompress is OfferCompress for programs that are not tests (the
// bench); false goes back to no COMPRESS.
func (d *Dovecot) SetCompress(on bool) error {
	path := filepath.Join(d.Dir, "dovecot.conf")
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	conf := string(b)
	zlib, imapZlib := strings.TrimSuffix(pluginsLine, "\n")+" zlib\n", strings.TrimSuffix(imapPluginsLine, "\n")+" imap_zlib\n"
	if on {
		conf = strings.Replace(strings.Replace(conf, pluginsLine, zlib, 1), imapPluginsLine, imapZlib, 1)
	} else {
		conf = strings.Replace(strings.Replace(conf, zlib, pluginsLine, 1), imapZlib, imapPluginsLine, 1)
	}
	if on != strings.Contains(conf, "imap_zlib") {
		return errors.New("the config's mail_plugins lines are not as dovecotConf writes them")
	}
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return err
	}
	d.stop()
	return d.start()
}
