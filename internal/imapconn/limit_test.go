package imapconn_test

import (
	"bufio"
	"context"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

// scripted runs a fake server: greeting, then reply(line, w) for every line
// the client sends, until the test ends.
func scripted(t *testing.T, greeting string, reply func(line string, w net.Conn)) int {
	t.Helper()
	return testimap.ServeLoopback(t, func(c net.Conn) {
		defer c.Close()
		c.Write([]byte(greeting))
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			reply(strings.TrimRight(line, "\r\n"), c)
		}
	})
}

func tag(line string) string { return strings.SplitN(line, " ", 2)[0] }

func TestHostileServers(t *testing.T) {
	endless := func(w net.Conn) {
		w.Write([]byte("* OK "))
		chunk := []byte(strings.Repeat("A", 1<<20))
		for i := 0; i < 200; i++ { // 200 MB unless the client hangs up
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
	tests := []struct {
		name     string
		security imapconn.Security
		greeting string
		reply    func(line string, w net.Conn)
		want     mailerr.Kind
	}{
		{"endless line after login", imapconn.Plain, "* OK [CAPABILITY IMAP4rev1] hi\r\n",
			func(line string, w net.Conn) { endless(w) }, mailerr.ServerError},
		{"endless short lines after login", imapconn.Plain, "* OK [CAPABILITY IMAP4rev1] hi\r\n",
			func(line string, w net.Conn) {
				flood := []byte(strings.Repeat("* OK still thinking\r\n", 50000))
				for i := 0; i < 200; i++ { // 200 MB of well-formed lines unless the client hangs up
					if _, err := w.Write(flood); err != nil {
						return
					}
				}
			}, mailerr.ServerError},
		{"endless greeting", imapconn.Plain, "",
			func(string, net.Conn) {}, mailerr.NotIMAP},
		{"huge literal as a capability", imapconn.Plain, "* OK hi\r\n",
			func(line string, w net.Conn) {
				w.Write([]byte("* CAPABILITY {4000000000}\r\n"))
			}, mailerr.ServerError},
		{"data injected after STARTTLS ok", imapconn.StartTLS, "* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n",
			func(line string, w net.Conn) {
				w.Write([]byte(tag(line) + " OK begin TLS\r\n* OK injected\r\n"))
			}, mailerr.ServerError},
		{"preauth before encryption", imapconn.StartTLS, "* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome\r\n",
			func(string, net.Conn) {}, mailerr.InsecureRefused},
		{"starttls refused", imapconn.StartTLS, "* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n",
			func(line string, w net.Conn) { w.Write([]byte(tag(line) + " NO not now\r\n")) }, mailerr.ServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			greeting := tt.greeting
			p := 0
			if greeting == "" {
				// The endless greeting: the server talks first, forever.
				p = testimap.ServeLoopback(t, func(c net.Conn) {
					defer c.Close()
					endless(c)
				})
			} else {
				p = scripted(t, greeting, tt.reply)
			}
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := imapconn.Dial(context.Background(), imapconn.Config{Host: "127.0.0.1", Port: p, Security: tt.security,
				User: "u", Password: secret.New("p"), DialTimeout: 30 * time.Second})
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if mailerr.KindOf(err) != tt.want {
				t.Fatalf("Dial() = %v (kind %v), want %v", err, mailerr.KindOf(err), tt.want)
			}
			// What Dial allocates in all, garbage included, grows with
			// what it reads: go-imap makes about 1.5 bytes of garbage per
			// byte of short lines (99 MB for the 64 MiB that
			// MaxTextPerCommand lets through). Twice that limit: a client
			// that read the whole 200 MB flood would allocate far more.
			grown := int64(after.TotalAlloc - before.TotalAlloc)
			if grown > 2*imapconn.MaxTextPerCommand {
				t.Errorf("Dial() allocated %d MB against a hostile server", grown>>20)
			}
			t.Logf("%v after %v, %d MB allocated", err, time.Since(start).Round(time.Millisecond), grown>>20)
		})
	}
}
