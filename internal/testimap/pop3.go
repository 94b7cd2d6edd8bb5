package testimap

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// POP3Server is a scripted POP3 server on loopback for tests: RFC 1939 with
// CAPA, USER/PASS, APOP and AUTH PLAIN, in plain text only (TLS and STLS are
// tested against Dovecot). Its faults are the ones a real server rarely
// shows on demand: duplicate or missing UIDLs, a message deleted between
// UIDL and RETR, a huge announced size, an answer that never ends.
type POP3Server struct {
	Addr string
	Host string
	Port int

	opts  POP3Options
	ln    net.Listener
	conns atomic.Int64
	retrs atomic.Int64
	mu    sync.Mutex
	open  []net.Conn
	cmds  []string     // every command received, arguments of PASS, APOP and AUTH hidden
	gone  map[int]bool // messages (0-based) deleted by a session that ended with QUIT
}

// POP3Options script a POP3Server. Only User and Password are required.
type POP3Options struct {
	User, Password string
	Messages       [][]byte // the maildrop, sent dot-stuffed with a final CRLF added where missing
	// UIDLs gives each message's id; missing entries are "uid-N". An entry
	// "" leaves that message out of the UIDL listing.
	UIDLs    []string
	NoUIDL   bool     // UIDL answers -ERR
	NoCAPA   bool     // CAPA answers -ERR
	Caps     []string // CAPA lines; default USER, UIDL, TOP, SASL PLAIN
	Greeting string   // after "+OK "; default one with an APOP timestamp
	NoUser   bool     // USER answers -ERR (only APOP or AUTH let in)
	// Deleted messages answer RETR with -ERR (deleted meanwhile).
	Deleted map[int]bool
	// Sizes overrides what LIST announces for a message.
	Sizes map[int]int64
	// Wire, when it returns true, has written the whole answer to the
	// command itself (args without the command name).
	Wire func(conn int, cmd, args string, w io.Writer) bool
}

const defaultPOP3Greeting = "Mailark test POP3 ready <1896.697170952@test.example>"

// StartPOP3 starts a POP3Server for t and stops it in t.Cleanup.
func StartPOP3(t testing.TB, opts POP3Options) *POP3Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.Greeting == "" {
		opts.Greeting = defaultPOP3Greeting
	}
	if opts.Caps == nil {
		opts.Caps = []string{"USER", "UIDL", "TOP", "SASL PLAIN"}
	}
	a := ln.Addr().(*net.TCPAddr)
	s := &POP3Server{Addr: a.String(), Host: "127.0.0.1", Port: a.Port, opts: opts, ln: ln}
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

// Conns is how many connections were accepted; Retrs how many RETR came.
func (s *POP3Server) Conns() int { return int(s.conns.Load()) }
func (s *POP3Server) Retrs() int { return int(s.retrs.Load()) }

// Remaining lists the messages (0-based) still in the maildrop: DELE
// marks a message, and only a QUIT deletes what its session marked (RSET
// unmarks; a session cut off deletes nothing), as RFC 1939 says.
func (s *POP3Server) Remaining() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for i := range s.opts.Messages {
		if !s.gone[i] {
			out = append(out, i)
		}
	}
	return out
}

// Commands lists the command names received, in order (DELE would show).
func (s *POP3Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.cmds...)
}

// Close stops listening and cuts every connection.
func (s *POP3Server) Close() {
	s.ln.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.open {
		c.Close()
	}
}

func (s *POP3Server) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		n := int(s.conns.Add(1)) - 1
		s.mu.Lock()
		s.open = append(s.open, c)
		s.mu.Unlock()
		go s.session(n, c)
	}
}

// UIDL is the id the server gives message i (0-based), "" for none.
func (s *POP3Server) UIDL(i int) string {
	if i < len(s.opts.UIDLs) {
		return s.opts.UIDLs[i]
	}
	return "uid-" + strconv.Itoa(i+1)
}

