package testimap

import (
	"context"
	"mime"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/mailark/mailark/internal/demo"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailtext"
	"github.com/mailark/mailark/internal/secret"
)

// Server is go-imap's in-memory IMAP server holding one account, on
// 127.0.0.1 without TLS, for one test. Its methods change the mailboxes
// while clients are connected and fail the test on error; call them from
// the test's goroutine.
type Server struct {
	Addr     string // "127.0.0.1:port"
	Host     string // "127.0.0.1"
	Port     int
	User     string
	Password string
	// Mem is the server's handle, for changes the methods below lack.
	Mem *demo.MemServer

	t testing.TB
}

// Start serves acct (the demo account when nil) on 127.0.0.1:0 until the
// test ends. The server's own error messages go to t.Log.
func Start(t testing.TB, acct *demo.Account) *Server {
	t.Helper()
	if acct == nil {
		acct = demo.OldProvider()
	}
	m, err := demo.NewMemServer(acct)
	if err != nil {
		t.Fatalf("testimap.Start: %v", err)
	}
	return serve(t, m, acct)
}

// StartDemo serves the demo's old account and its empty new account
// (demo.NewProvider) on one server, as `mailark demo` does, until the test
// ends. The Server is the old account's; newConn is the connection to the
// new one.
func StartDemo(t testing.TB) (s *Server, newConn imapconn.Config) {
	t.Helper()
	old, nw := demo.OldProvider(), demo.NewProvider()
	m, err := demo.NewMemServer(old)
	if err != nil {
		t.Fatalf("testimap.StartDemo: %v", err)
	}
	if err := m.AddAccount(nw); err != nil {
		t.Fatalf("testimap.StartDemo: %v", err)
	}
	s = serve(t, m, old)
	newConn = s.Conn()
	newConn.User, newConn.Password = nw.User, secret.New(nw.Password)
	return s, newConn
}

// serve serves m, whose first account is acct, on 127.0.0.1:0 until the
// test ends.
func serve(t testing.TB, m *demo.MemServer, acct *demo.Account) *Server {
	t.Helper()
	log := &testLogger{t: t}
	m.Logger = log
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testimap.Start: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("testimap: Serve() = %v", err)
		}
		log.stop()
	})
	a := ln.Addr().(*net.TCPAddr)
	return &Server{Addr: a.String(), Host: "127.0.0.1", Port: a.Port, User: acct.User, Password: acct.Password, Mem: m, t: t}
}

// testLogger sends server messages to t.Logf until the test is over
// (connection goroutines may still log after Serve returns).
type testLogger struct {
	mu      sync.Mutex
	t       testing.TB
	stopped bool
}

func (l *testLogger) Printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Logf("imapserver: "+format, args...)
	}
}

func (l *testLogger) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
}

// Conn is the engine's connection to the account: plain on loopback, with
// a 10 s dial timeout.
func (s *Server) Conn() imapconn.Config {
	return imapconn.Config{Host: s.Host, Port: s.Port, Security: imapconn.Plain, User: s.User,
		Password: secret.New(s.Password), DialTimeout: 10 * time.Second}
}

// Client returns a client logged in as the account's user, closed when the
// test ends. It decodes RFC 2047 words in every charset internal/mailtext knows.
func (s *Server) Client(t testing.TB) *imapclient.Client {
	t.Helper()
	conn, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatalf("testimap: dial: %v", err)
	}
	c := imapclient.New(conn, &imapclient.Options{WordDecoder: &mime.WordDecoder{CharsetReader: mailtext.CharsetReader}})
	t.Cleanup(func() { c.Close() })
	if err := c.Login(s.User, s.Password).Wait(); err != nil {
		t.Fatalf("testimap: login: %v", err)
	}
	return c
}

func (s *Server) check(err error) {
	s.t.Helper()
	if err != nil {
		s.t.Fatalf("testimap: %v", err)
	}
}

// AppendMessage adds a message at the end of folder and returns its UID.
func (s *Server) AppendMessage(folder string, raw []byte, flags []string, date time.Time) imap.UID {
	s.t.Helper()
	uid, err := s.Mem.Append(folder, demo.Message{Raw: raw, Flags: flags, InternalDate: date})
	s.check(err)
	return uid
}

// ExpungeUID removes the messages with these UIDs from folder.
func (s *Server) ExpungeUID(folder string, uids ...imap.UID) {
	s.t.Helper()
	s.check(s.Mem.Expunge(folder, uids...))
}

// SetFlags replaces the flags of one message.
func (s *Server) SetFlags(folder string, uid imap.UID, flags ...string) {
	s.t.Helper()
	s.check(s.Mem.SetFlags(folder, uid, flags...))
}

// CreateFolder creates an empty folder; its parent must exist.
func (s *Server) CreateFolder(name string) {
	s.t.Helper()
	s.check(s.Mem.CreateFolder(name))
}

// DeleteFolder removes a folder and its messages.
func (s *Server) DeleteFolder(name string) {
	s.t.Helper()
	s.check(s.Mem.DeleteFolder(name))
}

// RenameFolder renames a folder, keeping its UIDVALIDITY and UIDs.
func (s *Server) RenameFolder(oldName, newName string) {
	s.t.Helper()
	s.check(s.Mem.RenameFolder(oldName, newName))
}

// RecreateFolder empties a folder under a new UIDVALIDITY, returned.
func (s *Server) RecreateFolder(name string) uint32 {
	s.t.Helper()
	v, err := s.Mem.RecreateFolder(name)
	s.check(err)
	return v
}

// UIDValidity returns a folder's UIDVALIDITY.
func (s *Server) UIDValidity(folder string) uint32 {
	s.t.Helper()
	v, err := s.Mem.UIDValidity(folder)
	s.check(err)
	return v
}
