package pop3

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/secret"
)

// Auth is how the client proves who it is.
type Auth int

const (
	// AuthAuto uses AUTH PLAIN where CAPA offers it, USER/PASS otherwise,
	// and APOP when the server refuses USER and its greeting allows APOP.
	AuthAuto Auth = iota
	// AuthUser is USER and PASS.
	AuthUser
	// AuthAPOP is APOP (RFC 1939 section 7): the password itself is not
	// sent, only an MD5 digest of it with the greeting's timestamp.
	AuthAPOP
	// AuthPlain is AUTH PLAIN (SASL, RFC 5034).
	AuthPlain
)

func (a Auth) String() string {
	switch a {
	case AuthAuto:
		return "auto"
	case AuthUser:
		return "user"
	case AuthAPOP:
		return "apop"
	case AuthPlain:
		return "plain"
	}
	return fmt.Sprintf("auth(%d)", int(a))
}

// ParseAuth reads "auto", "user", "apop" or "plain".
func ParseAuth(s string) (Auth, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return AuthAuto, nil
	case "user", "pass":
		return AuthUser, nil
	case "apop":
		return AuthAPOP, nil
	case "plain", "sasl":
		return AuthPlain, nil
	}
	return 0, mailerr.New(mailerr.BadInput, "parse auth", s,
		fmt.Errorf("unknown POP3 login method %q: use auto, user, apop or plain", s))
}

// Config says where and how to connect.
type Config struct {
	Host     string
	Port     int // 0: 995 for TLS, 110 otherwise
	Security imapconn.Security
	// CAFile names a PEM file of certificates to trust besides the system's.
	CAFile string
	// AllowInsecure allows Plain to a host that is not loopback.
	AllowInsecure bool
	User          string
	Password      secret.Password
	Auth          Auth
	// DialTimeout bounds connecting, the TLS handshake, the greeting and
	// the login (default 30 s).
	DialTimeout time.Duration
	// IdleTimeout ends the session when a read waits this long for the
	// server (default 2 min).
	IdleTimeout time.Duration
	// TrickleWindow, when set, also ends it when fewer than TrickleBytes
	// (default 1 KiB) arrive over this much time spent waiting: a server
	// that sends a byte now and then never trips IdleTimeout (as
	// imapconn.Config's).
	TrickleWindow time.Duration
	TrickleBytes  int64
	// MaxLineBytes bounds one response line (default 8 KiB; RFC 2449 allows
	// 512 octets).
	MaxLineBytes int
	// MaxMessages refuses a maildrop that says it holds more messages
	// than this, so that a listing's size is bounded (default 5,000,000).
	MaxMessages int
	// MaxMessageBytes bounds what Retr reads of one message (default 2 GiB).
	MaxMessageBytes int64
	// Dial replaces net.Dialer.DialContext, for tests that put a proxy
	// between client and server.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (c *Config) applyDefaults() {
	if c.Port == 0 {
		c.Port = DefaultPort(c.Security)
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 30 * time.Second
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 2 * time.Minute
	}
	if c.MaxLineBytes <= 0 {
		c.MaxLineBytes = 8 << 10
	}
	if c.MaxMessages <= 0 {
		c.MaxMessages = 5_000_000
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = 2 << 30
	}
}

// DefaultPort is 995 for implicit TLS and 110 for STLS and plain text.
func DefaultPort(s imapconn.Security) int {
	if s == imapconn.TLS {
		return 995
	}
	return 110
}

// Addr is host:port.
func (c Config) Addr() string {
	cc := c
	cc.applyDefaults()
	return net.JoinHostPort(cc.Host, fmt.Sprint(cc.Port))
}

// conn is what imapconn.Connect needs to open the connection: the same
// security checks, TLS set-up and CA file as IMAP's.
func (c Config) conn() imapconn.Config {
	return imapconn.Config{Host: c.Host, Port: c.Port, Security: c.Security, CAFile: c.CAFile,
		AllowInsecure: c.AllowInsecure, Dial: c.Dial}
}
