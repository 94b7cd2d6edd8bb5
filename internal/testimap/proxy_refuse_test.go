package testimap_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/testimap"
)

// The proxy's refusal of a command goes between two of the server's
// responses, never into one: sent while a large message's literal is
// still coming, it once landed inside the literal, and the client stored
// it as part of the message. Here the client reads nothing for a while,
// so that the proxy is stuck in the literal, the socket full, when the
// command to refuse comes.
func TestRefusalNeverInsideALiteral(t *testing.T) {
	srv := testimap.Start(t, nil)
	var msg bytes.Buffer
	msg.WriteString("Subject: large\r\n\r\n")
	for msg.Len() < 24<<20 {
		msg.WriteString("a line of a large message, long enough to span many of the proxy's reads\r\n")
	}
	uid := srv.AppendMessage("INBOX", msg.Bytes(), nil, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	proxy := testimap.StartProxy(t, srv.Addr, testimap.FirstConns(1, testimap.Fault{RefuseCommand: 4}))
	c, err := net.Dial("tcp", proxy.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	// next reads one line, and the literal it announces.
	next := func() (line string, literal []byte) {
		t.Helper()
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if i := strings.LastIndexByte(l, '{'); i >= 0 && strings.HasSuffix(l, "}\r\n") {
			n, err := strconv.Atoi(l[i+1 : len(l)-3])
			if err == nil {
				literal = make([]byte, n)
				if _, err := io.ReadFull(r, literal); err != nil {
					t.Fatalf("read literal: %v", err)
				}
			}
		}
		return l, literal
	}
	until := func(tag string) {
		t.Helper()
		for {
			if l, _ := next(); strings.HasPrefix(l, tag+" ") {
				if !strings.HasPrefix(l, tag+" OK") {
					t.Fatalf("%s answered %q", tag, l)
				}
				return
			}
		}
	}
	next() // greeting
	fmt.Fprintf(c, "a1 LOGIN %s %s\r\n", srv.User, srv.Password)
	until("a1")
	fmt.Fprintf(c, "a2 EXAMINE INBOX\r\n")
	until("a2")
	// The fourth command, sent while the third's answer comes, is refused.
	fmt.Fprintf(c, "a3 UID FETCH %d BODY.PEEK[]\r\n", uid)
	time.Sleep(100 * time.Millisecond) // the answer fills the socket
	fmt.Fprintf(c, "a4 NOOP\r\n")
	time.Sleep(100 * time.Millisecond) // the proxy has it
	var fetched, refused, done bool
	for !done || !refused {
		l, literal := next()
		switch {
		case literal != nil:
			fetched = true
			if !bytes.Equal(literal, msg.Bytes()) {
				at := 0
				for at < len(literal) && at < msg.Len() && literal[at] == msg.Bytes()[at] {
					at++
				}
				t.Fatalf("the message's literal differs from byte %d: %q", at, literal[at:min(len(literal), at+80)])
			}
		case strings.HasPrefix(l, "a3 "):
			done = true
		case strings.HasPrefix(l, "a4 NO "):
			refused = true
		}
	}
	if !fetched {
		t.Fatal("the FETCH answer held no literal")
	}
}
