package gate_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailark/mailark/addressbook"
	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/gate"
	"github.com/mailark/mailark/internal/archive"
	"github.com/mailark/mailark/internal/archive/archivetest"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/retry"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

// clock is a test clock that moves only when told: archive times are
// RFC 3339 seconds, so steps that must be ordered are a minute apart.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one account on a test server and its archive.
type env struct {
	t    testing.TB
	srv  *testimap.Server // nil on Dovecot
	conn imapconn.Config
	dir  string
	clk  *clock
}

func config(host string, port int, user, pass string) imapconn.Config {
	return imapconn.Config{Host: host, Port: port, Security: imapconn.Plain, User: user,
		Password: secret.New(pass), DialTimeout: 10 * time.Second}
}

// newEnv serves the demo account on go-imap's in-memory server.
func newEnv(t testing.TB) *env {
	t.Helper()
	srv := testimap.Start(t, nil)
	return &env{t: t, srv: srv, conn: config(srv.Host, srv.Port, srv.User, srv.Password),
		dir: filepath.Join(t.TempDir(), "archive"), clk: newClock()}
}

func (e *env) step() { e.clk.Advance(time.Minute) }

func (e *env) backup() backup.Summary {
	e.t.Helper()
	e.step()
	sum, err := backup.Run(context.Background(), backup.Options{Conn: e.conn, ArchiveDir: e.dir, Policy: retry.Policy{Now: e.clk.Now,
		Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }}})
	if err != nil {
		e.t.Fatalf("backup.Run() = %v", err)
	}
	return sum
}

// export records an address-book export the way `mailark contacts export`
// does, with addressbook's own recorder.
func (e *env) export() {
	e.t.Helper()
	e.step()
	recordExport(e.t, e.dir, e.clk)
}

