package pop3

import (
	"bufio"
	"context"
	"crypto/md5"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
)

// Caps are the server's CAPA answer (RFC 2449), read once after login
// (and before it, to choose how to log in).
type Caps struct {
	Known      bool     // the server answered CAPA
	UIDL       bool     // listed UIDL (without CAPA, UIDL is tried anyway)
	User       bool     // USER/PASS allowed here
	STLS       bool     // STLS offered
	SASL       []string // AUTH mechanisms, upper case
	Pipelining bool
	Top        bool
	Lines      []string // every CAPA line as sent
}

func (c Caps) hasSASL(mech string) bool {
	for _, m := range c.SASL {
		if m == mech {
			return true
		}
	}
	return false
}

// Client is one authenticated POP3 session.
type Client struct {
	Host string
	Caps Caps
	// Greeting is the server's first line after "+OK ".
	Greeting string

	cfg  Config
	raw  net.Conn // TCP, under TLS
	conn net.Conn // what the protocol goes over
	br   *bufio.Reader
	stop func() bool
	busy *dotReader // the body being read; no command until it ends
	err  error      // sticky: the session is unusable
}

// Error is a -ERR answer. Text is the server's own words.
type Error struct {
	Command string // the command, without its arguments
	Text    string
}

func (e *Error) Error() string {
	if e.Text == "" {
		return fmt.Sprintf("the server answered -ERR to %s", e.Command)
	}
	return fmt.Sprintf("the server answered -ERR to %s: %s", e.Command, e.Text)
}

var timestampRE = regexp.MustCompile(`<[^<>\s]+@[^<>\s]+>`)

// Dial connects, reads the greeting, protects the connection as cfg says and
// logs in. The connection is closed when ctx is done.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	c, err := dial(ctx, cfg)
	if me := mailerr.As(err); me != nil {
		me.Protocol = "pop3" // the advice names POP3's ports
	}
	return c, err
}

func dial(ctx context.Context, cfg Config) (*Client, error) {
	cfg.applyDefaults()
	host := cfg.Host
	dctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	raw, tlsConfig, err := imapconn.Connect(ctx, dctx, cfg.conn())
	if err != nil {
		return nil, err
	}
	c := &Client{Host: host, cfg: cfg, raw: raw}
	c.conn = imapconn.Watch(raw, imapconn.Config{IdleTimeout: cfg.IdleTimeout,
		TrickleWindow: cfg.TrickleWindow, TrickleBytes: cfg.TrickleBytes})
	// Until login is done, the whole exchange has DialTimeout.
	stopDial := context.AfterFunc(dctx, func() { raw.Close() })
	defer stopDial()
	fail := func(op string, err error) (*Client, error) {
		raw.Close()
		return nil, c.classify(ctx, op, err)
	}
	if cfg.Security == imapconn.TLS {
		tc := tls.Client(c.conn, tlsConfig)
		if err := tc.HandshakeContext(dctx); err != nil {
			return fail("tls handshake", err)
		}
		c.conn = tc
	}
	c.br = bufio.NewReaderSize(c.conn, 32<<10)
	line, err := readLine(c.br, cfg.MaxLineBytes)
	if err != nil {
		var pe *ProtocolError
		if errors.As(err, &pe) {
			return fail("greeting", notPOP3(fmt.Errorf("no POP3 greeting: %w", err)))
		}
		if dctx.Err() != nil && ctx.Err() == nil {
			kind := mailerr.NotPOP3
			if cfg.Security == imapconn.TLS {
				kind = mailerr.Timeout // TLS worked, then silence: a stalled server
			}
			raw.Close()
			return nil, mailerr.New(kind, "greeting", host, fmt.Errorf("no POP3 greeting within %v", cfg.DialTimeout))
		}
		return fail("greeting", err)
	}
	switch {
	case strings.HasPrefix(line, "+OK"):
		c.Greeting = strings.TrimSpace(strings.TrimPrefix(line, "+OK"))
	case strings.HasPrefix(line, "-ERR"):
		return fail("greeting", mailerr.New(mailerr.ServerError, "greeting", host, fmt.Errorf("the server refused the connection: %q", line)))
	default:
		return fail("greeting", notPOP3(fmt.Errorf("not a POP3 greeting: %.60q", line)))
	}
	c.Caps, err = c.capa()
	if err != nil {
		return fail("capa", err)
	}
	if cfg.Security == imapconn.StartTLS {
		if err := c.stls(dctx, tlsConfig); err != nil {
			return fail("stls", err)
		}
		if c.Caps, err = c.capa(); err != nil {
			return fail("capa", err)
		}
	}
	if err := c.login(); err != nil {
		return fail("login", err)
	}
	if c.Caps, err = c.capa(); err != nil { // may differ after login
		return fail("capa", err)
	}
	c.stop = context.AfterFunc(ctx, func() { raw.Close() })
	return c, nil
}

