package pop3_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/pop3"
	"github.com/mailark/mailark/internal/secret"
	"github.com/mailark/mailark/internal/testimap"
)

var corpus = [][]byte{
	[]byte("Subject: one\r\n\r\nHello\r\n"),
	[]byte("Subject: dots\r\n\r\n.\r\n..\r\n.leading\r\n"),
	[]byte("Subject: bare\r\n\r\nbare\rCR and bare\nLF\r\n"),
	[]byte("Subject: binary\r\n\r\n\x00\xff\x1b\r\n"),
}

func config(s *testimap.POP3Server) pop3.Config {
	return pop3.Config{Host: s.Host, Port: s.Port, Security: imapconn.Plain, User: "taro", Password: secret.New("pw"),
		DialTimeout: 10 * time.Second}
}

func dial(t *testing.T, s *testimap.POP3Server, edit func(*pop3.Config)) *pop3.Client {
	t.Helper()
	cfg := config(s)
	if edit != nil {
		edit(&cfg)
	}
	c, err := pop3.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Dial() = %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestFetchAll(t *testing.T) {
	s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: corpus})
	c := dial(t, s, nil)
	n, size, err := c.Stat()
	if err != nil || n != len(corpus) {
		t.Fatalf("Stat() = %d, %d, %v", n, size, err)
	}
	list, err := c.List(n)
	if err != nil || len(list) != n {
		t.Fatalf("List() = %v, %v", list, err)
	}
	ids, err := c.UIDL(n)
	if err != nil || len(ids) != n || ids[2] != "uid-2" {
		t.Fatalf("UIDL() = %v, %v", ids, err)
	}
	for i, want := range corpus {
		r, err := c.Retr(i + 1)
		if err != nil {
			t.Fatalf("Retr(%d) = %v", i+1, err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("Retr(%d) = %q, %v, want %q", i+1, got, err, want)
		}
		if list[i].SizeBytes != int64(len(want)) {
			t.Errorf("List()[%d] = %d, want %d", i, list[i].SizeBytes, len(want))
		}
	}
	if err := c.Noop(); err != nil {
		t.Errorf("Noop() after the messages = %v", err)
	}
	c.Close()
	for _, cmd := range s.Commands() {
		if cmd == "DELE" {
			t.Errorf("the client sent DELE")
		}
	}
}

