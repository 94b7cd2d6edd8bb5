package imapconn

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/mailark/mailark/internal/mailerr"
)

// What listens on a port that sends no IMAP greeting. STARTTLS or plain
// aimed at the TLS port (993) is a common mistake: such a server waits for
// a TLS handshake in silence, and without a look the user would wait for
// the whole DialTimeout and read "timeout".
var (
	// ErrPortSpeaksTLS: the port expects TLS from the first byte.
	ErrPortSpeaksTLS = errors.New("the server on this port expects TLS from the first byte, not a plain-text greeting")
	// ErrPortSpeaksHTTP: a web server answers on the port.
	ErrPortSpeaksHTTP = errors.New("a web server (HTTP) answers on this port, not a mail server")
)

// defaultGreetingProbe is how long a plain-text connection waits for the
// greeting before a second connection looks at what listens there.
const defaultGreetingProbe = 2 * time.Second

// greetingWatch looks at the port on a second connection when the greeting
// is late, and ends the first connection (closing raw) when the port speaks
// TLS or HTTP.
type greetingWatch struct {
	mu      sync.Mutex
	stopped bool
	found   error
	timer   *time.Timer
}

func watchGreeting(ctx context.Context, cfg Config, dial func(context.Context, string, string) (net.Conn, error), raw net.Conn) *greetingWatch {
	w := &greetingWatch{}
	if cfg.Security == TLS || cfg.GreetingProbe < 0 {
		return w
	}
	w.timer = time.AfterFunc(cfg.GreetingProbe, func() {
		found := probePort(ctx, dial, cfg.Addr(), cfg.Host)
		w.mu.Lock()
		defer w.mu.Unlock()
		if found != nil && !w.stopped {
			w.found = found
			raw.Close()
		}
	})
	return w
}

// stop ends the watch (the greeting came, or the dial failed) and returns
// what it found, if anything.
func (w *greetingWatch) stop() error {
	if w.timer != nil {
		w.timer.Stop()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	return w.found
}

func (w *greetingWatch) error(host string) error {
	if found := w.stop(); found != nil {
		return mailerr.New(mailerr.NotIMAP, "greeting", host, found)
	}
	return nil
}

// probePort starts a TLS handshake on a new connection to addr: a server
// that answers it speaks TLS; one that answers "HTTP/" is a web server.
// Nothing is sent but a ClientHello, and nothing is trusted.
func probePort(ctx context.Context, dial func(context.Context, string, string) (net.Conn, error), addr, host string) error {
	c, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	// Only to learn whether the port speaks TLS: no password or mail goes
	// over this connection, so the certificate does not matter here.
	tc := tls.Client(c, &tls.Config{ServerName: host, InsecureSkipVerify: true}) //nolint:gosec
	err = tc.HandshakeContext(ctx)
	var rh tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case err == nil, errors.As(err, &alert):
		return ErrPortSpeaksTLS
	case errors.As(err, &rh) && bytes.HasPrefix(rh.RecordHeader[:], []byte("HTTP/")):
		return ErrPortSpeaksHTTP
	}
	return nil
}