// recordExport records, at clk's time, an export of the address book of
// the archive in dir.
func recordExport(t testing.TB, dir string, clk *clock) {
	t.Helper()
	ctx := context.Background()
	a, err := archive.Open(ctx, dir, archive.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	rec := archive.ExportRecord{At: clk.Now(), Format: string(addressbook.FormatVCard4), Path: "/home/hanako/contacts.vcf",
		Contacts: 37, SHA256: "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"}
	if err := a.RecordExport(ctx, rec, nil); err != nil {
		t.Fatal(err)
	}
}

func (e *env) verifyOpts(deep bool) gate.VerifyOptions {
	return gate.VerifyOptions{Conn: e.conn, ArchiveDir: e.dir, Deep: deep, Now: e.clk.Now}
}

func (e *env) verify(deep bool) gate.Result {
	e.t.Helper()
	e.step()
	res, err := gate.Verify(context.Background(), e.verifyOpts(deep))
	if err != nil {
		e.t.Fatalf("Verify() = %v", err)
	}
	return res
}

func (e *env) check() gate.Verdict {
	e.t.Helper()
	e.step()
	v, err := gate.Check(context.Background(), gate.GateOptions{Conn: e.conn, ArchiveDir: e.dir, Now: e.clk.Now})
	if err != nil {
		e.t.Fatalf("Check() = %v", err)
	}
	return v
}

// ready takes the account to an open gate: backup, export, verify.
func ready(t testing.TB) *env {
	t.Helper()
	e := newEnv(t)
	e.backup()
	e.export()
	if res := e.verify(false); !res.OK() {
		t.Fatalf("Verify() of a fresh backup found problems: %v", res.Problems)
	}
	if v := e.check(); !v.Open {
		t.Fatalf("Check() after backup, export and verify is closed: %v", v.Reasons())
	}
	return e
}

func (e *env) archive() *archive.Archive {
	e.t.Helper()
	return archivetest.Open(e.t, e.dir)
}

// storedMessage returns the archive's row of folder/uid.
func (e *env) storedMessage(folder string, uid uint32) (*archive.Folder, *archive.MessageInfo) {
	e.t.Helper()
	ctx := context.Background()
	a := e.archive()
	f, err := a.Folder(ctx, folder)
	if err != nil || f == nil {
		e.t.Fatalf("folder %s: %v", folder, err)
	}
	var found *archive.MessageInfo
	_ = a.EachMessage(ctx, f.ID, func(m *archive.MessageInfo) error {
		if m.UID == uid {
			found = m
		}
		return nil
	})
	if found == nil {
		e.t.Fatalf("%s uid %d not archived", folder, uid)
	}
	return f, found
}

// closedBy asserts that v is closed by condition id with code, and, when
// kind is set, that a detail of that kind names folder (and uid when not 0).
func closedBy(t testing.TB, v gate.Verdict, id, code string, kind gate.Kind, folder string, uid uint32) {
	t.Helper()
	if v.Open {
		t.Fatalf("gate open, want closed by %s (%s)", id, code)
	}
	c, ok := v.Condition(id)
	if !ok {
		t.Fatalf("verdict has no condition %s", id)
	}
	if c.OK || c.Code != code {
		t.Fatalf("condition %s: ok=%v code=%q, want closed with %q (reasons: %v)", id, c.OK, c.Code, code, v.Reasons())
	}
	if c.Reason == "" || c.Text(gate.English) == "" || c.Text(gate.Japanese) == "" {
		t.Errorf("condition %s has no reason or text: %+v", id, c)
	}
	if kind == "" {
		return
	}
	for _, d := range c.Details {
		if d.Kind == kind && d.Folder == folder && (uid == 0 || d.UID == uid) {
			return
		}
	}
	t.Fatalf("condition %s: no detail %s for %s uid %d in %+v", id, kind, folder, uid, c.Details)
}

// closedByOneDamage checks the gate after one message of the archive was
// damaged: closed as changed (changed, in changedFolder) until a
// verification, which finds that message alone (problem, folder, uid), and
// closed by it afterwards.
func closedByOneDamage(t testing.TB, e *env, changed gate.Kind, changedFolder string, problem gate.Kind, folder string, uid uint32) {
	t.Helper()
	closedBy(t, e.check(), gate.CondArchiveUnchanged, "changed", changed, changedFolder, 0)
	res := e.verify(false)
	hasProblem(t, res, problem, folder, uid)
	if len(res.Problems) != 1 {
		t.Errorf("problems %v, want only %s uid %d", res.Problems, folder, uid)
	}
	code := "problems"
	if problem.InArchive() {
		code = "damaged" // the next step is repair (issue 18 item 11)
	}
	closedBy(t, e.check(), gate.CondVerified, code, problem, folder, uid)
}

// hasProblem asserts that a verification result names this problem.
func hasProblem(t testing.TB, res gate.Result, kind gate.Kind, folder string, uid uint32) {
	t.Helper()
	for _, d := range res.Problems {
		if d.Kind == kind && d.Folder == folder && (uid == 0 || d.UID == uid) {
			if d.Detail == "" || !d.Blocking {
				t.Errorf("problem %+v: no detail or not blocking", d)
			}
			return
		}
	}
	shown := res.Problems[:min(len(res.Problems), 10)]
	t.Fatalf("Verify() found %d problems, none is %s in %s uid %d; the first: %v", len(res.Problems), kind, folder, uid, shown)
}

// serverCounts returns MESSAGES of every folder.
func serverCounts(t testing.TB, srv *testimap.Server) map[string]uint32 {
	t.Helper()
	return messageCounts(t, srv.Client(t))
}

// messageCounts returns MESSAGES of every folder c lists.
func messageCounts(t testing.TB, c *imapclient.Client) map[string]uint32 {
	t.Helper()
	list, err := c.List("", "*", &imap.ListOptions{ReturnStatus: &imap.StatusOptions{NumMessages: true}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint32{}
	for _, l := range list {
		if l.Status != nil && l.Status.NumMessages != nil {
			out[l.Mailbox] = *l.Status.NumMessages
		}
	}
	return out
}

// editFile changes a file in place at off, keeping its size, and moves its
// time on: the file clock is coarse (a few milliseconds), and an edit made
// by a person comes later than that.
func editFile(t testing.TB, path string, off int64, edit func(b byte) byte) {
	t.Helper()
	os.Chmod(path, 0o600) // an mbox file is 0400 between runs
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] = edit(b[0])
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
	f.Close()
	later := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
}

// indexIn finds needle in the file at or after off.
func indexIn(t testing.TB, path string, off int64, needle []byte) int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data[off:], needle)
	if i < 0 {
		t.Fatalf("%q not found in %s after %d", needle, path, off)
	}
	return off + int64(i)
}
