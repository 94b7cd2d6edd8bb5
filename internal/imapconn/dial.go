package imapconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"

	"github.com/mailark/mailark/internal/mailerr"
)

// Caps are the server capabilities Mailark cares about, read once.
type Caps struct {
	IMAP4rev2, UIDPlus, MultiAppend, SpecialUse, Move, ListStatus,
	ESearch, LiteralPlus, Quota, Condstore bool
	// Compress: COMPRESS=DEFLATE (RFC 4978), listed after login.
	Compress bool
}

// Conn is an authenticated IMAP connection.
type Conn struct {
	*imapclient.Client
	Caps Caps
	Host string

	raw     net.Conn     // the TCP connection under TLS and the client
	limit   *limitConn   // what the client reads, checked against the limits
	idle    *idleConn    // under TLS: cuts a silent or trickling server
	deflate *deflateConn // over TLS: COMPRESS=DEFLATE once turned on
	list    *listConn    // folder names go-imap could not carry, by alias
	stop    func() bool  // undoes the context.AfterFunc that closes on cancel
	once    sync.Once
}

// Classify is imapconn.Classify for an error of this connection: when the
// server broke a limit, that is the error, whatever the client made of the
// cut connection.
func (c *Conn) Classify(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if c.limit.violation != nil && ctx.Err() == nil {
		return c.limit.violationFor(c.Host)
	}
	if v := c.deflate.violated(); v != nil && ctx.Err() == nil && mailerr.As(v) != nil {
		e := *mailerr.As(v)
		e.Subject = c.Host
		return &e
	}
	if st := c.idle.trickled(); st != nil && ctx.Err() == nil {
		return mailerr.New(mailerr.Timeout, op, c.Host, st)
	}
	return classify(ctx, op, c.Host, err)
}

// Mailbox tells whether name, as go-imap gave it in a LIST answer of this
// connection, is an alias for a server name go-imap could not carry (see
// names.go), and what that name is. Commands of this connection that name
// the alias reach the server's folder by its exact bytes.
func (c *Conn) Mailbox(name string) (Mailbox, bool) {
	m, ok := c.list.names.lookup(name)
	if !ok {
		return Mailbox{}, false
	}
	return *m, true
}

// Abort cuts the connection at once without waiting for anything: every
// command in flight fails. Unlike Close it is safe to call from a goroutine
// that consumes a command's responses (imapclient's Close waits for its
// reader, which may be waiting for that very goroutine).
func (c *Conn) Abort() { c.raw.Close() }

// EndCutFetch ends a FETCH one of whose literals could not be read to its
// end (the link broke, or timed out). go-imap's reader goroutine then goes
// on by itself, and draining cmd at once (FetchCommand.Close) would read
// the cut literal again from the buffer that goroutine reads: a data race,
// which can corrupt it. So the connection is aborted, the reader is let
// end, and only then is cmd drained. The connection is gone afterwards.
func (c *Conn) EndCutFetch(cmd *imapclient.FetchCommand) {
	c.Abort()
	select {
	case <-c.Client.Closed():
		_ = cmd.Close()
	case <-time.After(readerEndWait):
		// The reader did not end: cmd is left, not raced.
	}
}

// readerEndWait bounds the wait for go-imap's reader to end on an aborted
// connection (it takes a moment).
const readerEndWait = 10 * time.Second

// Close logs out politely when it can and closes the connection.
func (c *Conn) Close() error {
	var err error
	c.once.Do(func() {
		c.stop()
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = c.Client.Logout().Wait()
		}()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
		}
		err = c.Client.Close()
	})
	return err
}

// Connect is the start that IMAP's and POP3's Dial share: it refuses plain
// text to a host that is not loopback (unless cfg.AllowInsecure), builds
// the TLS configuration (cfg.Host, cfg.CAFile) and opens the TCP connection
// to cfg.Addr() within dctx. ctx is the caller's own, to tell a stop from
// a timeout; errors are mailerr's.
func Connect(ctx, dctx context.Context, cfg Config) (raw net.Conn, tlsConfig *tls.Config, err error) {
	if cfg.Security == Plain && !cfg.AllowInsecure && !IsLoopback(cfg.Host) {
		return nil, nil, mailerr.New(mailerr.InsecureRefused, "dial", cfg.Host,
			errors.New("plain text would send the password unencrypted; use tls or starttls, or allow insecure explicitly"))
	}
	if tlsConfig, err = tlsConfigFor(cfg); err != nil {
		return nil, nil, err
	}
	raw, err = cfg.dialer()(dctx, "tcp", cfg.Addr())
	if err != nil {
		return nil, nil, classify(ctx, "connect", cfg.Host, err)
	}
	return raw, tlsConfig, nil
}

// dialer is cfg.Dial, or a net.Dialer's with TCP keep-alive.
func (c Config) dialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	if c.Dial != nil {
		return c.Dial
	}
	d := &net.Dialer{KeepAlive: 30 * time.Second}
	return d.DialContext
}

