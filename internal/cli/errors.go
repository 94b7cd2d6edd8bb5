package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"

	"github.com/mailark/mailark/backup"
	"github.com/mailark/mailark/internal/imapconn"
	"github.com/mailark/mailark/internal/mailerr"
)

// UserMessage is the one line a person reads: what happened, then what to
// do. The full error goes to the log (stderr with --verbose).
func UserMessage(err error) string {
	s := problem(err)
	if step := nextStep(err); step != "" {
		s += " " + step
	}
	return s
}

// subjectMessages are the problems told with their subject (a host or a
// path) alone; problem says the others, which need more than that.
var subjectMessages = map[mailerr.Kind]string{
	mailerr.AuthFailed:      "Wrong user name or password for %s. Check the password and try again (some providers need an app password).",
	mailerr.HostNotFound:    "The server %s was not found. Check the host name for typing mistakes and that this computer is online.",
	mailerr.CertUntrusted:   "The certificate of %s is not trusted (self-signed or from an unknown authority). If you trust this server, save its certificate as a PEM file and pass --ca-file FILE.",
	mailerr.CertMismatch:    "The certificate of %s is for a different host name. Use the host name your provider documents.",
	mailerr.CertExpired:     "The certificate of %s has expired or is not yet valid. Check this computer's clock, or ask the provider.",
	mailerr.NotIMAP:         "%s did not answer as a mail (IMAP) server on this port. Check the host name, port and security setting.",
	mailerr.NotPOP3:         "%s did not answer as a mail (POP3) server on this port. Check the host name, port and security setting (POP3 uses 995 with tls, 110 with starttls).",
	mailerr.InsecureRefused: "Refusing to send the password to %s unencrypted. Use --security tls or starttls; only if you must, add --allow-insecure.",
	mailerr.ConnLost:        "The connection to %s was lost and could not be restored. Everything saved so far is kept; run the same command again to continue.",
	mailerr.DiskFull:        "The disk holding %s is full. Free some space (or choose another --archive folder) and run the same command again: nothing saved so far is lost.",
	mailerr.Permission:      "No permission to write %s. Choose a folder you own with --archive.",
	mailerr.ReadOnlyFS:      "%s is on a read-only file system. Choose a folder on a writable disk.",
	mailerr.ArchiveLocked:   "Another Mailark is already working on %s. Wait for it to finish, then try again.",
}

// problem says what happened (for most kinds with what to do).
func problem(err error) string {
	if errors.Is(err, context.Canceled) {
		return "Stopped. Everything saved so far is kept; run the same command again to continue."
	}
	e := mailerr.As(err)
	if e == nil {
		return fmt.Sprintf("Something went wrong: %v", err)
	}
	s := e.Subject
	if format, ok := subjectMessages[e.Kind]; ok {
		return fmt.Sprintf(format, s)
	}
	tlsPort, startPort, startFlag := "993", "143", "starttls"
	if e.Protocol == "pop3" {
		tlsPort, startPort, startFlag = "995", "110", "starttls (STLS)"
	}
	switch e.Kind {
	case mailerr.ConnRefused:
		return fmt.Sprintf("%s refused the connection. Check the port and security setting (tls uses %s, %s %s).", s, tlsPort, startFlag, startPort)
	case mailerr.Timeout:
		var stall *backup.StallError
		if errors.As(err, &stall) {
			return fmt.Sprintf("%s stopped sending for %s. Everything received so far is saved; run the same command again to continue (a slow server may need a larger --stall-timeout).", s, backup.Words(stall.For))
		}
		return fmt.Sprintf("%s did not answer in time. Check the network and try again; a rerun continues where this stopped.", s)
	case mailerr.NotTLS:
		return fmt.Sprintf("%s did not answer with TLS on this port. Try --security starttls with port %s, or check the port.", s, startPort)
	case mailerr.NoStartTLS:
		return fmt.Sprintf("%s does not offer STARTTLS. Use --security tls (port %s).", s, tlsPort)
	case mailerr.ServerError:
		if errors.Is(err, imapconn.ErrCompressBroken) {
			return fmt.Sprintf("%s sent compressed data (COMPRESS=DEFLATE) that cannot be read. Everything saved so far is kept; run the same command again with --compress off.", s)
		}
		return fmt.Sprintf("The server %s refused: %v. Try again later or ask the provider.", s, e.Err)
	case mailerr.ArchiveBroken:
		return fmt.Sprintf("The archive at %s cannot be used: %v.", s, e.Err)
	case mailerr.ServerChanged:
		return fmt.Sprintf("%v. Nothing more was deleted; run mailark backup and mailark verify again.", capitalize(e.Err.Error()))
	case mailerr.GateClosed, mailerr.NotConfirmed, mailerr.BadInput:
		if e.Err != nil {
			return capitalize(e.Err.Error()) + "."
		}
	}
	return fmt.Sprintf("Something went wrong: %v", err)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	if s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// connFlagNames are the connection flags, named in advice without the
// "to-" prefix that migrate and announce give them.
var connFlagNames = regexp.MustCompile(`--(host|port|security|ca-file|user|password-file|allow-insecure)\b`)

// userMessageFor is UserMessage for a command whose connection flags carry
// prefix ("to-" for migrate and announce): the flags it names are that
// command's own.
func userMessageFor(prefix string, err error) string {
	s := UserMessage(err)
	if prefix == "" {
		return s
	}
	return connFlagNames.ReplaceAllString(s, "--"+prefix+"$1")
}

// fail prints the user message (and the detail when verbose) and returns the
// exit code for err.
func fail(w io.Writer, err error, verbose bool) int { return failFor("", w, err, verbose) }

// failFor is fail for a command whose connection flags carry prefix.
func failFor(prefix string, w io.Writer, err error, verbose bool) int {
	// The message may quote the server's own words: one safe line.
	fmt.Fprintln(w, "mailark:", safe(userMessageFor(prefix, err)))
	if verbose {
		fmt.Fprintln(w, "  detail:", safe(err.Error()))
	}
	if errors.Is(err, context.Canceled) {
		return ExitCancelled
	}
	if errors.Is(err, errBadFlag) {
		return ExitUsage
	}
	switch mailerr.KindOf(err) {
	case mailerr.GateClosed:
		return ExitGateClosed
	case mailerr.NotConfirmed:
		return ExitNotConfirmed
	}
	return ExitError
}