func notPOP3(err error) error { return mailerr.New(mailerr.NotPOP3, "greeting", "", err) }

// classify gives err a Kind, as imapconn classifies IMAP errors.
func (c *Client) classify(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s %s: %w", op, c.Host, ctx.Err())
	}
	if me := mailerr.As(err); me != nil {
		if me.Subject == "" {
			me.Subject = c.Host
		}
		return err
	}
	var pe *ProtocolError
	if errors.As(err, &pe) {
		if errors.Is(err, ErrTooLarge) {
			return mailerr.New(mailerr.MessageFailed, op, c.Host, err)
		}
		return mailerr.New(mailerr.ServerError, op, c.Host, err)
	}
	var se *Error
	if errors.As(err, &se) {
		if op == "login" {
			return mailerr.New(mailerr.AuthFailed, op, c.Host, err)
		}
		return mailerr.New(mailerr.ServerError, op, c.Host, err)
	}
	return imapconn.Classify(ctx, op, c.Host, err)
}

// Classify is imapconn.Classify for an error of this session; nil and an
// error already classified (a mailerr.Error) are returned as they are.
func (c *Client) Classify(ctx context.Context, op string, err error) error {
	if err == nil || mailerr.As(err) != nil {
		return err
	}
	return c.classify(ctx, op, err)
}

// cmd sends one command line and reads its status line, returning the
// text after "+OK". A -ERR answer is an *Error.
func (c *Client) cmd(name, args string) (string, error) {
	if c.err != nil {
		return "", c.err
	}
	if c.busy != nil {
		// A message not read to its end: its rest would be taken for the
		// next answer. The session cannot go on.
		c.broken(errors.New("pop3: a command was sent before the previous message was read to its end"))
		return "", c.err
	}
	line := name
	if args != "" {
		line += " " + args
	}
	if _, err := c.conn.Write([]byte(line + "\r\n")); err != nil {
		return "", c.broken(err)
	}
	return c.status(name)
}

func (c *Client) status(name string) (string, error) {
	resp, err := readLine(c.br, c.cfg.MaxLineBytes)
	if err != nil {
		return "", c.broken(err)
	}
	switch {
	case strings.HasPrefix(resp, "+OK"):
		return strings.TrimSpace(resp[3:]), nil
	case strings.HasPrefix(resp, "-ERR"):
		return "", &Error{Command: name, Text: strings.TrimSpace(resp[4:])}
	}
	return "", c.broken(&ProtocolError{fmt.Sprintf("the server answered %s with %.60q, neither +OK nor -ERR", name, resp)})
}

// broken makes err the session's sticky error and closes the connection.
func (c *Client) broken(err error) error {
	if c.err == nil {
		c.err = err
		c.raw.Close()
	}
	return c.err
}

// lines reads the lines of a multi-line answer, up to the "." line, calling
// fn for each with its dot-stuffing undone. More than max lines is a
// ProtocolError.
func (c *Client) lines(what string, max int, fn func(string) error) error {
	for n := 0; ; n++ {
		l, err := readLine(c.br, c.cfg.MaxLineBytes)
		if err != nil {
			return c.broken(err)
		}
		if l == "." {
			return nil
		}
		if n >= max {
			return c.broken(&ProtocolError{fmt.Sprintf("the %s listing has more than %d lines", what, max)})
		}
		if strings.HasPrefix(l, ".") {
			l = l[1:]
		}
		if err := fn(l); err != nil {
			return c.broken(err)
		}
	}
}

func (c *Client) capa() (Caps, error) {
	var caps Caps
	_, err := c.cmd("CAPA", "")
	var se *Error
	if errors.As(err, &se) {
		return caps, nil // no CAPA: an RFC 1939 server
	}
	if err != nil {
		return caps, err
	}
	caps.Known = true
	err = c.lines("CAPA", 1000, func(l string) error {
		caps.Lines = append(caps.Lines, l)
		f := strings.Fields(strings.ToUpper(l))
		if len(f) == 0 {
			return nil
		}
		switch f[0] {
		case "UIDL":
			caps.UIDL = true
		case "USER":
			caps.User = true
		case "STLS":
			caps.STLS = true
		case "SASL":
			caps.SASL = append(caps.SASL, f[1:]...)
		case "PIPELINING":
			caps.Pipelining = true
		case "TOP":
			caps.Top = true
		}
		return nil
	})
	return caps, err
}