// Dial connects, checks the greeting, protects the connection as cfg says and
// logs in. The connection is closed when ctx is done.
func Dial(ctx context.Context, cfg Config) (*Conn, error) {
	cfg.applyDefaults()
	dctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	raw, tlsConfig, err := Connect(ctx, dctx, cfg)
	if err != nil {
		return nil, err
	}
	idle := newIdleConn(raw, cfg)
	var conn net.Conn = newReadBufConn(idle)
	// Until login is done, the whole exchange has DialTimeout.
	stopDial := context.AfterFunc(dctx, func() { raw.Close() })
	defer stopDial()
	watch := watchGreeting(dctx, cfg, cfg.dialer(), raw)
	defer watch.stop()

	opts := &imapclient.Options{
		TLSConfig:   tlsConfig,
		WordDecoder: wordDecoder,
	}
	if cfg.Debug != nil {
		opts.DebugWriter = &redactor{w: cfg.Debug}
	}
	if cfg.Security == TLS {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(dctx); err != nil {
			raw.Close()
			return nil, classify(ctx, "tls handshake", cfg.Host, err)
		}
		conn = tc
	}
	if cfg.Security == StartTLS {
		if conn, err = startTLS(dctx, conn, tlsConfig, cfg.Host); err != nil {
			raw.Close()
			if werr := watch.error(cfg.Host); werr != nil && ctx.Err() == nil {
				return nil, werr
			}
			if ctx.Err() != nil {
				return nil, fmt.Errorf("starttls %s: %w", cfg.Host, ctx.Err())
			}
			return nil, err
		}
	}
	deflate := newDeflateConn(conn, idle)
	limit := newLimitConn(deflate)
	list := newListConn(limit)
	client := imapclient.New(list, opts)
	err = client.WaitGreeting()
	if werr := watch.error(cfg.Host); err != nil && werr != nil && ctx.Err() == nil {
		client.Close()
		return nil, werr
	}
	if err != nil {
		client.Close()
		if limit.violation != nil {
			// Garbage instead of a greeting: not an IMAP server.
			return nil, mailerr.New(mailerr.NotIMAP, "greeting", cfg.Host, limit.violation)
		}
		if dctx.Err() != nil && ctx.Err() == nil {
			kind := mailerr.NotIMAP
			if cfg.Security != Plain {
				// TLS worked, then silence: a stalled server, not another
				// kind of server.
				kind = mailerr.Timeout
			}
			return nil, mailerr.New(kind, "greeting", cfg.Host, fmt.Errorf("no IMAP greeting within %v", cfg.DialTimeout))
		}
		return nil, classifyGreeting(ctx, cfg, err)
	}
	if err := login(client, cfg); err != nil {
		client.Close()
		if limit.violation != nil {
			return nil, limit.violationFor(cfg.Host)
		}
		if bye, _ := limit.bye.Load().(string); bye != "" {
			// go-imap reports only the closed connection: the BYE says
			// why (too many connections, for one).
			err = fmt.Errorf("%w (the server said %q)", err, bye)
		}
		return nil, classify(ctx, "login", cfg.Host, err)
	}
	c := &Conn{Client: client, Host: cfg.Host, Caps: readCaps(client.Caps()), raw: raw, limit: limit, idle: idle, list: list, deflate: deflate}
	if cfg.Compress && c.Caps.Compress {
		if err := c.Compress(dctx); err != nil && !errors.Is(err, ErrCompressRefused) {
			client.Close()
			return nil, err
		}
	}
	c.stop = context.AfterFunc(ctx, func() { raw.Close() })
	return c, nil
}

var wordDecoder = newWordDecoder()

func login(c *imapclient.Client, cfg Config) error {
	pass := cfg.Password.Reveal()
	if c.Caps().Has(imap.AuthCap(sasl.Plain)) {
		return c.Authenticate(sasl.NewPlainClient("", cfg.User, pass))
	}
	if c.Caps().Has(imap.CapLoginDisabled) {
		return mailerr.New(mailerr.ServerError, "login", cfg.Host,
			errors.New("the server allows neither LOGIN nor AUTHENTICATE PLAIN here"))
	}
	return c.Login(cfg.User, pass).Wait()
}

func readCaps(cs imap.CapSet) Caps {
	return Caps{
		IMAP4rev2:   cs.Has(imap.CapIMAP4rev2),
		UIDPlus:     cs.Has(imap.CapUIDPlus) || cs.Has(imap.CapIMAP4rev2),
		MultiAppend: cs.Has(imap.CapMultiAppend),
		SpecialUse:  cs.Has(imap.CapSpecialUse) || cs.Has(imap.CapIMAP4rev2),
		Move:        cs.Has(imap.CapMove) || cs.Has(imap.CapIMAP4rev2),
		ListStatus:  cs.Has(imap.CapListStatus) || cs.Has(imap.CapIMAP4rev2),
		ESearch:     cs.Has(imap.CapESearch) || cs.Has(imap.CapIMAP4rev2),
		LiteralPlus: cs.Has(imap.CapLiteralPlus) || cs.Has(imap.CapLiteralMinus),
		Quota:       cs.Has(imap.CapQuota),
		Condstore:   cs.Has(imap.CapCondStore),
		Compress:    cs.Has(imap.Cap("COMPRESS=DEFLATE")),
	}
}

// tlsConfigFor is the client TLS configuration for cfg: the host's name
// checked, TLS 1.2 or later, and cfg.CAFile's certificates trusted besides
// the system's.
func tlsConfigFor(cfg Config) (*tls.Config, error) {
	tc := &tls.Config{ServerName: strings.Trim(cfg.Host, "[]"), MinVersion: tls.VersionTLS12}
	if cfg.CAFile == "" {
		return tc, nil
	}
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return nil, mailerr.New(mailerr.BadInput, "read ca file", cfg.CAFile, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, mailerr.New(mailerr.BadInput, "read ca file", cfg.CAFile,
			errors.New("no PEM certificate in the file"))
	}
	tc.RootCAs = pool
	return tc, nil
}
