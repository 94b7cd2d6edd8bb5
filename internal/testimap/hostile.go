package testimap

import (
	"bufio"
	"bytes"
	"net"
	"strings"
	"testing"
)

// RenamingProxy forwards to target and gives folders of the server other
// names on the wire, as a hostile or old server spells them: in every line
// from the server, the quoted name `"From"` becomes the bytes To (a whole
// token, quotes included, so To may be a literal or raw 8-bit bytes); in
// every line from the client, To becomes `"From"` again. A client reaches
// the folder only by sending To exactly. Extra lines are sent after the
// server's first LIST response to each LIST command. It returns the port.
func RenamingProxy(t testing.TB, target string, names map[string][]byte, extra [][]byte) int {
	t.Helper()
	down := func(line []byte) []byte {
		for from, to := range names {
			line = bytes.ReplaceAll(line, []byte(`"`+from+`"`), to)
		}
		if bytes.HasPrefix(line, []byte("* LIST ")) && bytes.Contains(line, []byte("INBOX")) {
			line = append(line, bytes.Join(extra, nil)...)
		}
		return line
	}
	up := func(line []byte) []byte {
		for from, to := range names {
			line = bytes.ReplaceAll(line, to, []byte(`"`+from+`"`))
		}
		return line
	}
	return LineProxy(t, target, down, up)
}

// LineProxy forwards to target, passing each line the server sends through
// down and each line the client sends through up (nil: unchanged); a line
// longer than 64 KiB reaches them in pieces. It returns the port.
func LineProxy(t testing.TB, target string, down, up func(line []byte) []byte) int {
	t.Helper()
	if up == nil {
		up = func(line []byte) []byte { return line }
	}
	return ServeLoopback(t, func(c net.Conn) {
		s, err := net.Dial("tcp", target)
		if err != nil {
			c.Close()
			return
		}
		go pipeLines(s, c, down)
		pipeLines(c, s, up)
	})
}

// ServeLoopback listens on 127.0.0.1 until the test ends and hands each
// connection to serve, on a goroutine of its own. It returns the port.
func ServeLoopback(t testing.TB, serve func(net.Conn)) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// pipeLines copies src to dst line by line through edit, and closes both
// at the end.
func pipeLines(src, dst net.Conn, edit func([]byte) []byte) {
	defer src.Close()
	defer dst.Close()
	r := bufio.NewReaderSize(src, 64<<10)
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 {
			if _, werr := dst.Write(edit(append([]byte(nil), line...))); werr != nil {
				return
			}
		}
		if err != nil && err != bufio.ErrBufferFull {
			return
		}
	}
}

// Scripted serves a minimal IMAP4rev1 server on 127.0.0.1 that accepts any
// login, answers CAPABILITY, NOOP and LOGOUT itself, and hands every other
// command to reply, which writes the whole answer, tagged line included.
// It is for servers that misbehave in ways no real server can be made to.
// It returns the port.
func Scripted(t testing.TB, reply func(tag, command, args string, w *bufio.Writer)) int {
	t.Helper()
	return ScriptedCaps(t, "", reply)
}

// ScriptedCaps is Scripted with more capabilities after login (for
// instance "COMPRESS=DEFLATE"; reply then answers COMPRESS).
func ScriptedCaps(t testing.TB, caps string, reply func(tag, command, args string, w *bufio.Writer)) int {
	t.Helper()
	return ServeLoopback(t, func(c net.Conn) { serveScripted(c, caps, reply) })
}

func serveScripted(c net.Conn, caps string, reply func(tag, command, args string, w *bufio.Writer)) {
	defer c.Close()
	if caps != "" {
		caps = " " + caps
	}
	w := bufio.NewWriterSize(c, 64<<10)
	r := bufio.NewReader(c)
	w.WriteString("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] scripted\r\n")
	w.Flush()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		f := strings.SplitN(strings.TrimRight(line, "\r\n"), " ", 3)
		if len(f) < 2 {
			continue
		}
		tag, cmd, args := f[0], strings.ToUpper(f[1]), ""
		if len(f) == 3 {
			args = f[2]
		}
		switch cmd {
		case "LOGIN":
			w.WriteString(tag + " OK [CAPABILITY IMAP4rev1" + caps + "] logged in\r\n")
		case "AUTHENTICATE":
			if strings.HasSuffix(strings.ToUpper(args), "PLAIN") {
				w.WriteString("+ \r\n")
				w.Flush()
				if _, err := r.ReadString('\n'); err != nil {
					return
				}
			}
			w.WriteString(tag + " OK [CAPABILITY IMAP4rev1" + caps + "] logged in\r\n")
		case "CAPABILITY":
			w.WriteString("* CAPABILITY IMAP4rev1" + caps + "\r\n" + tag + " OK done\r\n")
		case "NOOP":
			w.WriteString(tag + " OK done\r\n")
		case "LOGOUT":
			w.WriteString("* BYE bye\r\n" + tag + " OK done\r\n")
			w.Flush()
			return
		default:
			reply(tag, cmd, args, w)
		}
		if err := w.Flush(); err != nil {
			return
		}
	}
}