// stls upgrades the connection (RFC 2595 section 4). Bytes that arrive
// after the server's +OK and before the handshake are an injection attack.
func (c *Client) stls(ctx context.Context, tlsConfig *tls.Config) error {
	if c.Caps.Known && !c.Caps.STLS {
		return mailerr.New(mailerr.NoStartTLS, "stls", c.Host, errors.New("the server does not offer STLS"))
	}
	if _, err := c.cmd("STLS", ""); err != nil {
		var se *Error
		if errors.As(err, &se) {
			return mailerr.New(mailerr.NoStartTLS, "stls", c.Host, err)
		}
		return err
	}
	if c.br.Buffered() > 0 {
		return mailerr.New(mailerr.InsecureRefused, "stls", c.Host,
			errors.New("the server sent data before the TLS handshake (a STARTTLS injection); refusing"))
	}
	tc := tls.Client(c.conn, tlsConfig)
	if err := tc.HandshakeContext(ctx); err != nil {
		return err
	}
	c.conn = tc
	c.br = bufio.NewReaderSize(tc, 32<<10)
	return nil
}

func (c *Client) login() error {
	user, pass := c.cfg.User, c.cfg.Password.Reveal()
	if strings.ContainsAny(user, "\r\n") || strings.ContainsAny(pass, "\r\n") {
		return mailerr.New(mailerr.BadInput, "login", c.Host, errors.New("the user name or password holds a line break"))
	}
	stamp := timestampRE.FindString(c.Greeting)
	apop := func() error {
		if stamp == "" {
			return mailerr.New(mailerr.ServerError, "login", c.Host,
				errors.New("APOP was asked for, but the server's greeting has no timestamp, so it does not offer APOP"))
		}
		sum := md5.Sum([]byte(stamp + pass))
		_, err := c.cmd("APOP", user+" "+hex.EncodeToString(sum[:]))
		return err
	}
	switch c.cfg.Auth {
	case AuthAPOP:
		return apop()
	case AuthPlain:
		return c.authPlain(user, pass)
	case AuthAuto:
		if c.Caps.hasSASL("PLAIN") {
			return c.authPlain(user, pass)
		}
	}
	_, err := c.cmd("USER", user)
	var se *Error
	if errors.As(err, &se) && c.cfg.Auth == AuthAuto && stamp != "" {
		// USER refused (not allowed here): APOP is the other way in.
		return apop()
	}
	if err != nil {
		return err
	}
	_, err = c.cmd("PASS", pass)
	return err
}

func (c *Client) authPlain(user, pass string) error {
	resp := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))
	if c.err != nil {
		return c.err
	}
	if _, err := c.conn.Write([]byte("AUTH PLAIN " + resp + "\r\n")); err != nil {
		return c.broken(err)
	}
	for i := 0; ; i++ {
		l, err := readLine(c.br, c.cfg.MaxLineBytes)
		if err != nil {
			return c.broken(err)
		}
		switch {
		case strings.HasPrefix(l, "+OK"):
			return nil
		case strings.HasPrefix(l, "-ERR"):
			return &Error{Command: "AUTH", Text: strings.TrimSpace(l[4:])}
		case strings.HasPrefix(l, "+") && i == 0:
			// A server that did not take the initial response asks for it.
			if _, err := c.conn.Write([]byte(resp + "\r\n")); err != nil {
				return c.broken(err)
			}
		default:
			if _, err := c.conn.Write([]byte("*\r\n")); err != nil { // cancel the exchange
				return c.broken(err)
			}
			return c.broken(&ProtocolError{fmt.Sprintf("unexpected answer to AUTH PLAIN: %.60q", l)})
		}
	}
}

// Abort cuts the connection at once: a Retr being read fails.
func (c *Client) Abort() { c.raw.Close() }

// Close ends the session with QUIT when it can and closes the connection.
// (QUIT is when a server deletes what Dele marked; without Dele it changes
// nothing.)
func (c *Client) Close() error {
	if c.stop != nil {
		c.stop()
	}
	if c.err == nil && c.busy == nil {
		// Politely, but a silent server does not hold us: 2 s at most.
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = c.cmd("QUIT", "")
		}()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
		}
	}
	return c.raw.Close()
}