func (s *POP3Server) session(n int, c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	defer w.Flush()
	fmt.Fprintf(w, "+OK %s\r\n", s.opts.Greeting)
	w.Flush()
	authed, user := false, ""
	// The maildrop as this session sees it: message n is the original
	// message idx[n-1] (0-based), fixed at login.
	var idx []int
	marked := map[int]bool{}
	msgs := s.opts.Messages
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		cmd, args, _ := strings.Cut(line, " ")
		cmd = strings.ToUpper(cmd)
		s.mu.Lock()
		s.cmds = append(s.cmds, cmd)
		s.mu.Unlock()
		if s.opts.Wire != nil && s.opts.Wire(n, cmd, args, w) {
			w.Flush()
			continue
		}
		num := func() (int, bool) {
			first, _, _ := strings.Cut(args, " ")
			i, err := strconv.Atoi(first)
			if err != nil || i < 1 || i > len(idx) || marked[i] {
				fmt.Fprintf(w, "-ERR no such message\r\n")
				return 0, false
			}
			return i, true
		}
		login := func() {
			authed = true
			s.mu.Lock()
			for i := range msgs {
				if !s.gone[i] {
					idx = append(idx, i)
				}
			}
			s.mu.Unlock()
		}
		switch {
		case cmd == "QUIT":
			s.mu.Lock()
			for n := range marked {
				if s.gone == nil {
					s.gone = map[int]bool{}
				}
				s.gone[idx[n-1]] = true
			}
			s.mu.Unlock()
			fmt.Fprintf(w, "+OK bye\r\n")
			return
		case cmd == "CAPA":
			if s.opts.NoCAPA {
				fmt.Fprintf(w, "-ERR unknown command\r\n")
				break
			}
			fmt.Fprintf(w, "+OK\r\n%s\r\n.\r\n", strings.Join(s.opts.Caps, "\r\n"))
		case cmd == "USER" && !authed:
			if s.opts.NoUser {
				fmt.Fprintf(w, "-ERR USER not allowed here\r\n")
				break
			}
			user = args
			fmt.Fprintf(w, "+OK\r\n")
		case cmd == "PASS" && !authed:
			if user == s.opts.User && args == s.opts.Password {
				login()
				fmt.Fprintf(w, "+OK logged in\r\n")
			} else {
				fmt.Fprintf(w, "-ERR [AUTH] authentication failed\r\n")
			}
		case cmd == "APOP" && !authed:
			u, digest, _ := strings.Cut(args, " ")
			stamp := s.opts.Greeting[strings.IndexByte(s.opts.Greeting, '<'):]
			sum := md5.Sum([]byte(stamp + s.opts.Password))
			if u == s.opts.User && digest == hex.EncodeToString(sum[:]) {
				login()
				fmt.Fprintf(w, "+OK logged in\r\n")
			} else {
				fmt.Fprintf(w, "-ERR [AUTH] authentication failed\r\n")
			}
		case cmd == "AUTH" && !authed:
			mech, resp, _ := strings.Cut(args, " ")
			raw, _ := base64.StdEncoding.DecodeString(resp)
			if strings.EqualFold(mech, "PLAIN") && string(raw) == "\x00"+s.opts.User+"\x00"+s.opts.Password {
				login()
				fmt.Fprintf(w, "+OK logged in\r\n")
			} else {
				fmt.Fprintf(w, "-ERR [AUTH] authentication failed\r\n")
			}
		case !authed:
			fmt.Fprintf(w, "-ERR log in first\r\n")
		case cmd == "STAT":
			var total, count int64
			for n, i := range idx {
				if !marked[n+1] {
					total += s.size(i)
					count++
				}
			}
			fmt.Fprintf(w, "+OK %d %d\r\n", count, total)
		case cmd == "LIST" && args == "":
			fmt.Fprintf(w, "+OK\r\n")
			for n, i := range idx {
				if !marked[n+1] {
					fmt.Fprintf(w, "%d %d\r\n", n+1, s.size(i))
				}
			}
			fmt.Fprintf(w, ".\r\n")
		case cmd == "UIDL" && args == "":
			if s.opts.NoUIDL {
				fmt.Fprintf(w, "-ERR unknown command\r\n")
				break
			}
			fmt.Fprintf(w, "+OK\r\n")
			for n, i := range idx {
				if id := s.UIDL(i); id != "" && !marked[n+1] {
					fmt.Fprintf(w, "%d %s\r\n", n+1, id)
				}
			}
			fmt.Fprintf(w, ".\r\n")
		case cmd == "RETR" || cmd == "TOP":
			n, ok := num()
			if !ok {
				break
			}
			i := idx[n-1]
			if cmd == "RETR" {
				s.retrs.Add(1)
			}
			if s.opts.Deleted[i+1] {
				fmt.Fprintf(w, "-ERR message %d was deleted\r\n", n)
				break
			}
			msg := msgs[i]
			if cmd == "TOP" {
				if _, lines, _ := strings.Cut(args, " "); lines != "0" {
					fmt.Fprintf(w, "-ERR only TOP n 0 here\r\n")
					break
				}
				if h := bytes.Index(msg, []byte("\r\n\r\n")); h >= 0 {
					msg = msg[:h+4]
				}
			}
			fmt.Fprintf(w, "+OK %d octets\r\n", len(msg))
			w.Write(Stuff(msg))
		case cmd == "DELE":
			if n, ok := num(); ok {
				marked[n] = true
				fmt.Fprintf(w, "+OK marked\r\n")
			}
		case cmd == "RSET":
			marked = map[int]bool{}
			fmt.Fprintf(w, "+OK\r\n")
		case cmd == "NOOP":
			fmt.Fprintf(w, "+OK\r\n")
		default:
			fmt.Fprintf(w, "-ERR unknown command\r\n")
		}
		w.Flush()
	}
}

func (s *POP3Server) size(i int) int64 {
	if sz, ok := s.opts.Sizes[i+1]; ok {
		return sz
	}
	return int64(len(s.opts.Messages[i]))
}

// Stuff is msg as a POP3 server sends it after +OK: every line that begins
// with "." gets one more, a CRLF is added if the message does not end with
// one, then the "." line.
func Stuff(msg []byte) []byte {
	var b bytes.Buffer
	start := true
	for i := 0; i < len(msg); i++ {
		if start && msg[i] == '.' {
			b.WriteByte('.')
		}
		b.WriteByte(msg[i])
		start = msg[i] == '\n' && i > 0 && msg[i-1] == '\r'
	}
	if !bytes.HasSuffix(msg, []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	b.WriteString(".\r\n")
	return b.Bytes()
}