func TestLogin(t *testing.T) {
	tests := []struct {
		name string
		opts testimap.POP3Options
		auth pop3.Auth
		pass string
		want mailerr.Kind // 0: logs in
		sent string       // the command that carried the credentials
	}{
		{"auto uses AUTH PLAIN when offered", testimap.POP3Options{}, pop3.AuthAuto, "pw", 0, "AUTH"},
		{"auto uses USER without SASL", testimap.POP3Options{Caps: []string{"USER", "UIDL"}}, pop3.AuthAuto, "pw", 0, "PASS"},
		{"auto uses USER without CAPA", testimap.POP3Options{NoCAPA: true}, pop3.AuthAuto, "pw", 0, "PASS"},
		{"auto falls back to APOP when USER is refused", testimap.POP3Options{Caps: []string{"UIDL"}, NoUser: true}, pop3.AuthAuto, "pw", 0, "APOP"},
		{"APOP when asked", testimap.POP3Options{}, pop3.AuthAPOP, "pw", 0, "APOP"},
		{"APOP without a timestamp", testimap.POP3Options{Greeting: "ready"}, pop3.AuthAPOP, "pw", mailerr.ServerError, ""},
		{"wrong password", testimap.POP3Options{Caps: []string{"USER"}}, pop3.AuthUser, "nope", mailerr.AuthFailed, ""},
		{"wrong password over AUTH PLAIN", testimap.POP3Options{}, pop3.AuthPlain, "nope", mailerr.AuthFailed, ""},
		{"wrong password over APOP", testimap.POP3Options{}, pop3.AuthAPOP, "nope", mailerr.AuthFailed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.User, o.Password, o.Messages = "taro", "pw", corpus[:1]
			s := testimap.StartPOP3(t, o)
			cfg := config(s)
			cfg.Auth, cfg.Password = tt.auth, secret.New(tt.pass)
			c, err := pop3.Dial(context.Background(), cfg)
			if tt.want != 0 {
				if mailerr.KindOf(err) != tt.want {
					t.Fatalf("Dial() = %v (kind %v), want kind %v", err, mailerr.KindOf(err), tt.want)
				}
				if strings.Contains(err.Error(), tt.pass) {
					t.Errorf("the error %q shows the password", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Dial() = %v", err)
			}
			defer c.Close()
			if _, _, err := c.Stat(); err != nil {
				t.Errorf("Stat() = %v", err)
			}
			cmds := strings.Join(s.Commands(), " ")
			if !strings.Contains(cmds, tt.sent) {
				t.Errorf("commands %s, want %s", cmds, tt.sent)
			}
		})
	}
}

func TestDialRefusals(t *testing.T) {
	t.Run("plain text to another host", func(t *testing.T) {
		_, err := pop3.Dial(context.Background(), pop3.Config{Host: "pop.example.net", Security: imapconn.Plain, User: "u", Password: secret.New("p")})
		if mailerr.KindOf(err) != mailerr.InsecureRefused {
			t.Errorf("Dial() = %v, want InsecureRefused", err)
		}
	})
	t.Run("not a POP3 server", func(t *testing.T) {
		s := testimap.Start(t, nil) // an IMAP server greets with "* OK"
		_, err := pop3.Dial(context.Background(), pop3.Config{Host: "127.0.0.1", Port: s.Port, Security: imapconn.Plain,
			User: "u", Password: secret.New("p"), DialTimeout: 5 * time.Second})
		if mailerr.KindOf(err) != mailerr.NotPOP3 {
			t.Errorf("Dial() = %v, want NotPOP3", err)
		}
	})
	t.Run("STLS not offered", func(t *testing.T) {
		s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw"})
		cfg := config(s)
		cfg.Security = imapconn.StartTLS
		_, err := pop3.Dial(context.Background(), cfg)
		if mailerr.KindOf(err) != mailerr.NoStartTLS {
			t.Errorf("Dial() = %v, want NoStartTLS", err)
		}
	})
}

// hostile answers cmd with wire instead of the real answer.
func hostile(cmd, wire string) func(int, string, string, io.Writer) bool {
	return func(_ int, c, _ string, w io.Writer) bool {
		if c != cmd {
			return false
		}
		io.WriteString(w, wire)
		return true
	}
}

func TestHostileServer(t *testing.T) {
	endless := strings.Repeat("x", 64<<10)
	tests := []struct {
		name string
		opts testimap.POP3Options
		do   func(c *pop3.Client) error
		want string // in the error
	}{
		{"a line that never ends", testimap.POP3Options{Wire: hostile("STAT", "+OK "+endless)},
			func(c *pop3.Client) error { _, _, err := c.Stat(); return err }, "longer than"},
		{"a huge message count", testimap.POP3Options{Wire: hostile("STAT", "+OK 99999999999 5\r\n")},
			func(c *pop3.Client) error { _, _, err := c.Stat(); return err }, "messages"},
		{"a listing longer than the mailbox", testimap.POP3Options{Wire: hostile("UIDL", "+OK\r\n1 a\r\n2 b\r\n3 c\r\n")},
			func(c *pop3.Client) error { _, err := c.UIDL(2); return err }, "more than 2 lines"},
		{"a listing that names a message twice", testimap.POP3Options{Wire: hostile("LIST", "+OK\r\n1 10\r\n1 10\r\n.\r\n")},
			func(c *pop3.Client) error { _, err := c.List(2); return err }, "twice"},
		{"a listing naming message 0", testimap.POP3Options{Wire: hostile("UIDL", "+OK\r\n0 a\r\n.\r\n")},
			func(c *pop3.Client) error { _, err := c.UIDL(2); return err }, "names no message"},
		{"a message that never ends", testimap.POP3Options{Wire: hostile("RETR", "+OK\r\n"+strings.Repeat("line\r\n", 50000))},
			func(c *pop3.Client) error {
				r, err := c.Retr(1)
				if err != nil {
					return err
				}
				_, err = io.Copy(io.Discard, r)
				return err
			}, "larger than allowed"},
		{"neither +OK nor -ERR", testimap.POP3Options{Wire: hostile("STAT", "* OK hello\r\n")},
			func(c *pop3.Client) error { _, _, err := c.Stat(); return err }, "neither"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.User, o.Password, o.Messages = "taro", "pw", corpus[:2]
			s := testimap.StartPOP3(t, o)
			c := dial(t, s, func(cfg *pop3.Config) { cfg.MaxMessageBytes = 100 << 10 })
			err := tt.do(c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one saying %q", err, tt.want)
			}
			if err := c.Noop(); err == nil {
				t.Errorf("the session went on after %v", err)
			}
		})
	}
}

