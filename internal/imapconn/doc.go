// Package imapconn opens an authenticated IMAP connection and turns what can
// go wrong on the way into a mailerr.Kind a person can act on.
//
// Security is explicit: implicit TLS (port 993) is the default, STARTTLS (port
// 143) upgrades before any credential is sent, and plain text is allowed only
// to a loopback address unless the caller insists. Certificates are always
// verified; an extra CA file trusts one self-signed server without turning
// verification off.
//
// go-imap has no context, so Dial closes the connection when the context is
// done: every command in flight then fails, and callers test ctx.Err().
package imapconn
