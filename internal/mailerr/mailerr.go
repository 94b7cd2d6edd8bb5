// Package mailerr holds the error type shared by every engine package.
//
// An engine error carries a Kind, which decides three things: the words the
// user sees (the CLI and the GUI build them from Kind, in the user's language),
// the exit status, and the retry class. Error() is English, for logs, and keeps
// the server's own words.
package mailerr

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the user and for retrying.
type Kind int

const (
	// Unknown is an error that has not been classified. It is treated as Fatal.
	Unknown Kind = iota
	// AuthFailed: the server refused the user name or password.
	AuthFailed
	// HostNotFound: the host name does not resolve.
	HostNotFound
	// ConnRefused: nothing listens on that host and port.
	ConnRefused
	// Timeout: the server did not answer in time.
	Timeout
	// CertUntrusted: the certificate is not signed by a trusted authority
	// (self-signed, for example).
	CertUntrusted
	// CertMismatch: the certificate is for another host name.
	CertMismatch
	// CertExpired: the certificate is expired or not yet valid.
	CertExpired
	// NotTLS: the server did not speak TLS where TLS was expected.
	NotTLS
	// NotIMAP: the server did not greet as an IMAP server.
	NotIMAP
	// InsecureRefused: plaintext to a non-loopback host was not allowed.
	InsecureRefused
	// NoStartTLS: STARTTLS was asked for but the server does not offer it.
	NoStartTLS
	// ConnLost: the connection dropped mid-work. Transient.
	ConnLost
	// ServerError: the server answered NO or BAD to a command that matters.
	ServerError
	// MessageFailed: one message could not be fetched or stored. PerMessage.
	MessageFailed
	// DiskFull: no space left on the device holding the archive.
	DiskFull
	// ArchiveBroken: the archive is not readable or not ours.
	ArchiveBroken
	// ArchiveLocked: another Mailark process uses the archive.
	ArchiveLocked
	// BadInput: the user gave something unusable (a flag, a path).
	BadInput
	// Permission: the operating system refused access to a file.
	Permission
	// GateClosed: the removal gate is not green, so nothing was removed.
	GateClosed
	// ServerChanged: what is on the server is no longer what was verified
	// (or not the archived message), so nothing more is deleted.
	ServerChanged
	// NotConfirmed: the user did not confirm a deletion; nothing was done.
	NotConfirmed
	// ReadOnlyFS: the file system is mounted read-only.
	ReadOnlyFS
	// NotPOP3: the server did not greet as a POP3 server.
	NotPOP3
)

var kindNames = map[Kind]string{
	Unknown: "unknown", AuthFailed: "auth-failed", HostNotFound: "host-not-found",
	ConnRefused: "connection-refused", Timeout: "timeout", CertUntrusted: "cert-untrusted",
	CertMismatch: "cert-mismatch", CertExpired: "cert-expired", NotTLS: "not-tls",
	NotIMAP: "not-imap", InsecureRefused: "insecure-refused", NoStartTLS: "no-starttls",
	ConnLost: "connection-lost", ServerError: "server-error", MessageFailed: "message-failed",
	DiskFull: "disk-full", ArchiveBroken: "archive-broken", ArchiveLocked: "archive-locked",
	BadInput: "bad-input", Permission: "permission", GateClosed: "gate-closed", ServerChanged: "server-changed",
	NotConfirmed: "not-confirmed", ReadOnlyFS: "read-only-fs", NotPOP3: "not-pop3",
}

// String returns a stable, machine-readable name such as "auth-failed".
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Class is the retry class of a Kind.
type Class int

const (
	// Fatal stops the run.
	Fatal Class = iota
	// Transient reconnects with backoff and goes on from the last commit.
	Transient
	// PerMessage is recorded for one message and the run goes on.
	PerMessage
)

// Class returns the retry class of k.
func (k Kind) Class() Class {
	switch k {
	case ConnLost, Timeout:
		return Transient
	case MessageFailed:
		return PerMessage
	}
	return Fatal
}

// Error is an engine error.
type Error struct {
	Kind    Kind
	Op      string // what was being done: "dial", "login", "fetch", "write mbox"
	Subject string // what it was done to: a host, a folder, a path
	Err     error  // the cause, with the server's own words where there are any
	// Protocol is "pop3" for an error of a POP3 connection ("" for IMAP
	// and the rest): the advice names that protocol's ports.
	Protocol string
}

func (e *Error) Error() string {
	s := e.Op
	if e.Subject != "" {
		s += " " + e.Subject
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if s == "" {
		s = e.Kind.String()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an *Error.
func New(kind Kind, op, subject string, err error) *Error {
	return &Error{Kind: kind, Op: op, Subject: subject, Err: err}
}

// KindOf returns the Kind of the first *Error in err's chain, or Unknown.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Unknown
}

// As returns the first *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
