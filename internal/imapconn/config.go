package imapconn

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/secret"
)

// Security is how the connection is protected.
type Security int

const (
	// TLS is implicit TLS, usually on port 993.
	TLS Security = iota
	// StartTLS upgrades a plain connection, usually on port 143.
	StartTLS
	// Plain sends everything, password included, in clear text.
	Plain
)

func (s Security) String() string {
	switch s {
	case TLS:
		return "tls"
	case StartTLS:
		return "starttls"
	case Plain:
		return "plain"
	}
	return fmt.Sprintf("security(%d)", int(s))
}

// ParseSecurity reads "tls", "starttls" or "plain".
func ParseSecurity(s string) (Security, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "tls", "ssl", "imaps":
		return TLS, nil
	case "starttls":
		return StartTLS, nil
	case "plain", "none", "insecure":
		return Plain, nil
	}
	return 0, mailerr.New(mailerr.BadInput, "parse security", s,
		fmt.Errorf("unknown security %q: use tls, starttls or plain", s))
}

// Config says where and how to connect.
type Config struct {
	Host     string
	Port     int // 0: 993 for TLS, 143 otherwise
	Security Security
	// CAFile names a PEM file of certificates to trust besides the system's.
	CAFile string
	// AllowInsecure allows Plain to a host that is not loopback.
	AllowInsecure bool
	User          string
	Password      secret.Password
	// DialTimeout bounds connecting, the TLS handshake and the greeting
	// (default 30 s).
	DialTimeout time.Duration
	// IdleTimeout closes a connection on which the server sends nothing for
	// this long while a command waits (default 2 min).
	IdleTimeout time.Duration
	// TrickleWindow, when not zero, also closes a connection on which fewer
	// than TrickleBytes (default 1 KiB) arrive over this much time spent
	// waiting for the server: one that sends a byte every few seconds, so
	// IdleTimeout never fires, would otherwise hold a run for days. Time
	// before a write of ours does not count (the server may be silent while
	// we send).
	TrickleWindow time.Duration
	TrickleBytes  int64
	// Compress turns on COMPRESS=DEFLATE (RFC 4978) right after login when
	// the server offers it (Conn.Compress turns it on later).
	Compress bool
	// Debug, for tests only, receives the protocol with LOGIN and
	// AUTHENTICATE arguments redacted.
	Debug io.Writer
	// GreetingProbe is how long a starttls or plain connection waits for
	// the greeting before a second connection looks at what listens on the
	// port (TLS, a web server: see ErrPortSpeaksTLS). Default 2 s; < 0 off.
	GreetingProbe time.Duration
	// Dial replaces net.Dialer.DialContext, for tests that put a proxy
	// between client and server.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (c *Config) applyDefaults() {
	if c.Port == 0 {
		if c.Security == TLS {
			c.Port = 993
		} else {
			c.Port = 143
		}
	}
	if c.GreetingProbe == 0 {
		c.GreetingProbe = defaultGreetingProbe
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = 30 * time.Second
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 2 * time.Minute
	}
	if c.TrickleBytes <= 0 {
		c.TrickleBytes = 1 << 10
	}
}

// Addr is host:port.
func (c Config) Addr() string {
	cc := c
	cc.applyDefaults()
	return net.JoinHostPort(cc.Host, fmt.Sprint(cc.Port))
}

// IsLoopback reports whether host names this machine: localhost, 127/8, ::1.
func IsLoopback(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}