func TestListingFaults(t *testing.T) {
	t.Run("duplicate and missing UIDLs are reported as they are", func(t *testing.T) {
		s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: corpus,
			UIDLs: []string{"same", "same", "", "other"}})
		c := dial(t, s, nil)
		ids, err := c.UIDL(len(corpus))
		want := map[int]string{1: "same", 2: "same", 4: "other"}
		if err != nil || fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Errorf("UIDL() = %v, %v, want %v", ids, err, want)
		}
	})
	t.Run("no UIDL", func(t *testing.T) {
		s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: corpus, NoUIDL: true})
		c := dial(t, s, nil)
		if _, err := c.UIDL(len(corpus)); !errors.Is(err, pop3.ErrNoUIDL) {
			t.Errorf("UIDL() = %v, want ErrNoUIDL", err)
		}
		if _, _, err := c.Stat(); err != nil {
			t.Errorf("Stat() after UIDL's -ERR = %v", err)
		}
	})
	t.Run("a huge announced size is reported as it is", func(t *testing.T) {
		s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: corpus,
			Sizes: map[int]int64{2: 10 << 30}})
		c := dial(t, s, nil)
		list, err := c.List(len(corpus))
		if err != nil || list[1].SizeBytes != 10<<30 {
			t.Errorf("List() = %v, %v", list, err)
		}
	})
	t.Run("a message deleted meanwhile", func(t *testing.T) {
		s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: corpus,
			Deleted: map[int]bool{2: true}})
		c := dial(t, s, nil)
		_, err := c.Retr(2)
		var pe *pop3.Error
		if !errors.As(err, &pe) {
			t.Fatalf("Retr(deleted) = %v, want a -ERR", err)
		}
		r, err := c.Retr(3)
		if err != nil {
			t.Fatalf("Retr(3) after the -ERR = %v", err)
		}
		if got, _ := io.ReadAll(r); !bytes.Equal(got, corpus[2]) {
			t.Errorf("Retr(3) = %q", got)
		}
	})
	t.Run("a command before the message was read", func(t *testing.T) {
		s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: corpus})
		c := dial(t, s, nil)
		if _, err := c.Retr(1); err != nil {
			t.Fatal(err)
		}
		if err := c.Noop(); err == nil {
			t.Errorf("Noop() during a message = nil, want an error")
		}
	})
}

func TestStallTimesOut(t *testing.T) {
	stall := make(chan struct{})
	t.Cleanup(func() { close(stall) })
	s := testimap.StartPOP3(t, testimap.POP3Options{User: "taro", Password: "pw", Messages: corpus,
		Wire: func(_ int, cmd, _ string, w io.Writer) bool {
			if cmd != "STAT" {
				return false
			}
			<-stall
			return true
		}})
	c := dial(t, s, func(cfg *pop3.Config) { cfg.IdleTimeout = 50 * time.Millisecond })
	_, _, err := c.Stat()
	if mailerr.KindOf(c.Classify(context.Background(), "stat", err)) != mailerr.Timeout {
		t.Errorf("Stat() on a silent server = %v, want a timeout", err)
	}
}
