package imapconn

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"strings"
	"sync"
	"syscall"

	"github.com/emersion/go-imap/v2"

	"github.com/mailark/mailark/internal/mailerr"
	"github.com/mailark/mailark/internal/mailtext"
)

func newWordDecoder() *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: mailtext.CharsetReader}
}

// Classify turns an error from talking to host into a *mailerr.Error with the
// Kind a person can act on. A cancelled ctx gives its own error back, so
// errors.Is(err, context.Canceled) holds.
func Classify(ctx context.Context, op, host string, err error) error {
	return classify(ctx, op, host, err)
}

func classify(ctx context.Context, op, host string, err error) error {
	if err == nil {
		return nil
	}
	if ctx != nil && ctx.Err() != nil {
		return fmt.Errorf("%s %s: %w", op, host, ctx.Err())
	}
	if mailerr.As(err) != nil {
		return err
	}
	return mailerr.New(kindOf(op, err), op, host, err)
}

func kindOf(op string, err error) mailerr.Kind {
	var imapErr *imap.Error
	if errors.As(err, &imapErr) {
		if op == "login" {
			switch imapErr.Code {
			case imap.ResponseCodeAuthenticationFailed, imap.ResponseCodeAuthorizationFailed,
				imap.ResponseCodeExpired, "":
				return mailerr.AuthFailed
			case imap.ResponseCodePrivacyRequired:
				return mailerr.InsecureRefused
			case imap.ResponseCodeUnavailable:
				return mailerr.ServerError
			}
			if imapErr.Type == imap.StatusResponseTypeNo {
				return mailerr.AuthFailed
			}
		}
		return mailerr.ServerError
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsTimeout {
			return mailerr.Timeout
		}
		return mailerr.HostNotFound
	}
	var unknownAuth x509.UnknownAuthorityError
	if errors.As(err, &unknownAuth) {
		return mailerr.CertUntrusted
	}
	var hostErr x509.HostnameError
	if errors.As(err, &hostErr) {
		return mailerr.CertMismatch
	}
	var invalid x509.CertificateInvalidError
	if errors.As(err, &invalid) {
		if invalid.Reason == x509.Expired {
			return mailerr.CertExpired
		}
		return mailerr.CertUntrusted
	}
	var recErr tls.RecordHeaderError
	if errors.As(err, &recErr) {
		return mailerr.NotTLS
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return mailerr.ConnRefused
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return mailerr.Timeout
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNABORTED) {
		return mailerr.ConnLost
	}
	var alert tls.AlertError
	if errors.As(err, &alert) {
		return mailerr.NotTLS
	}
	// go-imap wraps I/O errors with %v, so their types are gone: read the
	// words the standard library uses.
	msg := err.Error()
	switch {
	case strings.Contains(msg, "i/o timeout"), strings.Contains(msg, "deadline exceeded"):
		return mailerr.Timeout
	case strings.Contains(msg, "connection refused"):
		return mailerr.ConnRefused
	case strings.Contains(msg, "connection closed"), strings.Contains(msg, "use of closed network connection"),
		strings.Contains(msg, "unexpected EOF"), strings.HasSuffix(msg, "EOF"), strings.Contains(msg, "connection reset"),
		strings.Contains(msg, "broken pipe"), strings.Contains(msg, "connection aborted"):
		return mailerr.ConnLost
	case strings.Contains(msg, "tls: "):
		return mailerr.NotTLS
	}
	return mailerr.Unknown
}

func classifyGreeting(ctx context.Context, cfg Config, err error) error {
	e := classify(ctx, "greeting", cfg.Host, err)
	if me := mailerr.As(e); me != nil && (me.Kind == mailerr.Unknown || me.Kind == mailerr.ServerError) {
		me.Kind = mailerr.NotIMAP
	}
	return e
}

// redactor passes protocol text to w with the arguments of LOGIN and
// AUTHENTICATE (and SASL continuation lines) replaced by "***". It works on
// whole lines, so a write that splits a line cannot leak a piece of it.
type redactor struct {
	mu      sync.Mutex // the client reads and writes from two goroutines
	w       io.Writer
	buf     []byte
	pending bool // the next client line is a SASL response
}

func (r *redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf, p...)
	var b strings.Builder
	for {
		i := bytes.IndexByte(r.buf, '\n')
		if i < 0 {
			break
		}
		l := string(r.buf[:i+1])
		r.buf = r.buf[i+1:]
		fields := strings.Fields(l)
		switch {
		case r.pending && !strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "*"):
			b.WriteString("*** (redacted)\r\n")
			r.pending = false
		case len(fields) >= 2 && strings.EqualFold(fields[1], "LOGIN"):
			b.WriteString(fields[0] + " LOGIN *** (redacted)\r\n")
		case len(fields) >= 2 && strings.EqualFold(fields[1], "AUTHENTICATE"):
			b.WriteString(fields[0] + " AUTHENTICATE " + strings.Join(fields[2:min(3, len(fields))], " ") + " *** (redacted)\r\n")
			r.pending = len(fields) <= 3
		default:
			b.WriteString(l)
		}
	}
	if len(r.buf) > 64<<10 { // a literal without newlines: keep memory bounded
		r.buf = r.buf[:0]
		b.WriteString("[... long line not shown ...]\r\n")
	}
	_, err := io.WriteString(r.w, b.String())
	return len(p), err
}
