package imapconn

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/mailark/mailark/internal/mailerr"
)

// startTLS upgrades conn as RFC 9051 section 6.2.1 says, by hand rather than
// with imapclient.NewStartTLS, so that the decrypted stream passes through
// limitConn like every other. It reads the greeting, checks the STARTTLS
// capability, upgrades, and returns a connection that replays a greeting to
// the IMAP client (which then asks for the capabilities again, as it must
// after STARTTLS). Bytes that arrive after the server's OK and before the
// handshake are an injection attack and refused.
// ErrStartTLSRefused: the server offers STARTTLS but refused it (a
// ServerError); the front-ends say what to try instead.
var ErrStartTLSRefused = errors.New("STARTTLS")

func startTLS(ctx context.Context, conn net.Conn, tlsConfig *tls.Config, host string) (net.Conn, error) {
	br := bufio.NewReaderSize(conn, 4096)
	greeting, err := readLine(br)
	if err != nil {
		return nil, classify(ctx, "greeting", host, err)
	}
	switch {
	case hasPrefixFold(greeting, "* PREAUTH"):
		return nil, mailerr.New(mailerr.InsecureRefused, "starttls", host,
			errors.New("the server logged in before encryption (PREAUTH); refusing"))
	case hasPrefixFold(greeting, "* BYE"):
		return nil, mailerr.New(mailerr.ServerError, "greeting", host, fmt.Errorf("the server said %q", greeting))
	case !hasPrefixFold(greeting, "* OK"):
		return nil, mailerr.New(mailerr.NotIMAP, "greeting", host, fmt.Errorf("not an IMAP greeting: %.60q", greeting))
	}
	caps := greeting
	if !strings.Contains(strings.ToUpper(greeting), "[CAPABILITY ") {
		if caps, err = command(br, conn, "S0 CAPABILITY"); err != nil {
			return nil, classify(ctx, "starttls", host, err)
		}
	}
	if !hasToken(caps, "STARTTLS") {
		return nil, mailerr.New(mailerr.NoStartTLS, "starttls", host,
			errors.New("the server does not offer STARTTLS"))
	}
	if _, err := command(br, conn, "S1 STARTTLS"); err != nil {
		var se *statusError
		if errors.As(err, &se) {
			// It offers STARTTLS but refused it now: that is what to say.
			return nil, mailerr.New(mailerr.ServerError, "starttls", host,
				fmt.Errorf("%w, though it offers it (it answered %q)", ErrStartTLSRefused, se.line))
		}
		return nil, classify(ctx, "starttls", host, err)
	}
	if br.Buffered() > 0 {
		return nil, mailerr.New(mailerr.ServerError, "starttls", host,
			errors.New("the server sent data after agreeing to STARTTLS and before encryption began; refusing (possible tampering)"))
	}
	tc := tls.Client(conn, tlsConfig)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, classify(ctx, "tls handshake", host, err)
	}
	return &greetingConn{Conn: tc, pre: []byte("* OK TLS started\r\n")}, nil
}

// statusError is a NO or BAD answer during the STARTTLS exchange.
type statusError struct{ line string }

func (e *statusError) Error() string { return "the server answered " + e.line }

// command sends one command and reads until its tagged answer; it returns
// the untagged CAPABILITY line if one came, else the tagged line.
func command(br *bufio.Reader, w net.Conn, cmd string) (string, error) {
	tag := cmd[:strings.IndexByte(cmd, ' ')]
	if _, err := w.Write([]byte(cmd + "\r\n")); err != nil {
		return "", err
	}
	var caps string
	for i := 0; i < 100; i++ {
		line, err := readLine(br)
		if err != nil {
			return "", err
		}
		if hasPrefixFold(line, "* CAPABILITY") {
			caps = line
			continue
		}
		if hasPrefixFold(line, tag+" ") {
			rest := strings.TrimSpace(line[len(tag):])
			if !hasPrefixFold(rest, "OK") {
				return "", &statusError{line: rest}
			}
			if caps != "" {
				return caps, nil
			}
			return line, nil
		}
	}
	return "", errors.New("too many lines before the answer to " + tag)
}

// readLine reads one line of at most 8 KiB.
func readLine(br *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, err := br.ReadSlice('\n')
		b = append(b, chunk...)
		if len(b) > 8192 {
			return "", errors.New("a line longer than 8 KiB before encryption")
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return "", err
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func hasToken(line, token string) bool {
	for _, f := range strings.FieldsFunc(strings.ToUpper(line), func(r rune) bool { return r == ' ' || r == '[' || r == ']' }) {
		if f == token {
			return true
		}
	}
	return false
}

// greetingConn replays a greeting before the TLS stream.
type greetingConn struct {
	net.Conn
	pre []byte
}

func (c *greetingConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}
